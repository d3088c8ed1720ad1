// SPDX-License-Identifier: MIT
#pragma once

#include "transport.h"

#include <QBasicTimer>
#include <QSslConfiguration>

#include <memory>

class QSocketNotifier;
class QSslSocket;
struct ServerConfig;

// A TLS client (--tls-port): a QSslSocket made in the connection's thread from
// the accepted descriptor, encrypting as the server. Its Outbox is the owner-
// writes kind: an OpenSSL connection must not be used by two threads at once,
// so other threads queue and wake this one, which encrypts and writes. Until
// the handshake is done nothing is read or written, and the session's join
// timeout covers it. A first byte that cannot start a TLS handshake (a plain
// client on the wrong port) is logged and the connection closed.
class TlsTransport final : public Transport
{
    Q_OBJECT
public:
    // In the accepting thread: stores what start() needs, nothing more.
    TlsTransport(qintptr socketDescriptor, quint64 connectionId, const ServerConfig *config,
                 const QSslConfiguration &tls);
    ~TlsTransport() override;

    // In a connection's thread, at its very end: frees what OpenSSL keeps per
    // thread (its random generators, its error queue). OpenSSL would free it in
    // a thread-exit hook, but that runs after QThread::wait() has returned, so
    // at the process's exit the last thread's could still be there.
    static void releaseThreadState();

    void start(Listener *listener) override;
    QString peer() const override { return m_peer; }
    quint64 connectionId() const override { return m_connectionId; }
    const std::shared_ptr<Outbox> &outbox() const override { return m_outbox; }
    JsonFrameDecoder::Result nextFrame(QByteArray *frame) override;
    qsizetype maxFrameBytes() const override;
    void send(const QByteArray &bytes) override;
    void setPacing(std::chrono::milliseconds gap) override;
    void discardQueued() override;
    void closeAfterWriting(int lingerMs) override;
    void close(const QString &reason) override;
    bool isOpen() const override { return m_open; }
    bool isEncrypted() const override;

protected:
    void outboxReady() override;
    void timerEvent(QTimerEvent *event) override;

private:
    void onFirstBytes();
    void refusePlain();
    void startHandshake();
    void onEncrypted();
    void onReadable();
    void onWritable();
    void onSocketError();

    const ServerConfig *m_config;
    const QSslConfiguration m_tls;
    const quint64 m_connectionId;
    int m_descriptor; // ours until m_socket takes it
    Listener *m_listener = nullptr;
    QString m_peer;
    std::shared_ptr<Outbox> m_outbox;
    std::unique_ptr<JsonFrameDecoder> m_decoder;
    QSocketNotifier *m_firstBytes = nullptr; // until the first byte says TLS or not
    QSslSocket *m_socket = nullptr;
    QBasicTimer m_lingerTimer;
    QBasicTimer m_paceTimer;
    bool m_open = false;
    bool m_closing = false; // reading only to drain; closes at EOF or the linger's end
    bool m_finishing = false; // close_notify sent
};
