// SPDX-License-Identifier: MIT
#include "sqlitemessagestore.h"

#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace {
// How often the log is copied into the file: it grows by what this much
// traffic writes, and a power loss may take what was not copied yet.
constexpr std::chrono::seconds CheckpointInterval(1);
} // namespace

SqliteMessageStore::SqliteMessageStore(const QString &path, bool createDirectory)
    : MessageStore(QStringLiteral("QSQLITE"),
                   QStringLiteral("sqlite:%1").arg(QFileInfo(path).absoluteFilePath()))
    , m_path(QFileInfo(path).absoluteFilePath())
    , m_createDirectory(createDirectory)
{ }

SqliteMessageStore::~SqliteMessageStore()
{
    // First: the last connection to close copies the log into the file and removes it.
    m_checkpointer.reset();
    close(); // before the lock goes
}

bool SqliteMessageStore::checkFiles(QString *error)
{
    const QFileInfo file(m_path);
    const QString directory = file.absolutePath();
    if (!QFileInfo(directory).isDir()) {
        if (!m_createDirectory) {
            *error = QStringLiteral("the directory %1 does not exist").arg(directory);
            return false;
        }
        if (!QDir().mkpath(directory)) {
            *error = QStringLiteral("cannot create the directory %1").arg(directory);
            return false;
        }
    }
    if (file.exists() && !file.isFile()) {
        *error = QStringLiteral("%1 is not a file").arg(m_path);
        return false;
    }
    if (file.exists() && !file.isWritable()) {
        *error = QStringLiteral("%1 is not writable").arg(m_path);
        return false;
    }
    // The lock file and SQLite's -wal and -shm files are made beside it.
    if (!QFileInfo(directory).isWritable()) {
        *error = QStringLiteral("the directory %1 is not writable").arg(directory);
        return false;
    }
    return true;
}

bool SqliteMessageStore::lock(QString *error)
{
    m_lock = std::make_unique<QLockFile>(m_path + QStringLiteral(".lock"));
    m_lock->setStaleLockTime(0); // stale only when its process is gone
    if (m_lock->tryLock(0))
        return true;
    switch (m_lock->error()) {
    case QLockFile::LockFailedError: {
        qint64 pid = 0;
        QString host;
        QString application;
        m_lock->getLockInfo(&pid, &host, &application);
        *error = QStringLiteral("in use by another pynet-server (process %1 on %2, lock file %3)")
                     .arg(pid)
                     .arg(host, m_lock->fileName());
        break;
    }
    case QLockFile::PermissionError:
        *error = QStringLiteral("cannot create the lock file %1").arg(m_lock->fileName());
        break;
    default:
        *error = QStringLiteral("cannot take the lock file %1").arg(m_lock->fileName());
        break;
    }
    m_lock.reset();
    return false;
}

bool SqliteMessageStore::connect(QSqlDatabase *database, QString *error)
{
    if (!m_lock && (!checkFiles(error) || !lock(error)))
        return false;
    database->setDatabaseName(m_path);
    if (!database->open()) {
        *error = describe(database->lastError());
        return false;
    }
    // auto_vacuum only takes effect before the first table is made.
    const QStringList pragmas {
        QStringLiteral("PRAGMA busy_timeout = 5000"),
        QStringLiteral("PRAGMA auto_vacuum = INCREMENTAL"),
        QStringLiteral("PRAGMA journal_mode = WAL"),
        QStringLiteral("PRAGMA synchronous = NORMAL"),
        QStringLiteral("PRAGMA wal_autocheckpoint = 0"), // the checkpointer's job
    };
    for (const QString &pragma : pragmas) {
        if (!exec(pragma, error)) {
            if (error->contains(QLatin1String("not a database")))
                *error = QStringLiteral("not a SQLite database, or a damaged one (%1)").arg(*error);
            return false;
        }
    }
    m_checkpointer = std::make_unique<SqliteCheckpointer>(m_path, CheckpointInterval);
    return true;
}

QList<QStringList> SqliteMessageStore::migrations() const
{
    return {
        {
            QStringLiteral("CREATE TABLE rooms (id INTEGER PRIMARY KEY, key TEXT NOT NULL "
                           "UNIQUE, name TEXT NOT NULL, topic TEXT NOT NULL DEFAULT '', "
                           "topic_by TEXT NOT NULL DEFAULT '', topic_time TEXT NOT NULL "
                           "DEFAULT '', created INTEGER NOT NULL)"),
            // AUTOINCREMENT: an id is never handed out twice, even when
            // retention has deleted the newest rows.
            QStringLiteral("CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                           "room_id INTEGER NOT NULL REFERENCES rooms (id), time INTEGER "
                           "NOT NULL, sender TEXT NOT NULL, body TEXT NOT NULL, action "
                           "INTEGER NOT NULL DEFAULT 0)"),
            QStringLiteral("CREATE INDEX messages_room_id ON messages (room_id, id)"),
        },
    };
}

QString SqliteMessageStore::lastIdSql() const
{
    return QStringLiteral(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0)");
}

void SqliteMessageStore::reclaim()
{
    // The pragma frees one page per step, and QtSql steps a statement without
    // result columns only once: run it once per free page, in one transaction.
    QSqlDatabase db = database();
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA freelist_count")) || !query.next())
        return;
    const int pages = query.value(0).toInt();
    query.finish();
    if (pages == 0 || !db.transaction())
        return;
    for (int i = 0; i < pages; ++i) {
        if (!query.exec(QStringLiteral("PRAGMA incremental_vacuum(1)")))
            break;
        query.finish();
    }
    if (!db.commit())
        db.rollback();
}
