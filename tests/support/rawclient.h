// SPDX-License-Identifier: MIT
#pragma once

#include "jsonframedecoder.h"

#include <QJsonObject>
#include <QList>
#include <QSslSocket>

// A protocol client with no logic of its own: tests use it to send exact bytes
// (valid or hostile) to a server and to see exactly which objects come back.
class RawClient
{
public:
    RawClient();

    bool connectTo(quint16 port, int timeoutMs = 5000);
    // Connects with TLS and waits for the handshake, trusting any certificate:
    // the test checks socket().peerCertificate() itself.
    bool connectEncrypted(quint16 port, int timeoutMs = 5000);
    // Connects and joins; rich adds "protocol":1. Waits for the welcome (rich)
    // or the welcome notice (seed) and returns false when it does not come.
    bool joinAs(quint16 port, const QString &name, bool rich = true);

    void send(const QByteArray &bytes);
    void sendObject(const QJsonObject &object);

    // Waits for the next object of the given type ("" for any); skips and keeps
    // others in received(). Returns an empty object on timeout.
    QJsonObject waitFor(const QString &type, int timeoutMs = 5000);
    // Waits until the server closes the connection.
    bool waitForClosed(int timeoutMs = 5000);
    // Reads whatever is available within timeoutMs, then reports whether an object
    // of the given type arrived (for checks that something does NOT come).
    bool receivesWithin(const QString &type, int timeoutMs);

    QList<QJsonObject> &received() { return m_received; }
    QSslSocket &socket() { return m_socket; }

private:
    void readAvailable();
    qsizetype indexOf(const QString &type) const;

    QSslSocket m_socket; // plain TCP unless connectEncrypted()
    JsonFrameDecoder m_decoder;
    QList<QJsonObject> m_received; // arrived but not yet taken by waitFor
};
