// SPDX-License-Identifier: MIT
#include "postgrescluster.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTcpServer>

#include <pwd.h>
#include <unistd.h>

#include <algorithm>

namespace {

// pg_config names the version the client library belongs to; Debian keeps
// the server programs beside each other per version.
QString findBinDir()
{
    QProcess config;
    config.start(QStringLiteral("pg_config"), { QStringLiteral("--bindir") });
    if (config.waitForFinished(5000) && config.exitCode() == 0) {
        const QString dir = QString::fromLocal8Bit(config.readAllStandardOutput()).trimmed();
        if (QFileInfo::exists(dir + QStringLiteral("/initdb")))
            return dir;
    }
    QStringList versions =
        QDir(QStringLiteral("/usr/lib/postgresql")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    std::sort(versions.begin(), versions.end(),
              [](const QString &a, const QString &b) { return a.toInt() > b.toInt(); });
    for (const QString &version : versions) {
        const QString dir = QStringLiteral("/usr/lib/postgresql/%1/bin").arg(version);
        if (QFileInfo::exists(dir + QStringLiteral("/initdb")))
            return dir;
    }
    return {};
}

quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

} // namespace

PostgresCluster::PostgresCluster() : m_bin(findBinDir()), m_port(freePort())
{
    if (geteuid() == 0) {
        m_owner = QStringLiteral("nobody");
        if (const passwd *owner = getpwnam("nobody"))
            (void)!chown(QFile::encodeName(m_dir.path()).constData(), owner->pw_uid, owner->pw_gid);
    }
}

PostgresCluster::~PostgresCluster()
{
    if (m_running) {
        QString ignored;
        stop(QStringLiteral("immediate"), &ignored);
    }
}

QString PostgresCluster::binary(const QString &name) const
{
    return m_bin + QLatin1Char('/') + name;
}

bool PostgresCluster::run(const QString &program, const QStringList &arguments, bool asOwner,
                          QString *error)
{
    QProcess process;
    process.setWorkingDirectory(m_dir.path());
    process.setProcessChannelMode(QProcess::MergedChannels);
    if (asOwner && !m_owner.isEmpty())
        process.start(QStringLiteral("runuser"),
                      QStringList { QStringLiteral("-u"), m_owner, QStringLiteral("--"), program }
                          + arguments);
    else
        process.start(program, arguments);
    if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit
        || process.exitCode() != 0) {
        *error = QStringLiteral("%1 failed: %2%3")
                     .arg(QFileInfo(program).fileName(), process.errorString(),
                          QString::fromLocal8Bit(process.readAll()));
        return false;
    }
    return true;
}

bool PostgresCluster::start(QString *error)
{
    if (m_bin.isEmpty()) {
        *error = QStringLiteral("no PostgreSQL server programs (initdb) found");
        return false;
    }
    const QString data = m_dir.filePath(QStringLiteral("data"));
    if (!m_initialised) {
        if (!run(binary(QStringLiteral("initdb")),
                 { QStringLiteral("-D"), data, QStringLiteral("-U"), user(), QStringLiteral("-A"),
                   QStringLiteral("trust"), QStringLiteral("-E"), QStringLiteral("UTF8"),
                   QStringLiteral("--no-locale"), QStringLiteral("--no-sync") },
                 true, error))
            return false;
        m_initialised = true;
    }
    const QString options = QStringLiteral("-c listen_addresses=127.0.0.1 -p %1 -k %2 "
                                           "-c fsync=off -c full_page_writes=off")
                                .arg(m_port)
                                .arg(m_dir.path());
    if (!run(binary(QStringLiteral("pg_ctl")),
             { QStringLiteral("-D"), data, QStringLiteral("-l"),
               m_dir.filePath(QStringLiteral("server.log")), QStringLiteral("-o"), options,
               QStringLiteral("-w"), QStringLiteral("-t"), QStringLiteral("30"),
               QStringLiteral("start") },
             true, error))
        return false;
    m_running = true;
    return true;
}

bool PostgresCluster::stop(const QString &mode, QString *error)
{
    if (!run(binary(QStringLiteral("pg_ctl")),
             { QStringLiteral("-D"), m_dir.filePath(QStringLiteral("data")), QStringLiteral("-m"),
               mode, QStringLiteral("-w"), QStringLiteral("stop") },
             true, error))
        return false;
    m_running = false;
    return true;
}

bool PostgresCluster::createDatabase(const QString &name, QString *error)
{
    return run(binary(QStringLiteral("createdb")),
               { QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                 QString::number(m_port), QStringLiteral("-U"), user(), name },
               false, error);
}

QString PostgresCluster::url(const QString &database) const
{
    return QStringLiteral("postgresql://%1@127.0.0.1:%2/%3").arg(user()).arg(m_port).arg(database);
}
