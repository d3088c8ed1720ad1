// SPDX-License-Identifier: MIT
#pragma once

#include "messagestore.h"

// A PostgreSQL database. The URL carries no password: libpq reads it from
// PGPASSWORD or ~/.pgpass, so that it shows neither in the process list nor in
// the log. Deleted rows are left to autovacuum.
class PostgresMessageStore : public MessageStore
{
public:
    // nullptr and a reason for a URL that is not postgresql://user@host:port/db.
    static std::unique_ptr<PostgresMessageStore> create(const QString &url, QString *error);

protected:
    bool connect(QSqlDatabase *database, QString *error) override;
    QList<QStringList> migrations() const override;
    QString lastIdSql() const override;
    bool afterExplicitIds(qint64 lastId, QString *error) override;
    QString lockRoomSql() const override;

private:
    PostgresMessageStore(const QString &displayName, const QString &host, int port,
                         const QString &user, const QString &database, const QString &options);

    QString m_host;
    int m_port = 5432;
    QString m_user;
    QString m_database;
    QString m_options;
};
