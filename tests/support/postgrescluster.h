// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

// A throwaway PostgreSQL cluster in a temporary directory, on 127.0.0.1 and a
// free port, trusting local connections (fsync off: tests need no durability
// against power loss). initdb refuses to run as root, so as root the cluster
// belongs to the unprivileged user nobody.
class PostgresCluster
{
public:
    PostgresCluster();
    ~PostgresCluster(); // stops the server at once and removes the directory

    // initdb on first use, then starts the server and waits until it accepts connections.
    bool start(QString *error);
    // pg_ctl stop with mode "fast" (clients are disconnected) or "immediate".
    bool stop(const QString &mode, QString *error);
    bool createDatabase(const QString &name, QString *error);

    // postgresql://pynet@127.0.0.1:PORT/database, as the server takes it.
    QString url(const QString &database) const;
    quint16 port() const { return m_port; }
    static QString user() { return QStringLiteral("pynet"); }

private:
    QString binary(const QString &name) const;
    bool run(const QString &program, const QStringList &arguments, bool asOwner, QString *error);

    QTemporaryDir m_dir;
    QString m_bin; // the PostgreSQL programs
    QString m_owner; // the user the cluster runs as, empty: ourselves
    quint16 m_port = 0;
    bool m_initialised = false;
    bool m_running = false;
};
