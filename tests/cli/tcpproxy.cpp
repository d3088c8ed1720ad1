// SPDX-License-Identifier: MIT
#include "tcpproxy.h"

#include <QHostAddress>
#include <QTcpSocket>

TcpProxy::TcpProxy(quint16 targetPort) : m_targetPort(targetPort)
{
    m_thread.start();
    moveToThread(&m_thread);
    QMetaObject::invokeMethod(this, &TcpProxy::listen, Qt::BlockingQueuedConnection);
}

TcpProxy::~TcpProxy()
{
    QMetaObject::invokeMethod(
        this,
        [this] {
            cutAllInThread();
            delete m_server;
            moveToThread(m_thread.thread());
        },
        Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void TcpProxy::listen()
{
    m_server = new QTcpServer;
    m_server->listen(QHostAddress::LocalHost, 0);
    m_port = m_server->serverPort();
    connect(m_server, &QTcpServer::newConnection, this, &TcpProxy::onNewConnection);
}

void TcpProxy::onNewConnection()
{
    while (QTcpSocket *client = m_server->nextPendingConnection()) {
        if (!m_accepting) {
            client->abort();
            client->deleteLater();
            continue;
        }
        auto *server = new QTcpSocket(this);
        ++m_connections;
        m_sockets.append(client);
        m_sockets.append(server);
        const auto forward = [](QTcpSocket *from, QTcpSocket *to) {
            connect(from, &QTcpSocket::readyRead, to, [from, to] {
                if (to->state() == QAbstractSocket::ConnectedState)
                    to->write(from->readAll());
            });
            connect(from, &QTcpSocket::disconnected, to, [to] { to->disconnectFromHost(); });
        };
        forward(client, server);
        forward(server, client);
        // What the client sends before the server side is up waits in its buffer.
        connect(server, &QTcpSocket::connected, client,
                [client, server] { server->write(client->readAll()); });
        server->connectToHost(QHostAddress::LocalHost, m_targetPort);
    }
}

void TcpProxy::cutAll()
{
    QMetaObject::invokeMethod(this, &TcpProxy::cutAllInThread, Qt::BlockingQueuedConnection);
}

void TcpProxy::cutAllInThread()
{
    const QList<QTcpSocket *> sockets = std::exchange(m_sockets, {});
    for (QTcpSocket *socket : sockets) {
        socket->abort();
        socket->deleteLater();
    }
}

void TcpProxy::setAccepting(bool accepting)
{
    QMetaObject::invokeMethod(
        this, [this, accepting] { m_accepting = accepting; }, Qt::BlockingQueuedConnection);
}

void TcpProxy::setTargetPort(quint16 port)
{
    QMetaObject::invokeMethod(
        this, [this, port] { m_targetPort = port; }, Qt::BlockingQueuedConnection);
}

int TcpProxy::connectionCount()
{
    int count = 0;
    QMetaObject::invokeMethod(
        this, [this] { return m_connections; }, Qt::BlockingQueuedConnection, &count);
    return count;
}
