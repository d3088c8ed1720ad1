// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QObject>
#include <QTcpServer>
#include <QThread>

class QTcpSocket;

// Forwards connections to a server and can cut them all at once, like a
// dropped Wi-Fi link: the server and the client each see the other vanish
// while the server keeps running. Runs in its own thread, so tests may block.
class TcpProxy : public QObject
{
    Q_OBJECT
public:
    explicit TcpProxy(quint16 targetPort);
    ~TcpProxy() override;

    quint16 port() const { return m_port; }
    // Aborts every forwarded connection, both sides.
    void cutAll();
    // While not accepting, new connections are closed at once, like a server
    // that is down; clients keep trying.
    void setAccepting(bool accepting);
    // Where new connections go, e.g. a restarted server on another port.
    void setTargetPort(quint16 port);
    int connectionCount();

private:
    void listen();
    void onNewConnection();
    void cutAllInThread();

    QThread m_thread;
    QTcpServer *m_server = nullptr;
    QList<QTcpSocket *> m_sockets;
    quint16 m_targetPort;
    quint16 m_port = 0;
    int m_connections = 0;
    bool m_accepting = true;
};
