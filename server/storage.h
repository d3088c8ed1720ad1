// SPDX-License-Identifier: MIT
#pragma once

#include "chatmessage.h"
#include "clusterevent.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class MessageStore;
class QThread;

// Room history that survives restarts, kept by one storage thread.
//
// QtSql connections belong to the thread that opened them, so every query runs
// on this thread. Room messages queue here from any connection thread and are
// committed in groups: one transaction for whatever queued while the previous
// one committed. Only after the commit does the caller's callback run (on the
// storage thread), which is when the hub delivers the message: delivered means
// durable. Ids come from the database, so they keep increasing across restarts.
//
// A database lost while running (PostgreSQL restarted, a full disk) does not
// stop the chat: messages are numbered here and delivered as before, kept in a
// bounded backlog (Settings::backlog), and stored when the database is back.
class Storage : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        QString url; // sqlite:PATH or postgresql://user@host:port/db ("none" has no Storage)
        int retainDays = 0; // 0: keep forever
        int retainMessages = 0; // per room; 0: no limit
        int backlog = 10000; // messages kept while the database is unreachable
        int recentPerRoom = 100; // loaded at start for welcomes and catch-up
        // The default path (in the data directory) may be made; a directory
        // someone named must exist, or open() says so.
        bool createDirectory = false;
        // Several servers share the database (--cluster): see setCluster().
        bool sequenced = false;
    };

    struct Room
    {
        QString key; // Validation::roomKey(name)
        QString name; // as first entered, e.g. "#Dev"
        QString topic;
        QString topicBy;
        QString topicTime; // as written on the wire
        QList<ChatMessage> recent; // oldest first, at most recentPerRoom
        bool olderStored = false; // messages older than recent are stored
    };

    struct Loaded
    {
        QString identity; // random per database, made when it is created: what ids count in
        QList<Room> rooms;
    };

    // Opens the database on a new storage thread: creates it on first use,
    // migrates an older schema, refuses a newer one, and loads every room with
    // its recent messages. On failure returns nullptr and a message for the user
    // that names the database and what is wrong (missing directory, unwritable,
    // corrupt, locked by another server, server unreachable, newer schema).
    static std::unique_ptr<Storage> open(const Settings &settings, Loaded *loaded, QString *error);
    ~Storage() override; // commits what is queued, then closes

    // Any thread. Queues a room message (room holds the room's name, time is
    // set); committed() receives it with its id, on the storage thread, after
    // it is durable (or kept in the backlog while the database is away), in id
    // order.
    using Committed = std::function<void(const ChatMessage &message)>;
    void submit(const ChatMessage &message, Committed committed);

    // Any thread; stored in order with the messages, nobody waits for them.
    void saveRoom(const QString &key, const QString &name);
    void saveTopic(const QString &key, const QString &text, const QString &by, const QString &time);

    // Any thread. The stored messages of a room before id `before` (0: the
    // newest), at most limit, oldest first; more says whether older ones exist.
    // The answer comes on the storage thread.
    using Page = std::function<void(const QList<ChatMessage> &messages, bool more)>;
    void history(const QString &key, qint64 before, int limit, Page page);

    // Called on the storage thread after the committed() callbacks of each
    // group commit: the hub delivers each room once per group, not once per
    // message. Set it before the first submit().
    using GroupDone = std::function<void()>;
    void setGroupDoneListener(GroupDone done);

    // Any thread. Runs step on the storage thread once everything queued
    // before it is committed and its callbacks have run: what a client says
    // besides room messages (a private message, a topic) is then shown in the
    // order it was said.
    void then(std::function<void()> step);

    // Called on the storage thread when retention has deleted a room's
    // messages up to and including throughId, so that caches drop them too.
    // Set it right after open(): retention starts then (or a second after open()).
    using Expired = std::function<void(const QString &key, qint64 throughId)>;
    void setExpiredListener(Expired expired);

    // A cluster (Settings::sequenced), set before the first submit(). Each
    // room's ids then increase in commit order on every server, and every
    // message carries the id of the room's message before it. After each
    // commit, publish() receives what to tell the other servers; remote()
    // receives what they committed (from receive(), or from the database when
    // a message shows a gap or after resync()), in each room's order and
    // before any later message of this server in that room is delivered.
    // Both run on the storage thread; the group listener runs after remote
    // deliveries too. While the database is away, messages wait (at most
    // Settings::backlog): numbered here, their ids could clash with another
    // server's.
    using ClusterListener = std::function<void(const ClusterEvent &event)>;
    void setCluster(ClusterListener publish, ClusterListener remote);
    // Any thread: what another server published.
    void receive(const ClusterEvent &event);
    // Any thread: delivers what the others committed and this server has not
    // delivered, room by room (the link to them was down).
    void resync();

    // For the log and tests: "sqlite:/var/lib/pynet/pynet.db", without a password.
    QString displayName() const;

private:
    Storage();

    class Worker; // lives on m_thread and owns the MessageStore
    std::unique_ptr<QThread> m_thread;
    Worker *m_worker = nullptr;
};
