// SPDX-License-Identifier: MIT
#include "chatserver.h"

#include "accounts.h"
#include "clientsession.h"
#include "happensbefore.h"
#include "logging.h"
#include "metrics.h"
#include "tcptransport.h"
#include "tlslistener.h"
#include "tlstransport.h"
#include "trace.h"
#include "validation.h"
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
    for (const QString &admin : config.admins)
        settings.admins.insert(Validation::nameKey(admin));
    settings.maxRoomRules = config.maxRoomRules;
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

void ChatServer::setAccounts(Accounts *accounts)
{
    m_accounts = accounts;
    if (!accounts)
        return;
    m_hub.restoreRules(accounts->takeLoadedRules());
    m_hub.setRulesRecorder([accounts](const QString &roomKey, const RoomRules &rules,
                                      const Wire::Moderated &event, const QString &removed) {
        accounts->recordRules(roomKey, rules, event, removed);
    });
    m_hub.setRulesLoader([accounts](Hub::RulesRead done) { accounts->loadRules(std::move(done)); });
}

ChatServer::~ChatServer()
{
    stopRemainingThreads();
}

bool ChatServer::start(QString *error)
{
    m_coalescingSweep.start(IdleSweepMs);
    if (m_config.hasTls()) {
        m_tlsListener = std::make_unique<TlsListener>(
            [this](qintptr socketDescriptor) { accept(socketDescriptor, true); });
        m_tlsListener->setListenBacklogSize(m_config.listenBacklog);
        if (!m_tlsListener->listen(m_config.host, m_config.tlsPort)) {
            *error = QStringLiteral("TLS port %1: %2")
                         .arg(m_config.tlsPort)
                         .arg(m_tlsListener->errorString());
            return false;
        }
    }
    setListenBacklogSize(m_config.listenBacklog);
    if (!m_config.noPlain && !listen(m_config.host, m_config.port)) {
        *error = errorString();
        return false;
    }
    // One line, last: whoever reads "listening on" may connect to either port.
    const QString tls = !m_tlsListener ? QString()
        : m_config.noPlain             ? QStringLiteral(" (TLS only)")
                                       : QStringLiteral(" (TLS on %1:%2)")
                                 .arg(m_tlsListener->serverAddress().toString())
                                 .arg(m_tlsListener->serverPort());
    const QTcpServer *first =
        m_config.noPlain ? static_cast<const QTcpServer *>(m_tlsListener.get()) : this;
    qCInfo(lcServer).noquote() << QStringLiteral(
                                      "pynet-server %1 listening on %2:%3%4, up to %5 clients")
                                      .arg(QStringLiteral(PYNET_VERSION),
                                           first->serverAddress().toString())
                                      .arg(first->serverPort())
                                      .arg(tls)
                                      .arg(m_config.maxClients);
    return true;
}

quint16 ChatServer::tlsPort() const
{
    return m_tlsListener ? m_tlsListener->serverPort() : 0;
}

void ChatServer::incomingConnection(qintptr socketDescriptor)
{
    accept(socketDescriptor, false);
}

void ChatServer::accept(qintptr socketDescriptor, bool tls)
{
    if (m_stopping || connectionCount() >= m_config.maxClients) {
        refuse(socketDescriptor, tls);
        return;
    }
    // The documented pattern: the worker has no parent, moves to the thread, and
    // creates its socket notifiers there when the thread starts.
    auto *thread = new QThread;
    thread->setStackSize(uint(m_config.threadStackBytes));
    ++m_lastConnectionId;
    Transport *transport = tls ? static_cast<Transport *>(new TlsTransport(
                               socketDescriptor, m_lastConnectionId, &m_config, m_tls))
                               : new TcpTransport(socketDescriptor, m_lastConnectionId, &m_config);
    auto *connection = new ClientSession(transport, &m_hub, &m_config, m_accounts);
    connection->moveToThread(thread);
    // The first event the thread's loop delivers. (A connection to QThread::started
    // would do the same, but stay allocated for the client's lifetime; the
    // session ends its thread itself when its transport closes.)
    connection->requestStart();
    // Runs in the ending thread: its last work happens before the cleanup below.
    connect(
        thread, &QThread::finished, connection,
        [connection, tls] {
            if (tls)
                TlsTransport::releaseThreadState();
            HappensBefore::publish(connection);
        },
        Qt::DirectConnection);
    // Context `thread`: a pending call dies with the thread object, never runs late.
    connect(thread, &QThread::finished, thread, [this, thread] { onThreadFinished(thread); });
    m_connections.insert(thread, connection);
    thread->start();
    if (Q_UNLIKELY(Trace::enabled()))
        Trace::threadStarted(connection->connectionId(), connectionCount());
}

// Over capacity: say so and close, without spending a thread on it. A TLS
// client could not read a plain reply: it is only closed.
void ChatServer::refuse(qintptr socketDescriptor, bool tls)
{
    if (tls) {
        ::close(int(socketDescriptor));
        Metrics::instance().countClose(Metrics::Close::ServerFull);
        qCWarning(lcServer) << "refused a TLS connection: server full at" << m_config.maxClients
                            << "clients";
        return;
    }
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
    if (m_tlsListener)
        m_tlsListener->close();
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
