// SPDX-License-Identifier: MIT
#include "storage.h"

#include "happensbefore.h"
#include "metrics.h"
#include "trace.h"

#include "messagestore.h"
#include "validation.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QSet>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <deque>
#include <future>
#include <mutex>
#include <optional>

namespace {

Q_LOGGING_CATEGORY(lcStorage, "pynet.storage")

constexpr int MaxBatch = 1000; // writes in one transaction
constexpr int FillPage = 500; // messages read at once to fill a gap
constexpr int RetentionBatch = 500; // rows deleted in one transaction
constexpr int RetentionRoomsPerStep = 50;
constexpr int RetentionIdleMs = 60 * 1000;
constexpr int RetentionStartMs = 1000; // unless the listener comes first
constexpr int RetryFirstMs = 1000;
constexpr int RetryLastMs = 30 * 1000;
constexpr qint64 DayMs = 24 * 60 * 60 * 1000;

} // namespace

// Everything that touches the database, on the storage thread. Callers only
// queue work under m_mutex and wake the thread when the queue was empty.
class Storage::Worker : public QObject
{
    Q_OBJECT
public:
    struct Item
    {
        MessageStore::Write write;
        Committed committed;
        bool isHistory = false;
        qint64 before = 0;
        int limit = 0;
        Page page;
        std::function<void()> then; // an ordered step (Storage::then()), no write
        std::optional<ClusterEvent> remote; // from another server
        bool resync = false;
    };

    explicit Worker(const Settings &settings);

    bool open(Loaded *loaded, QString *error);
    void enqueue(Item item);
    void setExpiredListener(Expired expired);
    void setGroupDoneListener(GroupDone done);
    void setCluster(ClusterListener publish, ClusterListener remote);

    QString displayName; // set by open(), then only read

public Q_SLOTS:
    void drain();
    void startRetention();
    void shutdown();

private:
    void process(std::deque<Item> *batch);
    // A step of Storage::then(), to run once the writes before it are done.
    struct Step
    {
        qsizetype after = 0; // how many of the batch's writes come before it
        std::function<void()> run;
    };
    void store(QList<MessageStore::Write> *writes, QList<Committed> *committed, QList<Step> *steps);
    // After the commit (or once kept in the backlog): runs the callbacks and steps.
    void delivered(QList<MessageStore::Write> *writes, QList<Committed> *committed,
                   QList<Step> *steps);
    // Sequenced and the database away: the writes wait, with their callbacks and steps.
    void wait(QList<MessageStore::Write> *writes, QList<Committed> *committed, QList<Step> *steps);
    // Sequenced: delivers a room message once everything before it in its room is.
    void deliverInOrder(const QString &key, const ChatMessage &message, qint64 previous,
                        const Committed &committed);
    // The room's stored messages after `after` and before `before` (0: the newest).
    void fill(const QString &key, qint64 after, qint64 before);
    void received(const ClusterEvent &event);
    void resyncNow();
    void groupDone();
    void keep(QList<MessageStore::Write> *writes);
    void trimBacklog();
    void lost(const QString &error);
    void retry();
    bool flushBacklog(QString *error);
    void retentionStep();
    bool retains() const { return m_settings.retainDays > 0 || m_settings.retainMessages > 0; }

    const Settings m_settings;
    std::unique_ptr<MessageStore> m_store;

    std::mutex m_mutex; // guards m_queue and m_expired
    std::deque<Item> m_queue;
    Expired m_expired;
    GroupDone m_groupDone;

    // The storage thread's own.
    qint64 m_lastId = 0;
    bool m_down = false;
    std::deque<MessageStore::Write> m_backlog; // in order, with their ids
    int m_backlogMessages = 0;
    qint64 m_notStored = 0; // messages the full backlog let go, this outage
    QString m_lostReason;
    int m_retryMs = RetryFirstMs;
    QTimer m_retry { this };
    QTimer m_retention { this };
    QStringList m_retentionPass; // the rooms of the current pass, and where it is
    int m_retentionNext = 0;
    bool m_retentionDeleted = false;
    QSet<QString> m_rooms;
    QSet<QString> m_grown; // rooms with new messages since their count was checked

    // Sequenced only.
    ClusterListener m_publish;
    ClusterListener m_remote;
    // The newest id delivered in each room (absent: none).
    QHash<QString, qint64> m_delivered;
    struct Waiting
    {
        QList<MessageStore::Write> writes;
        QList<Committed> committed;
        QList<Step> steps;
        int messages = 0;
    } m_waiting;
};

Storage::Worker::Worker(const Settings &settings) : m_settings(settings)
{
    m_retry.setSingleShot(true);
    m_retention.setSingleShot(true);
    QObject::connect(&m_retry, &QTimer::timeout, this, &Worker::retry);
    QObject::connect(&m_retention, &QTimer::timeout, this, &Worker::retentionStep);
}

bool Storage::Worker::open(Loaded *loaded, QString *error)
{
    m_store = MessageStore::create(m_settings.url, m_settings.createDirectory, error);
    if (!m_store)
        return false;
    m_store->setSequenced(m_settings.sequenced);
    displayName = m_store->displayName();
    if (!m_store->open(error)) {
        m_store.reset();
        return false;
    }
    loaded->identity = m_store->identity();
    loaded->rooms.clear();
    for (const MessageStore::StoredRoom &stored : m_store->rooms()) {
        Room room;
        room.key = stored.key;
        room.name = stored.name;
        room.topic = stored.topic;
        room.topicBy = stored.topicBy;
        room.topicTime = stored.topicTime;
        QString reason;
        if (!m_store->page(room.key, 0, m_settings.recentPerRoom, &room.recent, &room.olderStored,
                           &reason)) {
            *error = QStringLiteral("%1: %2").arg(displayName, reason);
            m_store.reset();
            return false;
        }
        if (!room.recent.isEmpty())
            m_delivered.insert(room.key, room.recent.constLast().id);
        loaded->rooms.append(room);
        m_rooms.insert(room.key);
    }
    m_grown = m_rooms;
    m_lastId = m_store->lastId();
    if (retains())
        m_retention.start(RetentionStartMs);
    return true;
}

void Storage::Worker::enqueue(Item item)
{
    bool wasEmpty = false;
    {
        std::lock_guard lock(m_mutex);
        wasEmpty = m_queue.empty();
        m_queue.push_back(std::move(item));
    }
    // One wake-up per burst: drain() takes everything queued meanwhile.
    if (wasEmpty)
        QMetaObject::invokeMethod(this, "drain", Qt::QueuedConnection);
}

void Storage::Worker::setGroupDoneListener(GroupDone done)
{
    std::lock_guard lock(m_mutex);
    m_groupDone = std::move(done);
}

void Storage::Worker::setCluster(ClusterListener publish, ClusterListener remote)
{
    std::lock_guard lock(m_mutex);
    m_publish = std::move(publish);
    m_remote = std::move(remote);
}

void Storage::Worker::setExpiredListener(Expired expired)
{
    {
        std::lock_guard lock(m_mutex);
        m_expired = std::move(expired);
    }
    // Whoever caches the loaded messages hears of every deletion.
    QMetaObject::invokeMethod(this, "startRetention", Qt::QueuedConnection);
}

void Storage::Worker::startRetention()
{
    if (retains() && m_retentionPass.isEmpty() && m_retention.isActive())
        m_retention.start(0);
}

void Storage::Worker::drain()
{
    std::deque<Item> batch;
    bool more = false;
    {
        std::lock_guard lock(m_mutex);
        const auto end = m_queue.begin() + std::min<std::size_t>(m_queue.size(), MaxBatch);
        std::move(m_queue.begin(), end, std::back_inserter(batch));
        m_queue.erase(m_queue.begin(), end);
        more = !m_queue.empty();
    }
    // The queue is not empty, so nobody else wakes us for the rest.
    if (more)
        QMetaObject::invokeMethod(this, "drain", Qt::QueuedConnection);
    process(&batch);
}

void Storage::Worker::process(std::deque<Item> *batch)
{
    QList<MessageStore::Write> writes;
    QList<Committed> committed;
    QList<Step> steps; // in the same commit as the writes around them, run in order
    // Another server's, after this batch's commit: one commit and one walk per
    // batch, not per message that crosses servers. Order is kept whatever
    // comes first (deliverInOrder()).
    QList<Item> fromCluster;
    for (Item &item : *batch) {
        if (item.then) {
            steps.append({ writes.size(), std::move(item.then) });
            continue;
        }
        if (item.remote || item.resync) {
            fromCluster.append(std::move(item));
            continue;
        }
        if (!item.isHistory) {
            writes.append(std::move(item.write));
            committed.append(std::move(item.committed));
            continue;
        }
        // A page sees every write queued before it.
        store(&writes, &committed, &steps);
        QList<ChatMessage> messages;
        bool more = false;
        QString error;
        if (m_store
            && !m_store->page(item.write.key, item.before, item.limit, &messages, &more, &error))
            qCDebug(lcStorage) << "history of" << item.write.key << "failed:" << error;
        if (item.page)
            item.page(messages, more);
    }
    store(&writes, &committed, &steps);
    if (fromCluster.isEmpty())
        return;
    for (const Item &item : std::as_const(fromCluster)) {
        if (item.remote)
            received(*item.remote);
        else
            resyncNow();
    }
    groupDone();
}

void Storage::Worker::store(QList<MessageStore::Write> *writes, QList<Committed> *committed,
                            QList<Step> *steps)
{
    if (m_settings.sequenced && !m_waiting.writes.isEmpty()) {
        wait(writes, committed, steps); // behind what already waits
        return;
    }
    if (writes->isEmpty()) {
        delivered(writes, committed, steps);
        return;
    }
    QString error;
    QElapsedTimer timer;
    timer.start();
    if (!m_down && m_store && m_store->append(writes, &error)) {
        m_lastId = std::max(m_lastId, m_store->lastId());
        Metrics::instance().observeCommit(timer.nsecsElapsed());
        if (Q_UNLIKELY(Trace::enabled()))
            Trace::committed(writes->size(), timer.nsecsElapsed() / 1000);
    } else {
        if (!m_down)
            lost(error);
        if (m_settings.sequenced) {
            wait(writes, committed, steps);
            return;
        }
        keep(writes);
    }
    delivered(writes, committed, steps);
}

void Storage::Worker::delivered(QList<MessageStore::Write> *writes, QList<Committed> *committed,
                                QList<Step> *steps)
{
    qsizetype step = 0;
    const auto runStepsUpTo = [steps, &step](qsizetype done) {
        for (; step < steps->size() && steps->at(step).after <= done; ++step)
            steps->at(step).run();
    };
    // In id order.
    for (qsizetype i = 0; i < writes->size(); ++i) {
        runStepsUpTo(i);
        const MessageStore::Write &write = writes->at(i);
        if (write.kind == MessageStore::Write::Kind::Room)
            m_rooms.insert(write.key);
        if (m_settings.sequenced && m_publish) {
            ClusterEvent event;
            switch (write.kind) {
            case MessageStore::Write::Kind::Room:
                event.kind = ClusterEvent::Kind::Room;
                event.room = write.name;
                break;
            case MessageStore::Write::Kind::Topic:
                event.kind = ClusterEvent::Kind::Topic;
                event.room = write.key; // the receiver finds the room by its key
                event.text = write.text;
                event.by = write.by;
                event.time = write.time;
                break;
            case MessageStore::Write::Kind::Message:
                event.message = write.message;
                event.previous = write.previous;
                break;
            }
            m_publish(event);
        }
        if (write.kind != MessageStore::Write::Kind::Message)
            continue;
        m_grown.insert(write.key);
        if (m_settings.sequenced)
            deliverInOrder(write.key, write.message, write.previous, committed->at(i));
        else if (committed->at(i))
            committed->at(i)(write.message);
    }
    if (!writes->isEmpty())
        groupDone();
    runStepsUpTo(writes->size());
    writes->clear();
    committed->clear();
    steps->clear();
}

void Storage::Worker::groupDone()
{
    GroupDone done;
    {
        std::lock_guard lock(m_mutex);
        done = m_groupDone;
    }
    if (done)
        done();
}

void Storage::Worker::wait(QList<MessageStore::Write> *writes, QList<Committed> *committed,
                           QList<Step> *steps)
{
    const qsizetype offset = m_waiting.writes.size();
    for (Step &step : *steps)
        m_waiting.steps.append({ step.after + offset, std::move(step.run) });
    for (qsizetype i = 0; i < writes->size(); ++i) {
        if (writes->at(i).kind == MessageStore::Write::Kind::Message) {
            // The steps already counted this write: keep its place, without the message.
            if (m_waiting.messages >= std::max(0, m_settings.backlog)) {
                if (m_notStored++ == 0)
                    qCWarning(lcStorage).noquote()
                        << QStringLiteral("%1: %2 messages wait for the database; newer ones "
                                          "are not relayed")
                               .arg(displayName)
                               .arg(m_settings.backlog);
                MessageStore::Write placeholder;
                placeholder.kind = MessageStore::Write::Kind::Room;
                placeholder.key = writes->at(i).key.isEmpty()
                    ? Validation::roomKey(writes->at(i).message.room)
                    : writes->at(i).key;
                placeholder.name = writes->at(i).message.room;
                m_waiting.writes.append(placeholder);
                m_waiting.committed.append(Committed());
                continue;
            }
            ++m_waiting.messages;
        }
        m_waiting.writes.append(writes->at(i));
        m_waiting.committed.append(committed->at(i));
    }
    Metrics::instance().setStorageBacklog(m_waiting.messages);
    writes->clear();
    committed->clear();
    steps->clear();
}

void Storage::Worker::deliverInOrder(const QString &key, const ChatMessage &message,
                                     qint64 previous, const Committed &committed)
{
    const qint64 last = m_delivered.value(key);
    if (message.id <= last)
        return; // a fill delivered it already
    if (previous > last)
        fill(key, last, message.id);
    m_delivered.insert(key, message.id);
    if (committed)
        committed(message);
}

void Storage::Worker::fill(const QString &key, qint64 after, qint64 before)
{
    QList<ChatMessage> messages;
    bool more = false;
    QString error;
    bool ok = true;
    if (before > 0) {
        // A gap in what this server delivered, with later messages waiting:
        // all of it, or the events still on their way would be dropped as
        // delivered and never shown.
        qint64 from = after;
        do {
            QList<ChatMessage> page;
            ok = m_store->pageAfter(key, from, before, FillPage, &page, &more, &error);
            if (!page.isEmpty())
                from = page.constLast().id;
            messages += page;
        } while (ok && more);
    } else {
        // After the link was down: as many as a room keeps for catch-up, and
        // who is further behind reads history.
        ok = m_store->page(key, 0, std::max(1, m_settings.recentPerRoom), &messages, &more, &error);
    }
    if (!ok) {
        qCWarning(lcStorage).noquote()
            << QStringLiteral("%1: cannot fill a gap in %2: %3").arg(displayName, key, error);
        return;
    }
    ClusterListener remote;
    {
        std::lock_guard lock(m_mutex);
        remote = m_remote;
    }
    for (const ChatMessage &message : std::as_const(messages)) {
        if (message.id <= after)
            continue;
        m_delivered.insert(key, message.id);
        ClusterEvent event;
        event.message = message;
        if (remote)
            remote(event);
    }
}

void Storage::Worker::received(const ClusterEvent &event)
{
    if (!m_store)
        return;
    ClusterListener remote;
    {
        std::lock_guard lock(m_mutex);
        remote = m_remote;
    }
    switch (event.kind) {
    case ClusterEvent::Kind::Message: {
        const QString key = Validation::roomKey(event.message.room);
        m_grown.insert(key);
        deliverInOrder(key, event.message, event.previous, [&remote, &event](const ChatMessage &) {
            if (remote)
                remote(event);
        });
        break;
    }
    case ClusterEvent::Kind::Room:
        m_rooms.insert(Validation::roomKey(event.room));
        if (remote)
            remote(event);
        break;
    case ClusterEvent::Kind::Topic:
        if (remote)
            remote(event);
        break;
    case ClusterEvent::Kind::Hello:
        resyncNow();
        break;
    case ClusterEvent::Kind::Enter:
    case ClusterEvent::Kind::Leave:
    case ClusterEvent::Kind::Quit:
    case ClusterEvent::Kind::Private:
    case ClusterEvent::Kind::Alive:
    case ClusterEvent::Kind::Roster:
    case ClusterEvent::Kind::Rules:
        break; // live only: the hub's
    }
}

void Storage::Worker::resyncNow()
{
    if (!m_store || m_down)
        return;
    QString error;
    if (!m_store->reloadRooms(&error)) {
        qCWarning(lcStorage).noquote()
            << QStringLiteral("%1: cannot look for what other servers stored: %2")
                   .arg(displayName, error);
        return;
    }
    ClusterListener remote;
    {
        std::lock_guard lock(m_mutex);
        remote = m_remote;
    }
    for (const MessageStore::StoredRoom &room : m_store->rooms()) {
        if (!m_rooms.contains(room.key)) { // made by another server meanwhile
            m_rooms.insert(room.key);
            ClusterEvent made;
            made.kind = ClusterEvent::Kind::Room;
            made.room = room.name;
            if (remote)
                remote(made);
            if (!room.topic.isEmpty()) {
                ClusterEvent topic;
                topic.kind = ClusterEvent::Kind::Topic;
                topic.room = room.key;
                topic.text = room.topic;
                topic.by = room.topicBy;
                topic.time = room.topicTime;
                if (remote)
                    remote(topic);
            }
        }
        fill(room.key, m_delivered.value(room.key), 0);
    }
}

void Storage::Worker::keep(QList<MessageStore::Write> *writes)
{
    for (MessageStore::Write &write : *writes) {
        if (write.kind == MessageStore::Write::Kind::Message) {
            if (write.key.isEmpty())
                write.key = Validation::roomKey(write.message.room);
            // Ids a failed transaction received stay theirs: its commit may have happened.
            if (write.message.id == 0)
                write.message.id = ++m_lastId;
            m_lastId = std::max(m_lastId, write.message.id);
            ++m_backlogMessages;
        }
        m_backlog.push_back(write);
    }
    trimBacklog();
}

void Storage::Worker::trimBacklog()
{
    const qint64 before = m_notStored;
    while (m_backlogMessages > std::max(0, m_settings.backlog)) {
        const auto oldest = std::find_if(m_backlog.begin(), m_backlog.end(), [](const auto &w) {
            return w.kind == MessageStore::Write::Kind::Message;
        });
        m_backlog.erase(oldest);
        --m_backlogMessages;
        ++m_notStored;
    }
    Metrics::instance().setStorageBacklog(m_backlogMessages);
    if (before == 0 && m_notStored > 0)
        qCWarning(lcStorage).noquote()
            << QStringLiteral("%1: the backlog of %2 messages is full; older ones will not "
                              "be stored")
                   .arg(displayName)
                   .arg(m_settings.backlog);
}

void Storage::Worker::lost(const QString &error)
{
    m_down = true;
    m_lostReason = error;
    if (m_settings.sequenced)
        qCWarning(lcStorage).noquote()
            << QStringLiteral("%1: cannot store messages (%2); up to %3 messages wait for it, "
                              "since the other servers number theirs there too")
                   .arg(displayName, error)
                   .arg(m_settings.backlog);
    else
        qCWarning(lcStorage).noquote()
            << QStringLiteral("%1: cannot store messages (%2); the chat goes on, and up to %3 "
                              "messages are kept until the database is back")
                   .arg(displayName, error)
                   .arg(m_settings.backlog);
    m_retryMs = RetryFirstMs;
    m_retry.start(m_retryMs);
}

bool Storage::Worker::flushBacklog(QString *error)
{
    if (!m_store->reconnect(error))
        return false;
    while (!m_backlog.empty()) {
        const auto end = m_backlog.begin() + std::min<std::size_t>(m_backlog.size(), MaxBatch);
        QList<MessageStore::Write> chunk(m_backlog.begin(), end);
        if (!m_store->append(&chunk, error))
            return false;
        for (const MessageStore::Write &write : chunk)
            m_backlogMessages -= write.kind == MessageStore::Write::Kind::Message;
        m_backlog.erase(m_backlog.begin(), end);
        Metrics::instance().setStorageBacklog(m_backlogMessages);
    }
    if (!m_waiting.writes.isEmpty()) {
        if (!m_store->append(&m_waiting.writes, error))
            return false;
        Waiting done = std::exchange(m_waiting, {});
        Metrics::instance().setStorageBacklog(0);
        delivered(&done.writes, &done.committed, &done.steps);
    }
    return true;
}

void Storage::Worker::retry()
{
    const int kept = m_backlogMessages + m_waiting.messages;
    QString error;
    if (!flushBacklog(&error)) {
        m_retryMs = std::min(m_retryMs * 2, RetryLastMs);
        m_retry.start(m_retryMs);
        qCDebug(lcStorage) << displayName << "still unavailable:" << error;
        return;
    }
    m_down = false;
    m_lastId = std::max(m_lastId, m_store->lastId());
    qCInfo(lcStorage).noquote() << QStringLiteral(
                                       "%1 is back: stored the %2 messages kept meanwhile%3")
                                       .arg(displayName)
                                       .arg(kept)
                                       .arg(m_notStored ? QStringLiteral(
                                                              ", %1 older ones were not kept (the "
                                                              "backlog was full)")
                                                              .arg(m_notStored)
                                                        : QString());
    m_notStored = 0;
}

void Storage::Worker::retentionStep()
{
    if (m_down || !m_store) {
        m_retention.start(RetentionIdleMs);
        return;
    }
    if (m_retentionNext >= m_retentionPass.size()) {
        m_retentionPass = m_rooms.values();
        m_retentionNext = 0;
        m_retentionDeleted = false;
    }
    const qint64 olderThan = m_settings.retainDays > 0
        ? QDateTime::currentMSecsSinceEpoch() - m_settings.retainDays * DayMs
        : 0;
    Expired listener;
    {
        std::lock_guard lock(m_mutex);
        listener = m_expired;
    }
    int deleted = 0;
    for (int examined = 0; examined < RetentionRoomsPerStep && deleted < RetentionBatch
         && m_retentionNext < m_retentionPass.size();
         ++examined) {
        const QString &key = m_retentionPass.at(m_retentionNext++);
        // Counting walks the room's newest rows: only where messages came.
        const int keep = m_grown.contains(key) ? m_settings.retainMessages : 0;
        if (keep == 0 && m_settings.retainDays <= 0)
            continue;
        MessageStore::Expired expired;
        QString error;
        if (!m_store->expire(key, olderThan, keep, RetentionBatch, &expired, &error)) {
            qCWarning(lcStorage).noquote()
                << QStringLiteral("%1: retention failed: %2").arg(displayName, error);
            break;
        }
        if (expired.rows < RetentionBatch)
            m_grown.remove(key);
        if (expired.rows == 0)
            continue;
        deleted += expired.rows;
        m_retentionDeleted = true;
        if (listener)
            listener(key, expired.throughId);
    }
    if (deleted > 0)
        m_store->reclaim();
    const bool passDone = m_retentionNext >= m_retentionPass.size();
    // Soon while there is work (other queued work runs in between), else once a minute.
    m_retention.start(passDone && !m_retentionDeleted ? RetentionIdleMs : 0);
}

void Storage::Worker::shutdown()
{
    m_retention.stop();
    m_retry.stop();
    for (;;) {
        std::deque<Item> batch;
        {
            std::lock_guard lock(m_mutex);
            batch.swap(m_queue);
        }
        if (batch.empty())
            break;
        process(&batch);
    }
    if (m_down && m_store) {
        QString error;
        if (flushBacklog(&error))
            m_down = false;
        else
            qCWarning(lcStorage).noquote()
                << QStringLiteral("%1: %2 messages kept while it was away are lost (%3)")
                       .arg(displayName)
                       .arg(m_backlogMessages)
                       .arg(error);
    }
    m_store.reset();
    thread()->quit(); // after this call returns to the loop
}

Storage::Storage() = default;

std::unique_ptr<Storage> Storage::open(const Settings &settings, Loaded *loaded, QString *error)
{
    std::unique_ptr<Storage> storage(new Storage);
    storage->m_thread = std::make_unique<QThread>();
    storage->m_thread->setObjectName(QStringLiteral("storage"));
    storage->m_worker = new Worker(settings);
    storage->m_worker->moveToThread(storage->m_thread.get());
    Worker *worker = storage->m_worker;
    QThread *thread = storage->m_thread.get();
    // Its last work happens before ~Storage deletes what it used (see happensbefore.h).
    QObject::connect(
        thread, &QThread::finished, thread, [thread] { HappensBefore::publish(thread); },
        Qt::DirectConnection);
    // Opened as the thread starts, with what it needs set before: unlike a
    // queued call, the thread's start and the promise are hand-offs that
    // ThreadSanitizer sees.
    std::promise<bool> opened;
    std::future<bool> result = opened.get_future();
    const QMetaObject::Connection onStart = QObject::connect(
        thread, &QThread::started, worker,
        [worker, loaded, error, &opened] {
            Trace::nameThisThread("storage"); // in ps -L, top -H and the trace
            opened.set_value(worker->open(loaded, error));
        },
        Qt::DirectConnection);
    thread->start();
    const bool ok = result.get();
    QObject::disconnect(onStart);
    if (!ok)
        return nullptr;
    return storage;
}

Storage::~Storage()
{
    if (!m_worker)
        return;
    // The worker ends its own thread: a quit() from here would wake a loop
    // that may be closing its wake-up descriptor.
    QMetaObject::invokeMethod(m_worker, "shutdown", Qt::BlockingQueuedConnection);
    m_thread->wait();
    HappensBefore::receive(m_thread.get());
    delete m_worker;
}

void Storage::submit(const ChatMessage &message, Committed committed)
{
    Worker::Item item;
    item.write.kind = MessageStore::Write::Kind::Message;
    item.write.message = message;
    item.write.message.id = 0;
    item.committed = std::move(committed);
    m_worker->enqueue(std::move(item));
}

void Storage::saveRoom(const QString &key, const QString &name)
{
    Worker::Item item;
    item.write.kind = MessageStore::Write::Kind::Room;
    item.write.key = key;
    item.write.name = name;
    m_worker->enqueue(std::move(item));
}

void Storage::saveTopic(const QString &key, const QString &text, const QString &by,
                        const QString &time)
{
    Worker::Item item;
    item.write.kind = MessageStore::Write::Kind::Topic;
    item.write.key = key;
    item.write.text = text;
    item.write.by = by;
    item.write.time = time;
    m_worker->enqueue(std::move(item));
}

void Storage::history(const QString &key, qint64 before, int limit, Page page)
{
    Worker::Item item;
    item.isHistory = true;
    item.write.key = key;
    item.before = before;
    item.limit = limit;
    item.page = std::move(page);
    m_worker->enqueue(std::move(item));
}

void Storage::then(std::function<void()> step)
{
    Worker::Item item;
    item.then = std::move(step);
    m_worker->enqueue(std::move(item));
}

void Storage::setCluster(ClusterListener publish, ClusterListener remote)
{
    m_worker->setCluster(std::move(publish), std::move(remote));
}

void Storage::receive(const ClusterEvent &event)
{
    Worker::Item item;
    item.remote = event;
    m_worker->enqueue(std::move(item));
}

void Storage::resync()
{
    Worker::Item item;
    item.resync = true;
    m_worker->enqueue(std::move(item));
}

void Storage::setGroupDoneListener(GroupDone done)
{
    m_worker->setGroupDoneListener(std::move(done));
}

void Storage::setExpiredListener(Expired expired)
{
    m_worker->setExpiredListener(std::move(expired));
}

QString Storage::displayName() const
{
    return m_worker->displayName;
}

#include "storage.moc"
