// SPDX-License-Identifier: MIT
#include "serverfixture.h"

#include <QDebug>
#include <QTest>

namespace {
// Prints what went wrong and the end of the server's log: enough to see why,
// short enough to read.
void report(const QString &what, const QString &output)
{
    qWarning().noquote() << what + QStringLiteral(":\n") + output.right(3000);
}
} // namespace

bool ServerFixture::startServer(const QStringList &arguments,
                                const QProcessEnvironment &environment)
{
    if (m_server && !stopServer())
        return false;
    m_server = std::make_unique<ServerProcess>(arguments);
    m_server->process().setProcessEnvironment(environment);
    if (!m_server->start()) {
        report(QStringLiteral("pynet-server did not start"), m_server->output());
        return false;
    }
    if (!serverStarted()) {
        report(QStringLiteral("the clients every test needs did not connect"), m_server->output());
        return false;
    }
    return true;
}

bool ServerFixture::stopServer()
{
    serverStopping();
    const QProcess &process = m_server->process();
    int exitCode = -1;
    if (process.state() != QProcess::NotRunning)
        exitCode = m_server->stop();
    else if (process.exitStatus() == QProcess::NormalExit) // the test stopped it
        exitCode = process.exitCode();
    const QString output = m_server->output();
    if (exitCode != 0 || output.contains(QStringLiteral("runtime error:"))
        || output.contains(QStringLiteral("Sanitizer"))) {
        report(QStringLiteral("pynet-server did not exit cleanly (exit code %1)").arg(exitCode),
               output);
        return false;
    }
    return true;
}

void ServerFixture::init()
{
    m_server.reset();
    QVERIFY(startServer());
}

void ServerFixture::cleanup()
{
    if (!m_server)
        return;
    if (QTest::currentTestFailed()) {
        // What the server said is part of what went wrong; it stops either way.
        report(QStringLiteral("pynet-server's log"), m_server->output());
        serverStopping();
        m_server->kill();
    } else {
        QVERIFY(stopServer());
    }
    m_server.reset();
}
