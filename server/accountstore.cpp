// SPDX-License-Identifier: MIT
#include "accountstore.h"

#include "validation.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>
#include <QUrlQuery>
#include <QVariant>

#include <atomic>
#include <limits>
#include <utility>

namespace {

const QString SqliteScheme = QStringLiteral("sqlite:");

QString uniqueConnectionName()
{
    static std::atomic<int> next { 0 };
    return QStringLiteral("pynet-accounts-%1").arg(++next);
}

constexpr qint64 DayMs = 24 * 60 * 60 * 1000;

// A conversation is stored under its two accounts' keys in order, so that
// either side finds it with one index.
std::pair<QString, QString> conversationKeys(const QString &a, const QString &b)
{
    return a <= b ? std::make_pair(a, b) : std::make_pair(b, a);
}

QString describe(const QSqlError &error)
{
    QString text = error.databaseText().simplified();
    if (text.isEmpty())
        text = error.driverText().simplified();
    return text.isEmpty() ? QStringLiteral("unknown database error") : text;
}

} // namespace

std::unique_ptr<AccountStore> AccountStore::create(const QString &url, bool createDirectory,
                                                   QString *error)
{
    if (url.startsWith(SqliteScheme)) {
        const QString path = QFileInfo(url.mid(SqliteScheme.size())).absoluteFilePath();
        std::unique_ptr<AccountStore> store(
            new AccountStore(QStringLiteral("QSQLITE"), QStringLiteral("sqlite:%1").arg(path)));
        store->m_path = path;
        store->m_createDirectory = createDirectory;
        return store;
    }
    // The same rules as the message store's (PostgresMessageStore::create).
    const QUrl parsed(url, QUrl::StrictMode);
    if (!url.startsWith(QLatin1String("postgresql://"))
        && !url.startsWith(QLatin1String("postgres://"))) {
        *error = QStringLiteral("%1: not a database URL (sqlite:PATH or "
                                "postgresql://user@host:port/database)")
                     .arg(url);
        return nullptr;
    }
    if (!parsed.isValid() || parsed.host().isEmpty() || !parsed.password().isEmpty()
        || parsed.path().mid(1).isEmpty()) {
        *error =
            QStringLiteral("not a usable PostgreSQL URL (postgresql://user@host:port/database, "
                           "the password in PGPASSWORD or ~/.pgpass)");
        return nullptr;
    }
    QStringList options;
    QStringList given;
    for (const auto &[key, value] : QUrlQuery(parsed).queryItems(QUrl::FullyDecoded)) {
        options.append(key + QLatin1Char('=') + value);
        given.append(key);
    }
    if (!given.contains(QLatin1String("connect_timeout")))
        options.append(QStringLiteral("connect_timeout=5"));
    const QUrl shown = parsed.adjusted(QUrl::RemoveQuery | QUrl::RemovePassword);
    std::unique_ptr<AccountStore> store(
        new AccountStore(QStringLiteral("QPSQL"), shown.toDisplayString()));
    store->m_host = parsed.host();
    store->m_port = parsed.port(5432);
    store->m_user = parsed.userName();
    store->m_database = parsed.path().mid(1);
    store->m_options = options.join(QLatin1Char(';'));
    return store;
}

AccountStore::AccountStore(const QString &driver, const QString &displayName)
    : m_connection(uniqueConnectionName()), m_displayName(displayName)
{
    QSqlDatabase::addDatabase(driver, m_connection);
}

AccountStore::~AccountStore()
{
    {
        QSqlDatabase db = database();
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

QSqlDatabase AccountStore::database() const
{
    return QSqlDatabase::database(m_connection, false);
}

bool AccountStore::exec(const QString &sql, QString *error)
{
    QSqlQuery query(database());
    if (query.exec(sql))
        return true;
    *error = describe(query.lastError());
    return false;
}

bool AccountStore::open(QString *error)
{
    QSqlDatabase db = database();
    QString reason;
    bool ok = true;
    if (!m_path.isEmpty()) {
        const QString directory = QFileInfo(m_path).absolutePath();
        if (!QFileInfo(directory).isDir() && !(m_createDirectory && QDir().mkpath(directory))) {
            *error =
                QStringLiteral("%1: the directory %2 does not exist").arg(m_displayName, directory);
            return false;
        }
        db.setDatabaseName(m_path);
        ok = db.open();
        if (!ok)
            reason = describe(db.lastError());
        // As the message store sets them: WAL lets the server and the account
        // command work at once; auto_vacuum only counts before the first table.
        const QStringList pragmas {
            QStringLiteral("PRAGMA busy_timeout = 5000"),
            QStringLiteral("PRAGMA auto_vacuum = INCREMENTAL"),
            QStringLiteral("PRAGMA journal_mode = WAL"),
            QStringLiteral("PRAGMA synchronous = NORMAL"),
        };
        for (const QString &pragma : pragmas) {
            if (ok && !(ok = exec(pragma, &reason))
                && reason.contains(QLatin1String("not a database")))
                reason = QStringLiteral("not a SQLite database, or a damaged one (%1)").arg(reason);
        }
    } else {
        db.setHostName(m_host);
        db.setPort(m_port);
        db.setUserName(m_user);
        db.setDatabaseName(m_database);
        db.setConnectOptions(m_options);
        ok = db.open();
        if (!ok)
            reason = QStringLiteral("cannot connect: %1").arg(describe(db.lastError()));
        ok = ok && exec(QStringLiteral("SET client_min_messages = warning"), &reason);
    }
    // Plain types both engines read alike; times in UTC milliseconds.
    const QStringList tables {
        QStringLiteral("CREATE TABLE IF NOT EXISTS accounts (key TEXT PRIMARY KEY, name TEXT NOT "
                       "NULL, hash TEXT NOT NULL, created BIGINT NOT NULL)"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS login_tokens (digest TEXT PRIMARY KEY, "
                       "account TEXT NOT NULL, created BIGINT NOT NULL, expires BIGINT NOT NULL)"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS login_tokens_account ON login_tokens (account)"),
        // The rooms an account is in, entered again when it logs in; room_key
        // is Validation::roomKey of the name, room the name as entered.
        QStringLiteral("CREATE TABLE IF NOT EXISTS account_rooms (account TEXT NOT NULL, room_key "
                       "TEXT NOT NULL, room TEXT NOT NULL, PRIMARY KEY (account, room_key))"),
        // Moderation (RoomRules): who owns a room and its settings, its
        // operators, bans, mutes and invitations by identity, and every action.
        QStringLiteral("CREATE TABLE IF NOT EXISTS room_rules (room_key TEXT PRIMARY KEY, owner "
                       "TEXT NOT NULL, owner_name TEXT NOT NULL, invite_only INTEGER NOT NULL, "
                       "topic_locked INTEGER NOT NULL)"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS room_rule_entries (room_key TEXT NOT NULL, kind "
                       "TEXT NOT NULL, subject TEXT NOT NULL, name TEXT NOT NULL, by_name TEXT NOT "
                       "NULL, reason TEXT NOT NULL, created BIGINT NOT NULL, PRIMARY KEY "
                       "(room_key, kind, subject))"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS moderation_log (room_key TEXT NOT NULL, time "
                       "TEXT NOT NULL, by_name TEXT NOT NULL, action TEXT NOT NULL, target TEXT "
                       "NOT NULL, reason TEXT NOT NULL)"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS moderation_log_room ON moderation_log "
                       "(room_key, time)"),
        // RoomRules::version() of the rules stored, so that of two servers
        // storing one room's rules at once the newer stays; a table of its
        // own, which older databases gain without a migration.
        QStringLiteral("CREATE TABLE IF NOT EXISTS room_rules_versions (room_key TEXT PRIMARY "
                       "KEY, version BIGINT NOT NULL)"),
    };
    for (const QString &table : tables)
        ok = ok && exec(table, &reason);
    // Private conversations between accounts (account_a < account_b, by
    // key), numbered in their own sequence; ids are never reused, so that a
    // client's "before" keeps meaning what it did.
    const QString privateId = m_path.isEmpty()
        ? QStringLiteral("id BIGSERIAL PRIMARY KEY")
        : QStringLiteral("id INTEGER PRIMARY KEY AUTOINCREMENT");
    const QStringList privateTables {
        QStringLiteral("CREATE TABLE IF NOT EXISTS private_messages (%1, account_a TEXT NOT NULL, "
                       "account_b TEXT NOT NULL, from_name TEXT NOT NULL, to_name TEXT NOT NULL, "
                       "time BIGINT NOT NULL, text TEXT NOT NULL)")
            .arg(privateId),
        QStringLiteral("CREATE INDEX IF NOT EXISTS private_messages_conversation ON "
                       "private_messages (account_a, account_b, id)"),
        // For account removal, which finds the account on either side.
        QStringLiteral("CREATE INDEX IF NOT EXISTS private_messages_b ON private_messages "
                       "(account_b)"),
    };
    for (const QString &table : privateTables)
        ok = ok && exec(table, &reason);
    if (!ok) {
        *error = QStringLiteral("%1: %2").arg(m_displayName, reason);
        db.close();
    }
    return ok;
}

AccountStore::Found AccountStore::find(const QString &key, Account *account, QString *error)
{
    QSqlQuery query(database());
    query.prepare(QStringLiteral("SELECT name, hash, created FROM accounts WHERE key = ?"));
    query.addBindValue(key);
    if (!query.exec()) {
        *error = describe(query.lastError());
        return Found::Error;
    }
    if (!query.next())
        return Found::No;
    account->key = key;
    account->name = query.value(0).toString();
    account->hash = query.value(1).toString().toLatin1();
    account->createdMs = query.value(2).toLongLong();
    return Found::Yes;
}

AccountStore::Found AccountStore::add(const Account &account, QString *error)
{
    QSqlQuery query(database());
    query.prepare(QStringLiteral("INSERT INTO accounts (key, name, hash, created) VALUES (?, ?, ?, "
                                 "?) ON CONFLICT (key) DO NOTHING"));
    query.addBindValue(account.key);
    query.addBindValue(account.name);
    query.addBindValue(QString::fromLatin1(account.hash));
    query.addBindValue(account.createdMs);
    if (!query.exec()) {
        *error = describe(query.lastError());
        return Found::Error;
    }
    return query.numRowsAffected() == 1 ? Found::No : Found::Yes;
}

AccountStore::Found AccountStore::remove(const QString &key, QString *error)
{
    QSqlDatabase db = database();
    if (!db.transaction()) {
        *error = describe(db.lastError());
        return Found::Error;
    }
    QSqlQuery tokens(db);
    tokens.prepare(QStringLiteral("DELETE FROM login_tokens WHERE account = ?"));
    tokens.addBindValue(key);
    QSqlQuery rooms(db);
    rooms.prepare(QStringLiteral("DELETE FROM account_rooms WHERE account = ?"));
    rooms.addBindValue(key);
    // Its conversations go with it: nobody else may read them, and a new
    // account of the same name must not.
    QSqlQuery conversations(db);
    conversations.prepare(
        QStringLiteral("DELETE FROM private_messages WHERE account_a = ? OR account_b = ?"));
    conversations.addBindValue(key);
    conversations.addBindValue(key);
    QSqlQuery account(db);
    account.prepare(QStringLiteral("DELETE FROM accounts WHERE key = ?"));
    account.addBindValue(key);
    if (!tokens.exec() || !rooms.exec() || !conversations.exec() || !account.exec()) {
        QSqlError failure = account.lastError();
        for (const QSqlQuery *query : { &conversations, &rooms, &tokens }) {
            if (query->lastError().isValid())
                failure = query->lastError();
        }
        *error = describe(failure);
        db.rollback();
        return Found::Error;
    }
    const bool removed = account.numRowsAffected() > 0;
    tokens.finish();
    rooms.finish();
    conversations.finish();
    account.finish();
    if (!db.commit()) {
        *error = describe(db.lastError());
        db.rollback();
        return Found::Error;
    }
    return removed ? Found::Yes : Found::No;
}

bool AccountStore::setHash(const QString &key, const QByteArray &hash, bool revoke, QString *error)
{
    QSqlDatabase db = database();
    if (!db.transaction()) {
        *error = describe(db.lastError());
        return false;
    }
    QSqlQuery update(db);
    update.prepare(QStringLiteral("UPDATE accounts SET hash = ? WHERE key = ?"));
    update.addBindValue(QString::fromLatin1(hash));
    update.addBindValue(key);
    bool ok = update.exec();
    QSqlError failure = update.lastError();
    update.finish();
    if (ok && revoke) {
        QSqlQuery tokens(db);
        tokens.prepare(QStringLiteral("DELETE FROM login_tokens WHERE account = ?"));
        tokens.addBindValue(key);
        ok = tokens.exec();
        failure = tokens.lastError();
    }
    if (ok && !db.commit()) {
        ok = false;
        failure = db.lastError();
    }
    if (!ok) {
        *error = describe(failure);
        db.rollback();
    }
    return ok;
}

bool AccountStore::list(QList<Account> *accounts, QString *error)
{
    QSqlQuery query(database());
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT key, name, created FROM accounts ORDER BY key"))) {
        *error = describe(query.lastError());
        return false;
    }
    accounts->clear();
    while (query.next())
        accounts->append({ query.value(0).toString(),
                           query.value(1).toString(),
                           {},
                           query.value(2).toLongLong() });
    return true;
}

bool AccountStore::addToken(const QString &digest, const QString &key, qint64 nowMs,
                            qint64 expiresMs, QString *error)
{
    // Expired tokens of anyone go as new ones come: the table stays small.
    QSqlQuery expired(database());
    expired.prepare(QStringLiteral("DELETE FROM login_tokens WHERE expires <= ?"));
    expired.addBindValue(nowMs);
    QSqlQuery query(database());
    query.prepare(QStringLiteral(
        "INSERT INTO login_tokens (digest, account, created, expires) VALUES (?, ?, ?, ?)"));
    query.addBindValue(digest);
    query.addBindValue(key);
    query.addBindValue(nowMs);
    query.addBindValue(expiresMs);
    if (!expired.exec() || !query.exec()) {
        *error = describe(expired.lastError().isValid() ? expired.lastError() : query.lastError());
        return false;
    }
    return true;
}

AccountStore::Found AccountStore::findToken(const QString &digest, qint64 nowMs, QString *key,
                                            QString *error)
{
    QSqlQuery query(database());
    query.prepare(
        QStringLiteral("SELECT account FROM login_tokens WHERE digest = ? AND expires > ?"));
    query.addBindValue(digest);
    query.addBindValue(nowMs);
    if (!query.exec()) {
        *error = describe(query.lastError());
        return Found::Error;
    }
    if (!query.next())
        return Found::No;
    *key = query.value(0).toString();
    return Found::Yes;
}

bool AccountStore::rooms(const QString &key, QStringList *rooms, QString *error)
{
    QSqlQuery query(database());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT room FROM account_rooms WHERE account = ? ORDER BY room"));
    query.addBindValue(key);
    if (!query.exec()) {
        *error = describe(query.lastError());
        return false;
    }
    rooms->clear();
    while (query.next())
        rooms->append(query.value(0).toString());
    return true;
}

bool AccountStore::setInRoom(const QString &key, const QString &room, bool in, QString *error)
{
    QSqlQuery query(database());
    if (in) {
        query.prepare(QStringLiteral("INSERT INTO account_rooms (account, room_key, room) VALUES "
                                     "(?, ?, ?) ON CONFLICT (account, room_key) DO NOTHING"));
        query.addBindValue(key);
        query.addBindValue(Validation::roomKey(room));
        query.addBindValue(room);
    } else {
        query.prepare(
            QStringLiteral("DELETE FROM account_rooms WHERE account = ? AND room_key = ?"));
        query.addBindValue(key);
        query.addBindValue(Validation::roomKey(room));
    }
    if (!query.exec()) {
        *error = describe(query.lastError());
        return false;
    }
    return true;
}

bool AccountStore::loadRules(QHash<QString, RoomRules> *rules, QString *error)
{
    QSqlQuery query(database());
    query.setForwardOnly(true);
    if (!query.exec(QStringLiteral("SELECT room_key, owner, owner_name, invite_only, topic_locked "
                                   "FROM room_rules"))) {
        *error = describe(query.lastError());
        return false;
    }
    rules->clear();
    while (query.next()) {
        RoomRules &room = (*rules)[query.value(0).toString()];
        room.setOwner(query.value(1).toString(), query.value(2).toString());
        room.setSettings(query.value(3).toInt() != 0, query.value(4).toInt() != 0);
    }
    QSqlQuery entries(database());
    entries.setForwardOnly(true);
    if (!entries.exec(QStringLiteral("SELECT room_key, kind, subject, name, by_name, reason, "
                                     "created FROM room_rule_entries"))) {
        *error = describe(entries.lastError());
        return false;
    }
    while (entries.next()) {
        RoomRules::Kind kind;
        if (!RoomRules::kindFromName(entries.value(1).toString(), &kind))
            continue; // written by a newer version: not ours to guess at
        (*rules)[entries.value(0).toString()].setEntry(
            kind, entries.value(2).toString(),
            { entries.value(3).toString(), entries.value(4).toString(), entries.value(5).toString(),
              entries.value(6).toLongLong() });
    }
    QSqlQuery versions(database());
    versions.setForwardOnly(true);
    if (!versions.exec(QStringLiteral("SELECT room_key, version FROM room_rules_versions"))) {
        *error = describe(versions.lastError());
        return false;
    }
    while (versions.next()) {
        // A room whose rules are back to nothing keeps its version, with no rules.
        (*rules)[versions.value(0).toString()].setVersion(versions.value(1).toLongLong());
    }
    return true;
}

bool AccountStore::saveRules(const QString &roomKey, const RoomRules &rules,
                             const Wire::Moderation &action, const QString &removedAccount,
                             QString *error)
{
    QSqlDatabase db = database();
    if (!db.transaction()) {
        *error = describe(db.lastError());
        return false;
    }
    QSqlError failure;
    const auto run = [&db, &failure](const QString &sql, const QVariantList &values) {
        if (failure.isValid())
            return;
        QSqlQuery query(db);
        query.prepare(sql);
        for (const QVariant &value : values) {
            // A null QString binds as NULL; the columns want text.
            const bool nullText = value.typeId() == QMetaType::QString && value.toString().isNull();
            query.addBindValue(nullText ? QVariant(QStringLiteral("")) : value);
        }
        if (!query.exec())
            failure = query.lastError();
    };
    // The version row is made, then locked, before it is read: a second
    // server storing the same room waits here until this one commits.
    run(QStringLiteral("INSERT INTO room_rules_versions (room_key, version) VALUES (?, 0) "
                       "ON CONFLICT (room_key) DO NOTHING"),
        { roomKey });
    qint64 stored = 0;
    if (!failure.isValid()) {
        QSqlQuery version(db);
        version.prepare(m_path.isEmpty()
                            ? QStringLiteral("SELECT version FROM room_rules_versions WHERE "
                                             "room_key = ? FOR UPDATE")
                            : QStringLiteral("SELECT version FROM room_rules_versions WHERE "
                                             "room_key = ?"));
        version.addBindValue(roomKey);
        if (!version.exec() || !version.next())
            failure = version.lastError();
        else
            stored = version.value(0).toLongLong();
    }
    // Older than what another server stored meanwhile: only the action is kept.
    if (rules.version() >= stored) {
        run(QStringLiteral("DELETE FROM room_rules WHERE room_key = ?"), { roomKey });
        run(QStringLiteral("DELETE FROM room_rule_entries WHERE room_key = ?"), { roomKey });
        if (!rules.isEmpty())
            run(QStringLiteral("INSERT INTO room_rules (room_key, owner, owner_name, "
                               "invite_only, topic_locked) VALUES (?, ?, ?, ?, ?)"),
                { roomKey, rules.ownerIdentity(), rules.ownerName(), int(rules.inviteOnly()),
                  int(rules.topicLocked()) });
        for (const RoomRules::Kind kind : RoomRules::Kinds) {
            const QMap<QString, RoomRules::Entry> &entries = rules.entries(kind);
            for (auto it = entries.cbegin(); it != entries.cend(); ++it)
                run(QStringLiteral("INSERT INTO room_rule_entries (room_key, kind, subject, "
                                   "name, by_name, reason, created) VALUES (?, ?, ?, ?, ?, ?, ?)"),
                    { roomKey, QString(RoomRules::kindName(kind)), it.key(), it->name, it->by,
                      it->reason, it->timeMs });
        }
        run(QStringLiteral("UPDATE room_rules_versions SET version = ? WHERE room_key = ?"),
            { rules.version(), roomKey });
    }
    run(QStringLiteral("INSERT INTO moderation_log (room_key, time, by_name, action, target, "
                       "reason) VALUES (?, ?, ?, ?, ?, ?)"),
        { roomKey, action.time, action.by, action.action, action.target, action.reason });
    if (!removedAccount.isEmpty())
        run(QStringLiteral("DELETE FROM account_rooms WHERE account = ? AND room_key = ?"),
            { Validation::nameKey(removedAccount), roomKey });
    if (!failure.isValid() && !db.commit())
        failure = db.lastError();
    if (failure.isValid()) {
        *error = describe(failure);
        db.rollback();
        return false;
    }
    return true;
}

bool AccountStore::addPrivate(ChatMessage *message, const PrivateLimits &limits, qint64 nowMs,
                              QString *error)
{
    const auto [a, b] =
        conversationKeys(Validation::nameKey(message->from), Validation::nameKey(message->to));
    QSqlDatabase db = database();
    if (!db.transaction()) {
        *error = describe(db.lastError());
        return false;
    }
    QSqlError failure;
    {
        QSqlQuery insert(db);
        insert.prepare(QStringLiteral("INSERT INTO private_messages (account_a, account_b, "
                                      "from_name, to_name, time, text) VALUES (?, ?, ?, ?, ?, ?) "
                                      "RETURNING id"));
        for (const QVariant &value :
             { QVariant(a), QVariant(b), QVariant(message->from), QVariant(message->to),
               QVariant(message->time.toMSecsSinceEpoch()), QVariant(message->text) })
            insert.addBindValue(value);
        if (!insert.exec() || !insert.next())
            failure = insert.lastError();
        else
            message->privateId = insert.value(0).toLongLong();
    }
    if (!failure.isValid() && limits.keepPerConversation > 0) {
        QSqlQuery prune(db);
        prune.prepare(QStringLiteral(
            "DELETE FROM private_messages WHERE account_a = ? AND account_b = ? AND id <= (SELECT "
            "id FROM private_messages WHERE account_a = ? AND account_b = ? ORDER BY id DESC "
            "LIMIT 1 OFFSET ?)"));
        for (const QVariant &value : { QVariant(a), QVariant(b), QVariant(a), QVariant(b),
                                       QVariant(limits.keepPerConversation) })
            prune.addBindValue(value);
        if (!prune.exec())
            failure = prune.lastError();
    }
    if (!failure.isValid() && limits.keepDays > 0) {
        QSqlQuery expire(db);
        expire.prepare(QStringLiteral("DELETE FROM private_messages WHERE account_a = ? AND "
                                      "account_b = ? AND time < ?"));
        expire.addBindValue(a);
        expire.addBindValue(b);
        expire.addBindValue(nowMs - qint64(limits.keepDays) * DayMs);
        if (!expire.exec())
            failure = expire.lastError();
    }
    if (!failure.isValid() && !db.commit())
        failure = db.lastError();
    if (failure.isValid()) {
        *error = describe(failure);
        db.rollback();
        message->privateId = 0;
        return false;
    }
    return true;
}

bool AccountStore::privateHistory(const QString &first, const QString &second, qint64 before,
                                  int limit, const PrivateLimits &limits, qint64 nowMs,
                                  QList<ChatMessage> *messages, bool *more, QString *error)
{
    const auto [a, b] = conversationKeys(first, second);
    // What the retention no longer keeps is not shown, even before it is deleted.
    const qint64 oldest = limits.keepDays > 0 ? nowMs - qint64(limits.keepDays) * DayMs : 0;
    QSqlQuery query(database());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT id, from_name, to_name, time, text FROM private_messages "
                                 "WHERE account_a = ? AND account_b = ? AND id < ? AND time >= ? "
                                 "ORDER BY id DESC LIMIT ?"));
    query.addBindValue(a);
    query.addBindValue(b);
    query.addBindValue(before > 0 ? before : std::numeric_limits<qint64>::max());
    query.addBindValue(oldest);
    query.addBindValue(limit + 1); // one more says whether there are more
    if (!query.exec()) {
        *error = describe(query.lastError());
        return false;
    }
    messages->clear();
    *more = false;
    while (query.next()) {
        if (messages->size() == limit) {
            *more = true;
            break;
        }
        ChatMessage message;
        message.privateId = query.value(0).toLongLong();
        message.from = query.value(1).toString();
        message.to = query.value(2).toString();
        message.time = QDateTime::fromMSecsSinceEpoch(query.value(3).toLongLong(), Qt::UTC);
        message.text = query.value(4).toString();
        messages->prepend(message);
    }
    return true;
}
