// SPDX-License-Identifier: MIT
#pragma once

#include "jsonframedecoder.h"

#include <QJsonObject>
#include <QList>
#include <QTcpServer>

class QTcpSocket;

// A server that says whatever the test wants, hostile or not: our server
// refuses control characters, so this is how escape sequences reach a client.
class HostileServer : public QObject
{
    Q_OBJECT
public:
    HostileServer();

    quint16 port() const { return m_server.serverPort(); }
    // Waits, processing events, for a client's join and returns it.
    QJsonObject waitForJoin(int timeoutMs = 5000);
    // Objects the client sent so far.
    QList<QJsonObject> received() const { return m_received; }
    void send(const QJsonObject &object);

private:
    void onNewConnection();
    void onReadyRead();

    QTcpServer m_server;
    QTcpSocket *m_client = nullptr;
    JsonFrameDecoder m_decoder;
    QList<QJsonObject> m_received;
};
