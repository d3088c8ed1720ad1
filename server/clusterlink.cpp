// SPDX-License-Identifier: MIT
#include "clusterlink.h"

#include "happensbefore.h"
#include "redisqtadapter.h"
#include "trace.h"

#include <QDeadlineTimer>
#include <QLoggingCategory>
#include <QThread>
#include <QTimer>
#include <QUrl>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <deque>
#include <mutex>

namespace {

Q_LOGGING_CATEGORY(lcCluster, "pynet.cluster")

constexpr int RetryFirstMs = 250;
constexpr int RetryLastMs = 5000;

} // namespace

// Everything that touches hiredis, on the link's thread.
class ClusterLink::Worker : public QObject
{
    Q_OBJECT
public:
    Worker(ClusterLink *link, const Settings &settings, Received received, Subscribed subscribed);

    void enqueue(const QByteArray &payload);

public Q_SLOTS:
    void start();
    void stop();
    void sendQueued();

private:
    // One connection with its adapter. The adapter's destructor writes into
    // the context, so it goes while the context still exists (detach()).
    struct Connection
    {
        redisAsyncContext *context = nullptr;
        RedisQtAdapter *adapter = nullptr;
        bool ready = false;
    };

    void connectBoth();
    bool open(Connection *connection);
    // Before the context goes: hiredis must not call the adapter afterwards.
    static void detach(Connection *connection, redisAsyncContext *context);
    void drop(const QString &why); // both connections, then connect again
    void checkHealth();
    void setUp(bool up);
    Connection *connectionOf(const redisAsyncContext *context);

    static void onConnect(const redisAsyncContext *context, int status);
    static void onDisconnect(const redisAsyncContext *context, int status);
    static void onMessage(redisAsyncContext *context, void *reply, void *self);
    static void onPublished(redisAsyncContext *context, void *reply, void *self);
    static void onPong(redisAsyncContext *context, void *reply, void *self);

    ClusterLink *const m_link;
    const Settings m_settings;
    const Received m_received;
    const Subscribed m_subscribed;

    std::mutex m_mutex; // guards m_queue
    std::deque<QByteArray> m_queue;

    // The link thread's own.
    Connection m_publisher;
    Connection m_subscriber;
    bool m_subscribedNow = false;
    int m_inFlight = 0;
    QDeadlineTimer m_connecting; // a connection that does not come up in time is dropped
    bool m_pingOut = false;
    QDeadlineTimer m_pongDue;
    bool m_stopping = false;
    bool m_wasUp = false;
    int m_retryMs = RetryFirstMs;
    QTimer m_retry { this };
    QTimer m_health { this };
};

ClusterLink::Worker::Worker(ClusterLink *link, const Settings &settings, Received received,
                            Subscribed subscribed)
    : m_link(link)
    , m_settings(settings)
    , m_received(std::move(received))
    , m_subscribed(std::move(subscribed))
{
    m_retry.setSingleShot(true);
    QObject::connect(&m_retry, &QTimer::timeout, this, &Worker::connectBoth);
    m_health.setInterval(std::max<qint64>(10, m_settings.timeout.count() / 3));
    QObject::connect(&m_health, &QTimer::timeout, this, &Worker::checkHealth);
}

void ClusterLink::Worker::start()
{
    m_health.start();
    connectBoth();
}

void ClusterLink::Worker::stop()
{
    m_stopping = true;
    m_retry.stop();
    m_health.stop();
    for (Connection *connection : { &m_publisher, &m_subscriber }) {
        if (redisAsyncContext *context = std::exchange(connection->context, nullptr)) {
            detach(connection, context);
            redisAsyncFree(context); // answers what is pending with nothing
        }
    }
    setUp(false);
    thread()->quit();
}

void ClusterLink::Worker::enqueue(const QByteArray &payload)
{
    bool wasEmpty = false;
    {
        std::lock_guard lock(m_mutex);
        if (qsizetype(m_queue.size()) >= m_settings.maxPending) {
            m_link->m_dropped.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        wasEmpty = m_queue.empty();
        m_queue.push_back(payload);
    }
    if (wasEmpty)
        QMetaObject::invokeMethod(this, "sendQueued", Qt::QueuedConnection);
}

void ClusterLink::Worker::sendQueued()
{
    std::deque<QByteArray> batch;
    {
        std::lock_guard lock(m_mutex);
        batch.swap(m_queue);
    }
    for (const QByteArray &payload : batch) {
        // Down, or Redis not reading: the others fill it from the database.
        if (!m_subscribedNow || !m_publisher.ready || m_inFlight >= m_settings.maxPending) {
            m_link->m_dropped.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        ++m_inFlight;
        redisAsyncCommand(m_publisher.context, &Worker::onPublished, this, "PUBLISH %b %b",
                          m_settings.channel.constData(), size_t(m_settings.channel.size()),
                          payload.constData(), size_t(payload.size()));
    }
}

void ClusterLink::Worker::connectBoth()
{
    if (m_stopping)
        return;
    m_connecting = QDeadlineTimer(m_settings.timeout);
    if (!open(&m_publisher) || !open(&m_subscriber))
        drop(QStringLiteral("cannot connect"));
}

bool ClusterLink::Worker::open(Connection *connection)
{
    connection->ready = false;
    redisAsyncContext *context =
        redisAsyncConnect(m_settings.host.toUtf8().constData(), m_settings.port);
    if (!context)
        return false;
    if (context->err) {
        redisAsyncFree(context);
        return false;
    }
    context->data = this;
    connection->context = context;
    connection->adapter = new RedisQtAdapter(this);
    connection->adapter->setContext(context);
    redisAsyncSetConnectCallback(context, &Worker::onConnect);
    redisAsyncSetDisconnectCallback(context, &Worker::onDisconnect);
    return true;
}

void ClusterLink::Worker::detach(Connection *connection, redisAsyncContext *context)
{
    connection->ready = false;
    RedisQtAdapter *adapter = std::exchange(connection->adapter, nullptr);
    if (!adapter)
        return;
    if (context->ev.cleanup)
        context->ev.cleanup(context->ev.data); // its notifiers
    context->ev.addRead = context->ev.delRead = nullptr;
    context->ev.addWrite = context->ev.delWrite = nullptr;
    context->ev.cleanup = nullptr;
    delete adapter;
}

ClusterLink::Worker::Connection *ClusterLink::Worker::connectionOf(const redisAsyncContext *context)
{
    if (context == m_publisher.context)
        return &m_publisher;
    if (context == m_subscriber.context)
        return &m_subscriber;
    return nullptr;
}

void ClusterLink::Worker::onConnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<Worker *>(context->data);
    if (!self)
        return;
    Connection *connection = self->connectionOf(context);
    if (!connection)
        return;
    if (status != REDIS_OK) {
        // hiredis frees the context once this returns.
        connection->context = nullptr;
        detach(connection, const_cast<redisAsyncContext *>(context));
        self->drop(QString::fromUtf8(context->errstr));
        return;
    }
    connection->ready = true;
    if (connection == &self->m_subscriber) {
        redisAsyncCommand(self->m_subscriber.context, &Worker::onMessage, self, "SUBSCRIBE %b",
                          self->m_settings.channel.constData(),
                          size_t(self->m_settings.channel.size()));
    }
}

void ClusterLink::Worker::onDisconnect(const redisAsyncContext *context, int status)
{
    auto *self = static_cast<Worker *>(context->data);
    if (!self)
        return;
    Connection *connection = self->connectionOf(context);
    if (!connection)
        return;
    // hiredis has cleaned the adapter's notifiers up and frees the context next.
    connection->context = nullptr;
    detach(connection, const_cast<redisAsyncContext *>(context));
    self->drop(status == REDIS_OK ? QStringLiteral("closed") : QString::fromUtf8(context->errstr));
}

void ClusterLink::Worker::drop(const QString &why)
{
    if (m_stopping)
        return;
    if (m_wasUp) {
        qCWarning(lcCluster).noquote()
            << QStringLiteral("redis://%1:%2 lost (%3); each server goes on serving its own "
                              "members, and catches up when it is back")
                   .arg(m_settings.host)
                   .arg(m_settings.port)
                   .arg(why);
    } else {
        qCDebug(lcCluster) << "redis not reachable:" << why;
    }
    m_wasUp = false;
    m_subscribedNow = false;
    m_pingOut = false;
    setUp(false);
    for (Connection *connection : { &m_publisher, &m_subscriber }) {
        if (redisAsyncContext *context = std::exchange(connection->context, nullptr)) {
            context->data = nullptr; // its callbacks, run by the free, find nobody
            detach(connection, context);
            redisAsyncFree(context);
        }
    }
    m_inFlight = 0;
    m_retry.start(m_retryMs);
    m_retryMs = std::min(m_retryMs * 2, RetryLastMs);
}

void ClusterLink::Worker::checkHealth()
{
    if (!m_subscribedNow) {
        if ((m_publisher.context || m_subscriber.context) && m_connecting.hasExpired())
            drop(QStringLiteral("no answer within %1 ms").arg(m_settings.timeout.count()));
        return;
    }
    if (m_pingOut) {
        if (m_pongDue.hasExpired())
            drop(QStringLiteral("no answer within %1 ms").arg(m_settings.timeout.count()));
        return;
    }
    m_pingOut = true;
    m_pongDue = QDeadlineTimer(m_settings.timeout);
    redisAsyncCommand(m_publisher.context, &Worker::onPong, this, "PING");
}

void ClusterLink::Worker::setUp(bool up)
{
    m_link->m_up.store(up, std::memory_order_release);
}

void ClusterLink::Worker::onMessage(redisAsyncContext *context, void *reply, void *data)
{
    auto *self = static_cast<Worker *>(data);
    const auto *r = static_cast<const redisReply *>(reply);
    if (!reply || !context->data || r->type != REDIS_REPLY_ARRAY || r->elements < 3)
        return;
    const QByteArray kind(r->element[0]->str, qsizetype(r->element[0]->len));
    if (kind == "subscribe") {
        self->m_subscribedNow = true;
        self->m_wasUp = true;
        self->m_retryMs = RetryFirstMs;
        self->setUp(true);
        qCInfo(lcCluster).noquote() << QStringLiteral("redis://%1:%2 joined: channel %3")
                                           .arg(self->m_settings.host)
                                           .arg(self->m_settings.port)
                                           .arg(QString::fromUtf8(self->m_settings.channel));
        if (self->m_subscribed)
            self->m_subscribed();
        return;
    }
    if (kind == "message" && r->element[2]->type == REDIS_REPLY_STRING && self->m_received)
        self->m_received(QByteArray(r->element[2]->str, qsizetype(r->element[2]->len)));
}

void ClusterLink::Worker::onPublished(redisAsyncContext *context, void *reply, void *data)
{
    Q_UNUSED(reply);
    auto *self = static_cast<Worker *>(data);
    if (context->data)
        self->m_inFlight = std::max(0, self->m_inFlight - 1);
}

void ClusterLink::Worker::onPong(redisAsyncContext *context, void *reply, void *data)
{
    auto *self = static_cast<Worker *>(data);
    if (reply && context->data)
        self->m_pingOut = false;
}

bool ClusterLink::parseUrl(const QString &text, QString *host, quint16 *port, QString *error)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1StringView("redis") || url.host().isEmpty()
        || !url.userInfo().isEmpty() || (!url.path().isEmpty() && url.path() != QLatin1String("/"))
        || url.hasQuery()) {
        *error = QStringLiteral("\"%1\" is not redis://HOST[:PORT].").arg(text);
        return false;
    }
    *host = url.host();
    *port = quint16(url.port(6379));
    return true;
}

ClusterLink::ClusterLink(const Settings &settings, Received received, Subscribed subscribed)
    : m_thread(std::make_unique<QThread>()), m_settings(settings)
{
    m_thread->setObjectName(QStringLiteral("cluster"));
    m_worker = new Worker(this, settings, std::move(received), std::move(subscribed));
    m_worker->moveToThread(m_thread.get());
    QThread *thread = m_thread.get();
    QObject::connect(
        thread, &QThread::finished, thread, [thread] { HappensBefore::publish(thread); },
        Qt::DirectConnection);
    QObject::connect(
        thread, &QThread::started, m_worker, [] { Trace::nameThisThread("cluster"); },
        Qt::DirectConnection);
}

void ClusterLink::start()
{
    m_thread->start();
    QMetaObject::invokeMethod(m_worker, "start", Qt::QueuedConnection);
}

ClusterLink::~ClusterLink()
{
    stop();
    delete m_worker;
}

void ClusterLink::stop()
{
    if (!m_thread->isRunning())
        return;
    // The worker ends its own thread (see Storage).
    QMetaObject::invokeMethod(m_worker, "stop", Qt::BlockingQueuedConnection);
    m_thread->wait();
    HappensBefore::receive(m_thread.get());
}

void ClusterLink::publish(const QByteArray &payload)
{
    if (!m_thread->isFinished())
        m_worker->enqueue(payload);
    else
        m_dropped.fetch_add(1, std::memory_order_relaxed);
}

QString ClusterLink::displayName() const
{
    return QStringLiteral("redis://%1:%2").arg(m_settings.host).arg(m_settings.port);
}

#include "clusterlink.moc"
