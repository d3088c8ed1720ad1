// SPDX-License-Identifier: MIT
#pragma once

#include "messagestore.h"
#include "sqlitecheckpointer.h"

#include <QLockFile>

#include <memory>

// A SQLite file, in WAL mode with synchronous=NORMAL: a commit survives the
// process being killed, a power loss may take the last ones. The log is
// copied into the file by a SqliteCheckpointer, never by a commit. PATH.lock keeps a
// second server away (and is taken over when the server holding it is dead).
class SqliteMessageStore : public MessageStore
{
public:
    // createDirectory: make a missing directory (the default path), rather
    // than refuse it (a path someone gave).
    SqliteMessageStore(const QString &path, bool createDirectory);
    ~SqliteMessageStore() override;

    void reclaim() override;

protected:
    bool connect(QSqlDatabase *database, QString *error) override;
    QList<QStringList> migrations() const override;
    QString lastIdSql() const override;

private:
    bool checkFiles(QString *error);
    bool lock(QString *error);

    QString m_path;
    bool m_createDirectory = false;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<SqliteCheckpointer> m_checkpointer; // while connected
};
