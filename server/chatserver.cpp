// SPDX-License-Identifier: MIT
#include "chatserver.h"

#include "clientsession.h"
#include "happensbefore.h"
#include "logging.h"
#include "metrics.h"
#include "tcptransport.h"
#include "trace.h"
#include "wire.h"

#include <QRandomGenerator>
#include <QThread>

#include <sys/socket.h>
#include <unistd.h>

namespace {
constexpr int ShutdownDeadlineMs = 1500; // then threads are stopped without waiting for clients
constexpr int IdleSweepMs = 100; // how often a quiet server checks whether it became busy
} // namespace

static Hub::Settings hubSettings(const ServerConfig &config, const Storage *storage,
                                 const Storage::Loaded &loaded)
{
    Hub::Settings settings;
    settings.serverName = config.serverName;
    settings.room.historySize = config.historySize;
    // An answer with history must not get its reader dropped.
    settings.room.answerHistoryBytes = config.maxUnsentBytes / 2;
    settings.room.presenceLimit = config.presenceLimit;
    settings.room.logRetainBytes = config.maxUnsentBytes;
    settings.room.coalesceAbove = config.coalesceAbove;
    settings.room.coalesceInterval = std::chrono::milliseconds(config.coalesceMs);
    settings.maxRooms = config.maxRooms;
    settings.maxRoomsPerClient = config.maxRoomsPerClient;
    // Stored ids count in the database; without one, ids start again each run.
    settings.run =
        storage ? loaded.identity : QString::number(QRandomGenerator::system()->generate64(), 16);
    return settings;
}

ChatServer::ChatServer(const ServerConfig &config, Storage *storage, const Storage::Loaded &loaded,
                       QObject *parent)
    : QTcpServer(parent)
    , m_config(config)
    , m_hub(hubSettings(config, storage, loaded), storage, loaded.rooms)
{
    m_shutdownDeadline.setSingleShot(true);
    connect(&m_shutdownDeadline, &QTimer::timeout, this, &ChatServer::stopRemainingThreads);
    m_coalescingSweep.setTimerType(Qt::PreciseTimer);
    connect(&m_coalescingSweep, &QTimer::timeout, this, &ChatServer::deliverCoalesced);
}

ChatServer::~ChatServer()
{
    stopRemainingThreads();
}

bool ChatServer::start(QString *error)
{
    m_coalescingSweep.start(IdleSweepMs);
    setListenBacklogSize(m_config.listenBacklog);
    if (!listen(m_config.host, m_config.port)) {
        *error = errorString();
        return false;
    }
    qCInfo(lcServer).noquote() << QStringLiteral(
                                      "pynet-server %1 listening on %2:%3, up to %4 clients")
                                      .arg(QStringLiteral(PYNET_VERSION),
                                           serverAddress().toString())
                                      .arg(serverPort())
                                      .arg(m_config.maxClients);
    return true;
}

void ChatServer::incomingConnection(qintptr socketDescriptor)
{
    if (m_stopping || connectionCount() >= m_config.maxClients) {
        refuse(socketDescriptor);
        return;
    }
    // The documented pattern: the worker has no parent, moves to the thread, and
    // creates its socket notifiers there when the thread starts.
    auto *thread = new QThread;
    thread->setStackSize(uint(m_config.threadStackBytes));
    auto *connection =
        new ClientSession(new TcpTransport(socketDescriptor, ++m_lastConnectionId, &m_config),
                          &m_hub, &m_config, m_accounts);
    connection->moveToThread(thread);
    // The first event the thread's loop delivers. (A connection to QThread::started
    // would do the same, but stay allocated for the client's lifetime; the
    // session ends its thread itself when its transport closes.)
    connection->requestStart();
    // Runs in the ending thread: its last work happens before the cleanup below.
    connect(
        thread, &QThread::finished, connection,
        [connection] { HappensBefore::publish(connection); }, Qt::DirectConnection);
    // Context `thread`: a pending call dies with the thread object, never runs late.
    connect(thread, &QThread::finished, thread, [this, thread] { onThreadFinished(thread); });
    m_connections.insert(thread, connection);
    thread->start();
    if (Q_UNLIKELY(Trace::enabled()))
        Trace::threadStarted(connection->connectionId(), connectionCount());
}

// Over capacity: say so and close, without spending a thread on it.
void ChatServer::refuse(qintptr socketDescriptor)
{
    const QByteArray reply = Wire::encode(
        Wire::Error { Protocol::Code::ServerFull,
                      QStringLiteral("The server is full (%1 clients). Try again later.")
                          .arg(m_config.maxClients) });
    ::send(int(socketDescriptor), reply.constData(), size_t(reply.size()),
           MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(int(socketDescriptor), SHUT_WR);
    ::close(int(socketDescriptor));
    Metrics::instance().countClose(Metrics::Close::ServerFull);
    qCWarning(lcServer) << "refused a connection: server full at" << m_config.maxClients
                        << "clients";
}

void ChatServer::onThreadFinished(QThread *thread)
{
    ClientSession *connection = m_connections.take(thread);
    thread->wait(); // finished() is emitted just before the thread really ends
    HappensBefore::receive(connection);
    if (Q_UNLIKELY(Trace::enabled()))
        Trace::threadFinished(connection->connectionId(), connectionCount());
    delete connection;
    delete thread;
    if (m_stopping && m_connections.isEmpty()) {
        m_shutdownDeadline.stop();
        Q_EMIT stopped();
    }
}

void ChatServer::shutdown()
{
    if (m_stopping)
        return;
    m_stopping = true;
    close();
    qCInfo(lcServer) << "shutting down," << connectionCount() << "connections";
    if (m_connections.isEmpty()) {
        Q_EMIT stopped();
        return;
    }
    for (ClientSession *connection : std::as_const(m_connections))
        connection->requestShutdown();
    m_shutdownDeadline.start(ShutdownDeadlineMs);
}

void ChatServer::stopRemainingThreads()
{
    const QList<QThread *> threads = m_connections.keys();
    for (QThread *thread : threads) {
        thread->quit();
        thread->wait();
        onThreadFinished(thread);
    }
}

// Under load the hub holds writes back to coalesce them; this delivers them once
// due, ticking at half the coalescing interval while busy and rarely otherwise.
void ChatServer::deliverCoalesced()
{
    m_hub.deliverCoalesced();
    const auto coalescing =
        std::chrono::duration_cast<std::chrono::milliseconds>(m_hub.coalescing());
    m_coalescingSweep.setInterval(
        coalescing.count() > 0 ? int(qMax<qint64>(1, coalescing.count() / 2)) : IdleSweepMs);
}
