// SPDX-License-Identifier: MIT
#include "messagestore.h"

#include "postgresmessagestore.h"
#include "sqlitemessagestore.h"
#include "validation.h"

#include <QDateTime>
#include <QSqlError>
#include <QUuid>
#include <QVariant>

#include <atomic>
#include <limits>

namespace {

// QtSql keeps connections in a process-wide table by name.
QString uniqueConnectionName()
{
    static std::atomic<int> next { 0 };
    return QStringLiteral("pynet-storage-%1").arg(++next);
}

const QString SqliteScheme = QStringLiteral("sqlite:");

} // namespace

std::unique_ptr<MessageStore> MessageStore::create(const QString &url, bool createDirectory,
                                                   QString *error)
{
    if (url.startsWith(SqliteScheme)) {
        const QString path = url.mid(SqliteScheme.size());
        if (path.isEmpty()) {
            *error = QStringLiteral("%1: no file named after sqlite:").arg(url);
            return nullptr;
        }
        return std::make_unique<SqliteMessageStore>(path, createDirectory);
    }
    if (url.startsWith(QLatin1String("postgresql://"))
        || url.startsWith(QLatin1String("postgres://")))
        return PostgresMessageStore::create(url, error);
    *error = QStringLiteral("%1: not a database URL (sqlite:PATH or "
                            "postgresql://user@host:port/database)")
                 .arg(url);
    return nullptr;
}

MessageStore::MessageStore(const QString &driver, const QString &displayName)
    : m_connection(uniqueConnectionName()), m_displayName(displayName)
{
    QSqlDatabase::addDatabase(driver, m_connection);
}

MessageStore::~MessageStore()
{
    close();
    QSqlDatabase::removeDatabase(m_connection);
}

QSqlDatabase MessageStore::database() const
{
    return QSqlDatabase::database(m_connection, false);
}

void MessageStore::dropQueries()
{
    m_insertRoom.reset();
    m_insertMessage.reset();
    m_insertMessageWithId.reset();
    m_updateTopic.reset();
    m_selectRoomId.reset();
    m_page.reset();
    m_pageAfter.reset();
    m_lockRoom.reset();
    m_newestInRoom.reset();
}

void MessageStore::close()
{
    dropQueries(); // frees the prepared statements while the connection is there
    QSqlDatabase db = database();
    if (db.isOpen())
        db.close();
}

QString MessageStore::describe(const QSqlError &error) const
{
    // libpq's messages run over several lines; the log wants one.
    QString text = error.databaseText().simplified();
    if (text.isEmpty())
        text = error.driverText().simplified();
    return text.isEmpty() ? QStringLiteral("unknown database error") : text;
}

bool MessageStore::exec(const QString &sql, QString *error)
{
    QSqlQuery query(database());
    if (query.exec(sql))
        return true;
    *error = describe(query.lastError());
    return false;
}

bool MessageStore::open(QString *error)
{
    QSqlDatabase db = database();
    QString reason;
    if (!connect(&db, &reason) || !migrate(&reason) || !loadRooms(&reason) || !prepare(&reason)) {
        *error = QStringLiteral("%1: %2").arg(m_displayName, reason);
        close();
        return false;
    }
    QSqlQuery query(db);
    if (!query.exec(lastIdSql()) || !query.next()) {
        *error = QStringLiteral("%1: %2").arg(m_displayName, describe(query.lastError()));
        close();
        return false;
    }
    m_lastId = query.value(0).toLongLong();
    return true;
}

bool MessageStore::reconnect(QString *error)
{
    close();
    QSqlDatabase db = database();
    return connect(&db, error) && prepare(error);
}

bool MessageStore::migrate(QString *error)
{
    QSqlDatabase db = database();
    if (!exec(QStringLiteral("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, "
                             "value TEXT NOT NULL)"),
              error))
        return false;
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'schema_version'"))) {
        *error = describe(query.lastError());
        return false;
    }
    const int version = query.next() ? query.value(0).toInt() : 0;
    query.finish();
    if (version > SchemaVersion) {
        *error =
            QStringLiteral("was written by a newer pynet-server (schema %1, this one knows %2)")
                .arg(version)
                .arg(SchemaVersion);
        return false;
    }
    const QList<QStringList> steps = migrations();
    Q_ASSERT(steps.size() == SchemaVersion);
    for (int next = version + 1; next <= SchemaVersion; ++next) {
        if (!db.transaction()) {
            *error = describe(db.lastError());
            return false;
        }
        bool ok = true;
        for (const QString &statement : steps.at(next - 1)) {
            if (!(ok = exec(statement, error)))
                break;
        }
        QSqlQuery set(db);
        set.prepare(QStringLiteral("INSERT INTO meta (key, value) VALUES (?, ?) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
        if (ok && next == 1) {
            set.addBindValue(QStringLiteral("identity"));
            set.addBindValue(QUuid::createUuid().toString(QUuid::WithoutBraces));
            if (!(ok = set.exec()))
                *error = describe(set.lastError());
        }
        if (ok) {
            set.addBindValue(QStringLiteral("schema_version"));
            set.addBindValue(QString::number(next));
            if (!(ok = set.exec()))
                *error = describe(set.lastError());
        }
        set.finish();
        if (ok && !db.commit()) {
            *error = describe(db.lastError());
            ok = false;
        }
        if (!ok) {
            db.rollback();
            return false;
        }
    }
    if (!query.exec(QStringLiteral("SELECT value FROM meta WHERE key = 'identity'"))
        || !query.next()) {
        *error = query.lastError().isValid() ? describe(query.lastError())
                                             : QStringLiteral("no identity in the meta table");
        return false;
    }
    m_identity = query.value(0).toString();
    return true;
}

bool MessageStore::loadRooms(QString *error)
{
    QSqlQuery query(database());
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral(
            "SELECT id, key, name, topic, topic_by, topic_time FROM rooms ORDER BY id"))) {
        *error = describe(query.lastError());
        return false;
    }
    m_rooms.clear();
    m_roomIds.clear();
    while (query.next()) {
        StoredRoom room;
        room.key = query.value(1).toString();
        room.name = query.value(2).toString();
        room.topic = query.value(3).toString();
        room.topicBy = query.value(4).toString();
        room.topicTime = query.value(5).toString();
        m_roomIds.insert(room.key, RoomRef { query.value(0).toLongLong(), room.name });
        m_rooms.append(room);
    }
    return true;
}

bool MessageStore::prepare(QString *error)
{
    const QSqlDatabase db = database();
    const auto make = [&](std::optional<QSqlQuery> *query, const QString &sql) {
        query->emplace(db);
        (*query)->setForwardOnly(true);
        if ((*query)->prepare(sql))
            return true;
        *error = describe((*query)->lastError());
        return false;
    };
    return make(&m_insertRoom,
                QStringLiteral("INSERT INTO rooms (key, name, created) VALUES (?, ?, ?) "
                               "ON CONFLICT (key) DO NOTHING"))
        && make(&m_selectRoomId, QStringLiteral("SELECT id, name FROM rooms WHERE key = ?"))
        && make(&m_updateTopic,
                QStringLiteral(
                    "UPDATE rooms SET topic = ?, topic_by = ?, topic_time = ? WHERE id = ?"))
        && make(&m_insertMessage,
                QStringLiteral("INSERT INTO messages (room_id, time, sender, body, action) "
                               "VALUES (?, ?, ?, ?, ?) RETURNING id"))
        && make(&m_insertMessageWithId,
                QStringLiteral("INSERT INTO messages (id, room_id, time, sender, body, action) "
                               "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"))
        && make(&m_page,
                QStringLiteral("SELECT id, time, sender, body, action FROM messages "
                               "WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?"))
        && make(&m_pageAfter,
                QStringLiteral("SELECT id, time, sender, body, action FROM messages "
                               "WHERE room_id = ? AND id > ? AND id < ? ORDER BY id LIMIT ?"))
        && make(&m_newestInRoom,
                QStringLiteral("SELECT COALESCE(MAX(id), 0) FROM messages WHERE room_id = ?"))
        && (lockRoomSql().isEmpty() || make(&m_lockRoom, lockRoomSql()));
}

bool MessageStore::roomId(const QString &key, const QString &name, QHash<QString, RoomRef> *added,
                          qint64 *id, QString *error)
{
    if (const auto known = m_roomIds.constFind(key); known != m_roomIds.cend()) {
        *id = known->id;
        return true;
    }
    if (const auto known = added->constFind(key); known != added->cend()) {
        *id = known->id;
        return true;
    }
    m_insertRoom->addBindValue(key);
    m_insertRoom->addBindValue(name);
    m_insertRoom->addBindValue(QDateTime::currentMSecsSinceEpoch());
    if (!m_insertRoom->exec()) {
        *error = describe(m_insertRoom->lastError());
        return false;
    }
    m_insertRoom->finish();
    m_selectRoomId->addBindValue(key);
    if (!m_selectRoomId->exec() || !m_selectRoomId->next()) {
        *error = describe(m_selectRoomId->lastError());
        return false;
    }
    *id = m_selectRoomId->value(0).toLongLong();
    added->insert(key, RoomRef { *id, m_selectRoomId->value(1).toString() });
    m_selectRoomId->finish();
    return true;
}

bool MessageStore::afterExplicitIds(qint64, QString *)
{
    return true;
}

bool MessageStore::append(QList<Write> *writes, QString *error)
{
    QSqlDatabase db = database();
    if (!m_insertMessage) {
        *error = QStringLiteral("not connected");
        return false;
    }
    if (!db.transaction()) {
        *error = describe(db.lastError());
        return false;
    }
    QHash<QString, RoomRef> added;
    qint64 highest = m_lastId;
    qint64 highestExplicit = 0;
    const auto fail = [&](const QSqlError &sqlError) {
        if (sqlError.isValid())
            *error = describe(sqlError);
        db.rollback();
        return false;
    };
    QHash<qint64, qint64> newest; // by room id, when sequenced
    if (m_sequenced && !lockRooms(writes, &added, &newest, error))
        return fail({});
    for (Write &write : *writes) {
        qint64 room = 0;
        switch (write.kind) {
        case Write::Kind::Room:
            if (!roomId(write.key, write.name, &added, &room, error))
                return fail({});
            break;
        case Write::Kind::Topic:
            if (!roomId(write.key, write.key, &added, &room, error))
                return fail({});
            m_updateTopic->addBindValue(write.text);
            m_updateTopic->addBindValue(write.by);
            m_updateTopic->addBindValue(write.time);
            m_updateTopic->addBindValue(room);
            if (!m_updateTopic->exec())
                return fail(m_updateTopic->lastError());
            m_updateTopic->finish();
            break;
        case Write::Kind::Message: {
            ChatMessage &message = write.message;
            if (write.key.isEmpty())
                write.key = Validation::roomKey(message.room);
            if (!roomId(write.key, message.room, &added, &room, error))
                return fail({});
            QSqlQuery &insert = message.id ? *m_insertMessageWithId : *m_insertMessage;
            if (message.id)
                insert.addBindValue(message.id);
            insert.addBindValue(room);
            insert.addBindValue(message.time.toMSecsSinceEpoch());
            insert.addBindValue(message.from);
            insert.addBindValue(message.text);
            insert.addBindValue(message.action);
            if (!insert.exec())
                return fail(insert.lastError());
            if (message.id) {
                highestExplicit = std::max(highestExplicit, message.id);
            } else {
                if (!insert.next())
                    return fail(insert.lastError());
                message.id = insert.value(0).toLongLong();
            }
            insert.finish();
            highest = std::max(highest, message.id);
            if (m_sequenced)
                write.previous = std::exchange(newest[room], message.id);
            break;
        }
        }
    }
    if (highestExplicit && !afterExplicitIds(highestExplicit, error))
        return fail({});
    if (!db.commit())
        return fail(db.lastError());
    m_roomIds.insert(added);
    m_lastId = highest;
    return true;
}

const MessageStore::RoomRef *MessageStore::knownRoom(const QString &key)
{
    if (const auto known = m_roomIds.constFind(key); known != m_roomIds.cend())
        return &*known;
    if (!m_sequenced || !m_selectRoomId)
        return nullptr;
    m_selectRoomId->addBindValue(key);
    if (!m_selectRoomId->exec() || !m_selectRoomId->next()) {
        m_selectRoomId->finish();
        return nullptr;
    }
    const RoomRef ref { m_selectRoomId->value(0).toLongLong(),
                        m_selectRoomId->value(1).toString() };
    m_selectRoomId->finish();
    return &*m_roomIds.insert(key, ref);
}

bool MessageStore::lockRooms(QList<Write> *writes, QHash<QString, RoomRef> *added,
                             QHash<qint64, qint64> *newest, QString *error)
{
    QList<qint64> rooms;
    for (Write &write : *writes) {
        if (write.kind != Write::Kind::Message)
            continue;
        if (write.key.isEmpty())
            write.key = Validation::roomKey(write.message.room);
        qint64 room = 0;
        if (!roomId(write.key, write.message.room, added, &room, error))
            return false;
        if (!rooms.contains(room))
            rooms.append(room);
    }
    std::sort(rooms.begin(), rooms.end());
    for (const qint64 room : std::as_const(rooms)) {
        if (m_lockRoom) {
            m_lockRoom->addBindValue(room);
            if (!m_lockRoom->exec()) {
                *error = describe(m_lockRoom->lastError());
                return false;
            }
            m_lockRoom->finish();
        }
        m_newestInRoom->addBindValue(room);
        if (!m_newestInRoom->exec() || !m_newestInRoom->next()) {
            *error = describe(m_newestInRoom->lastError());
            return false;
        }
        newest->insert(room, m_newestInRoom->value(0).toLongLong());
        m_newestInRoom->finish();
    }
    return true;
}

// The row a page query is on: id, time, sender, body, action.
static ChatMessage messageAt(const QSqlQuery &query, const QString &room)
{
    ChatMessage message;
    message.id = query.value(0).toLongLong();
    message.time = QDateTime::fromMSecsSinceEpoch(query.value(1).toLongLong(), Qt::UTC);
    message.from = query.value(2).toString();
    message.text = query.value(3).toString();
    message.action = query.value(4).toBool();
    message.room = room;
    return message;
}

bool MessageStore::pageAfter(const QString &key, qint64 after, qint64 before, int limit,
                             QList<ChatMessage> *messages, bool *more, QString *error)
{
    messages->clear();
    *more = false;
    const RoomRef *room = limit > 0 ? knownRoom(key) : nullptr;
    if (!room)
        return true;
    if (!m_pageAfter) {
        *error = QStringLiteral("not connected");
        return false;
    }
    m_pageAfter->addBindValue(room->id);
    m_pageAfter->addBindValue(after);
    m_pageAfter->addBindValue(before > 0 ? before : std::numeric_limits<qint64>::max());
    m_pageAfter->addBindValue(limit + 1);
    if (!m_pageAfter->exec()) {
        *error = describe(m_pageAfter->lastError());
        return false;
    }
    while (m_pageAfter->next()) {
        if (messages->size() == limit) {
            *more = true;
            break;
        }
        messages->append(messageAt(*m_pageAfter, room->name));
    }
    m_pageAfter->finish();
    return true;
}

bool MessageStore::page(const QString &key, qint64 before, int limit, QList<ChatMessage> *messages,
                        bool *more, QString *error)
{
    messages->clear();
    *more = false;
    const RoomRef *room = limit > 0 ? knownRoom(key) : nullptr;
    if (!room)
        return true;
    if (!m_page) {
        *error = QStringLiteral("not connected");
        return false;
    }
    m_page->addBindValue(room->id);
    m_page->addBindValue(before > 0 ? before : std::numeric_limits<qint64>::max());
    m_page->addBindValue(limit + 1);
    if (!m_page->exec()) {
        *error = describe(m_page->lastError());
        return false;
    }
    while (m_page->next()) {
        if (messages->size() == limit) {
            *more = true;
            break;
        }
        messages->append(messageAt(*m_page, room->name));
    }
    m_page->finish();
    std::reverse(messages->begin(), messages->end());
    return true;
}

bool MessageStore::expire(const QString &key, qint64 olderThanMs, int keep, int batch,
                          Expired *expired, QString *error)
{
    *expired = Expired { key, 0, 0 };
    const auto room = m_roomIds.constFind(key);
    if (room == m_roomIds.cend())
        return true;
    QSqlDatabase db = database();
    QSqlQuery query(db);
    query.setForwardOnly(true);
    // Everything up to the keep-th newest goes; the index on (room_id, id) finds it.
    qint64 beyondKeep = 0;
    if (keep > 0) {
        query.prepare(QStringLiteral("SELECT id FROM messages WHERE room_id = ? "
                                     "ORDER BY id DESC LIMIT 1 OFFSET ?"));
        query.addBindValue(room->id);
        query.addBindValue(keep);
        if (!query.exec()) {
            *error = describe(query.lastError());
            return false;
        }
        if (query.next())
            beyondKeep = query.value(0).toLongLong();
        query.finish();
    }
    // Only the oldest rows are looked at: ids grow with time, so the expired
    // ones are a prefix and each step costs at most one batch.
    query.prepare(
        QStringLiteral("SELECT id, time FROM messages WHERE room_id = ? ORDER BY id LIMIT ?"));
    query.addBindValue(room->id);
    query.addBindValue(batch);
    if (!query.exec()) {
        *error = describe(query.lastError());
        return false;
    }
    while (query.next()) {
        const qint64 id = query.value(0).toLongLong();
        if (id > beyondKeep && (olderThanMs <= 0 || query.value(1).toLongLong() >= olderThanMs))
            break;
        expired->throughId = id;
        ++expired->rows;
    }
    query.finish();
    if (expired->rows == 0)
        return true;
    if (!db.transaction()) {
        *error = describe(db.lastError());
        return false;
    }
    query.prepare(QStringLiteral("DELETE FROM messages WHERE room_id = ? AND id <= ?"));
    query.addBindValue(room->id);
    query.addBindValue(expired->throughId);
    if (!query.exec() || !db.commit()) {
        *error = describe(query.lastError().isValid() ? query.lastError() : db.lastError());
        db.rollback();
        expired->rows = 0;
        return false;
    }
    return true;
}
