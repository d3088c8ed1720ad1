// SPDX-License-Identifier: MIT
#include "metricsserver.h"

#include "chatserver.h"
#include "metrics.h"

#include <QFile>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QTcpServer>

namespace {

// Prometheus' text exposition format, version 0.0.4.
const QByteArray ContentType = QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8");

void describe(QByteArray *out, const char *name, const char *type, const char *help)
{
    *out += "# HELP ";
    *out += name;
    *out += ' ';
    *out += help;
    *out += "\n# TYPE ";
    *out += name;
    *out += ' ';
    *out += type;
    *out += '\n';
}

void sample(QByteArray *out, const char *name, const QByteArray &value,
            const QByteArray &labels = {})
{
    *out += name;
    if (!labels.isEmpty())
        *out += '{' + labels + '}';
    *out += ' ';
    *out += value;
    *out += '\n';
}

// The label values are ours, from fixed tables: nothing to escape.
QByteArray label(const char *name, QLatin1StringView value)
{
    return name + QByteArrayLiteral("=\"") + QByteArray(value.data(), value.size()) + '"';
}

void counter(QByteArray *out, const char *name, Metrics::Counter counter, const char *help)
{
    describe(out, name, "counter", help);
    sample(out, name, QByteArray::number(Metrics::instance().value(counter)));
}

void gauge(QByteArray *out, const char *name, qint64 value, const char *help)
{
    describe(out, name, "gauge", help);
    sample(out, name, QByteArray::number(value));
}

// The process's threads as the kernel counts them: one per connection, the
// storage thread, Qt's own.
int processThreads()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (QByteArray line = status.readLine(); !line.isEmpty(); line = status.readLine()) {
        if (line.startsWith("Threads:"))
            return line.mid(8).trimmed().toInt();
    }
    return 0;
}

} // namespace

MetricsServer::MetricsServer(const ChatServer *server, QObject *parent)
    : QObject(parent), m_server(server), m_http(new QHttpServer(this))
{
    m_http->route(QStringLiteral("/metrics"), QHttpServerRequest::Method::Get,
                  [this] { return QHttpServerResponse(ContentType, render()); });
    // For a container or unit asking "is it serving?": no connection, no join.
    m_http->route(QStringLiteral("/health"), QHttpServerRequest::Method::Get, [this] {
        if (m_server->isListening())
            return QHttpServerResponse(ContentType, QByteArrayLiteral("ok\n"));
        return QHttpServerResponse(ContentType, QByteArrayLiteral("not listening\n"),
                                   QHttpServerResponse::StatusCode::ServiceUnavailable);
    });
}

bool MetricsServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    // Our own QTcpServer, for its errorString(): QHttpServer::listen() only says 0.
    auto *tcp = new QTcpServer(m_http);
    if (!tcp->listen(address, port)) {
        *error = tcp->errorString();
        delete tcp;
        return false;
    }
    m_address = tcp->serverAddress();
    m_port = tcp->serverPort();
    m_http->bind(tcp);
    return true;
}

QString MetricsServer::url() const
{
    const QString host = m_address.protocol() == QAbstractSocket::IPv6Protocol
        ? QStringLiteral("[%1]").arg(m_address.toString())
        : m_address.toString();
    return QStringLiteral("http://%1:%2/metrics").arg(host).arg(m_port);
}

QByteArray MetricsServer::render() const
{
    const Metrics &metrics = Metrics::instance();
    QByteArray out;
    out.reserve(4096);
    gauge(&out, "pynet_clients", m_server->connectionCount(),
          "Connections open now, joined or not.");
    gauge(&out, "pynet_users", m_server->userCount(), "Users joined now.");
    gauge(&out, "pynet_rooms", m_server->roomCount(), "Rooms on the server now.");
    gauge(&out, "pynet_threads", processThreads(),
          "Threads of the server process now: one per connection, and the server's own.");
    counter(&out, "pynet_joins_total", Metrics::Counter::Joins, "Successful joins.");
    counter(&out, "pynet_messages_received_total", Metrics::Counter::MessagesReceived,
            "Messages (frames) read from clients, the rate-limited ones included.");
    counter(&out, "pynet_messages_delivered_total", Metrics::Counter::MessagesDelivered,
            "Room messages handed to members for sending, one per recipient.");
    counter(&out, "pynet_bytes_received_total", Metrics::Counter::BytesReceived,
            "Bytes read from client sockets.");
    counter(&out, "pynet_bytes_sent_total", Metrics::Counter::BytesSent,
            "Bytes written to client sockets.");
    counter(&out, "pynet_slow_readers_dropped_total", Metrics::Counter::SlowReadersDropped,
            "Clients dropped for owing more than --max-unsent-bytes.");
    counter(&out, "pynet_rate_limited_total", Metrics::Counter::RateLimited,
            "Messages dropped by the rate limit (--rate, --burst).");

    describe(&out, "pynet_closes_total", "counter", "Connections closed, by reason.");
    for (int i = 0; i < int(Metrics::Close::Count); ++i) {
        const auto reason = Metrics::Close(i);
        sample(&out, "pynet_closes_total", QByteArray::number(metrics.closes(reason)),
               label("reason", Metrics::label(reason)));
    }

    describe(&out, "pynet_storage_commit_seconds", "histogram",
             "Time one group commit of room messages to the database took.");
    const Metrics::Histogram commits = metrics.commits();
    quint64 cumulative = 0;
    for (std::size_t i = 0; i < Metrics::CommitBuckets.size(); ++i) {
        cumulative += commits.buckets[i];
        const QByteArray bound = QByteArray::number(Metrics::CommitBuckets[i], 'g', 6);
        sample(&out, "pynet_storage_commit_seconds_bucket", QByteArray::number(cumulative),
               label("le", QLatin1StringView(bound)));
    }
    const QByteArray count = QByteArray::number(commits.count);
    sample(&out, "pynet_storage_commit_seconds_bucket", count,
           label("le", QLatin1StringView("+Inf")));
    sample(&out, "pynet_storage_commit_seconds_sum",
           QByteArray::number(commits.sumSeconds, 'g', 9));
    sample(&out, "pynet_storage_commit_seconds_count", count);

    gauge(&out, "pynet_storage_backlog", metrics.storageBacklog(),
          "Room messages kept in memory while the database is unreachable.");
    return out;
}
