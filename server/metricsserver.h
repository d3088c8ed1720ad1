// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QObject>

class ChatServer;
class QHttpServer;

// --metrics: /metrics in Prometheus' text format and /health, on an address of
// their own, served by Qt's HTTP server on the main thread. It reads Metrics
// and what the ChatServer knows now; it never sees a name or a message.
class MetricsServer : public QObject
{
    Q_OBJECT
public:
    explicit MetricsServer(const ChatServer *server, QObject *parent = nullptr);

    // False, with the reason, when the address cannot be listened on.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    // "http://127.0.0.1:9100/metrics", with the port listened on, for the log.
    QString url() const;

    // The text Prometheus scrapes.
    QByteArray render() const;

private:
    const ChatServer *m_server;
    QHttpServer *m_http; // a child: Qt6::HttpServer stays the library's own dependency
    QHostAddress m_address;
    quint16 m_port = 0;
};
