// SPDX-License-Identifier: MIT
#include "sqlitecheckpointer.h"

#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <pthread.h>

Q_LOGGING_CATEGORY(lcCheckpoint, "pynet.storage")

SqliteCheckpointer::SqliteCheckpointer(const QString &path, std::chrono::milliseconds interval)
    : m_path(path), m_interval(interval), m_thread([this] { run(); })
{
    std::unique_lock lock(m_mutex);
    m_wake.wait(lock, [this] { return m_started; });
}

SqliteCheckpointer::~SqliteCheckpointer()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
}

void SqliteCheckpointer::run()
{
    ::pthread_setname_np(::pthread_self(), "checkpoint");
    // QtSql connections belong to the thread that opened them: this one is ours.
    const QString name = QStringLiteral("pynet-checkpoint-%1").arg(quintptr(this), 0, 16);
    const auto started = [this] {
        {
            std::lock_guard lock(m_mutex);
            m_started = true;
        }
        m_wake.notify_all();
    };
    {
        QSqlDatabase database = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        database.setDatabaseName(m_path);
        database.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        const auto checkpoint = [this, &database] {
            QSqlQuery query(database);
            if (!query.exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)")))
                qCDebug(lcCheckpoint).noquote()
                    << m_path << "checkpoint failed:" << query.lastError().text();
        };
        if (!database.open()) {
            qCWarning(lcCheckpoint).noquote()
                << m_path << "cannot be checkpointed:" << database.lastError().text();
            started();
        } else {
            checkpoint(); // opens the log and its index now, not in a second
            started();
            std::unique_lock lock(m_mutex);
            while (!m_wake.wait_for(lock, m_interval, [this] { return m_stopping; })) {
                lock.unlock();
                checkpoint();
                lock.lock();
            }
        }
        database.close();
    }
    QSqlDatabase::removeDatabase(name);
}
