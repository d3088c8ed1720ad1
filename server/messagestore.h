// SPDX-License-Identifier: MIT
#pragma once

#include "chatmessage.h"

#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <memory>
#include <optional>

// The rooms and messages of one database, through QtSql, on the thread that
// opened it. The SQL is plain enough to be shared; SqliteMessageStore and
// PostgresMessageStore add what differs (connecting, schema types, sequences,
// shrinking the file).
class MessageStore
{
public:
    struct StoredRoom
    {
        QString key;
        QString name;
        QString topic;
        QString topicBy;
        QString topicTime;
    };

    // One change, in the order the server made it.
    struct Write
    {
        enum class Kind { Room, Topic, Message };
        Kind kind = Kind::Message;
        QString key; // the room's key; for a message, derived from message.room
        QString name; // Room: the room's name
        QString text; // Topic
        QString by; // Topic
        QString time; // Topic, as on the wire
        ChatMessage message; // Message: id 0 takes the database's next id
        qint64 previous = 0; // Message, when sequenced: the id of the room's message before it
    };

    // What one retention step deleted: a room's messages up to and including throughId.
    struct Expired
    {
        QString key;
        qint64 throughId = 0;
        int rows = 0;
    };

    // The store for a URL (sqlite:PATH or postgresql://user@host:port/db), not
    // yet open; nullptr and a reason for a URL it cannot use.
    static std::unique_ptr<MessageStore> create(const QString &url, bool createDirectory,
                                                QString *error);
    virtual ~MessageStore();

    MessageStore(const MessageStore &) = delete;
    MessageStore &operator=(const MessageStore &) = delete;

    // Connects, migrates the schema and reads the identity and the rooms.
    bool open(QString *error);
    // For several servers on one database: append() locks the rooms it writes
    // to until its commit, so that a room's ids increase in the order their
    // messages commit, and tells each message the id of the one before it.
    void setSequenced(bool sequenced) { m_sequenced = sequenced; }
    // After a failed write: drops the connection and makes a new one.
    bool reconnect(QString *error);
    void close();

    QString displayName() const { return m_displayName; }
    QString identity() const { return m_identity; }
    qint64 lastId() const { return m_lastId; } // the highest id handed out, never reused
    QList<StoredRoom> rooms() const { return m_rooms; } // as read by open() or reloadRooms()
    // Reads the rooms again: other servers on the database may have made some.
    bool reloadRooms(QString *error) { return loadRooms(error); }

    // All writes in one transaction. Messages with id 0 receive theirs; those
    // that already have one (from the backlog) keep it, and one already stored
    // is left alone. On failure nothing is stored, but ids already received stay
    // in writes, so that a commit whose answer was lost is not stored twice.
    bool append(QList<Write> *writes, QString *error);

    // Messages of a room with after < id < before, oldest first, at most
    // limit; more says whether there are others in that range.
    bool pageAfter(const QString &key, qint64 after, qint64 before, int limit,
                   QList<ChatMessage> *messages, bool *more, QString *error);

    // Messages of a room with id < before (0: the newest), oldest first.
    bool page(const QString &key, qint64 before, int limit, QList<ChatMessage> *messages,
              bool *more, QString *error);

    // Deletes at most batch of the oldest messages of one room that are older
    // than olderThanMs (UTC ms; 0: no age limit) or beyond the newest keep (0:
    // no count limit); rows is 0 when there was nothing to do.
    bool expire(const QString &key, qint64 olderThanMs, int keep, int batch, Expired *expired,
                QString *error);

    // After retention deleted rows; SQLite gives the pages back to the file system.
    virtual void reclaim() { }

    static constexpr int SchemaVersion = 1;

protected:
    MessageStore(const QString &driver, const QString &displayName);

    QSqlDatabase database() const;
    bool exec(const QString &sql, QString *error);
    QString describe(const class QSqlError &error) const;

    // Opens the connection and sets per-connection options.
    virtual bool connect(QSqlDatabase *database, QString *error) = 0;
    // The statements of each schema version, from 1.
    virtual QList<QStringList> migrations() const = 0;
    // The highest id the database has handed out, as one row and column.
    virtual QString lastIdSql() const = 0;
    // After messages were stored with ids of their own.
    virtual bool afterExplicitIds(qint64 lastId, QString *error);
    // Locks one room's row (bound to its id) until the commit; empty where the
    // whole database has one writer at a time (SQLite).
    virtual QString lockRoomSql() const { return {}; }

private:
    struct RoomRef
    {
        qint64 id = 0;
        QString name;
    };

    bool migrate(QString *error);
    bool loadRooms(QString *error);
    bool prepare(QString *error);
    bool roomId(const QString &key, const QString &name, QHash<QString, RoomRef> *added, qint64 *id,
                QString *error);
    // The committed room of that key, asking the database for one another server made.
    const RoomRef *knownRoom(const QString &key);
    // Locks the rooms of the messages in writes, in id order (two servers
    // locking in different orders would deadlock), and reads each one's newest id.
    bool lockRooms(QList<Write> *writes, QHash<QString, RoomRef> *added,
                   QHash<qint64, qint64> *newest, QString *error);
    void dropQueries();

    QString m_connection;
    QString m_displayName;
    QString m_identity;
    qint64 m_lastId = 0;
    QList<StoredRoom> m_rooms;
    QHash<QString, RoomRef> m_roomIds; // by key; committed rooms only
    bool m_sequenced = false;
    std::optional<QSqlQuery> m_insertRoom;
    std::optional<QSqlQuery> m_insertMessage;
    std::optional<QSqlQuery> m_insertMessageWithId;
    std::optional<QSqlQuery> m_updateTopic;
    std::optional<QSqlQuery> m_selectRoomId;
    std::optional<QSqlQuery> m_page;
    std::optional<QSqlQuery> m_pageAfter;
    std::optional<QSqlQuery> m_lockRoom; // sequenced, where lockRoomSql() is not empty
    std::optional<QSqlQuery> m_newestInRoom;
};
