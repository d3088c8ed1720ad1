// SPDX-License-Identifier: MIT
#include "redisserver.h"

#include <QDeadlineTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <csignal>

RedisServer::RedisServer()
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

RedisServer::~RedisServer()
{
    kill();
}

bool RedisServer::start(QString *error)
{
    if (m_port == 0) {
        // redis-server takes no port 0: one the kernel just gave out, then freed.
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost)) {
            *error = probe.errorString();
            return false;
        }
        m_port = probe.serverPort();
    }
    m_process.start(QStringLiteral("redis-server"),
                    { QStringLiteral("--port"), QString::number(m_port), QStringLiteral("--bind"),
                      QStringLiteral("127.0.0.1"), QStringLiteral("--save"), QString(),
                      QStringLiteral("--appendonly"), QStringLiteral("no"), QStringLiteral("--dir"),
                      m_dir.path(), QStringLiteral("--daemonize"), QStringLiteral("no") });
    if (!m_process.waitForStarted(5000)) {
        *error = QStringLiteral("redis-server: %1").arg(m_process.errorString());
        return false;
    }
    const QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        if (socket.waitForConnected(500)) {
            socket.write("PING\r\n");
            if (socket.waitForReadyRead(500) && socket.readAll().startsWith("+PONG"))
                return true;
        }
        if (m_process.state() != QProcess::Running)
            break;
        QTest::qWait(50);
    }
    *error = QStringLiteral("redis-server did not start: %1")
                 .arg(QString::fromLocal8Bit(m_process.readAll()));
    return false;
}

void RedisServer::kill()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    resume(); // a stopped process dies only once it runs
    m_process.kill();
    m_process.waitForFinished(5000);
}

void RedisServer::pause()
{
    ::kill(pid_t(m_process.processId()), SIGSTOP);
}

void RedisServer::resume()
{
    ::kill(pid_t(m_process.processId()), SIGCONT);
}

QString RedisServer::url() const
{
    return QStringLiteral("redis://127.0.0.1:%1").arg(m_port);
}
