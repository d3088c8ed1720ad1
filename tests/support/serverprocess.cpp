// SPDX-License-Identifier: MIT
#include "serverprocess.h"

#include <QDeadlineTimer>
#include <QRegularExpression>

ServerProcess::ServerProcess(const QStringList &extraArguments)
    : m_arguments(QStringList { QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                                QStringLiteral("--port"), QStringLiteral("0") }
                  + extraArguments)
{
    if (!m_arguments.contains(QStringLiteral("--database")))
        m_arguments << QStringLiteral("--database")
                    << QStringLiteral("sqlite:%1/pynet.db").arg(m_dataDirectory.path());
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("XDG_DATA_HOME"), m_dataDirectory.path());
    m_process.setProcessEnvironment(environment);
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

ServerProcess::~ServerProcess()
{
    if (m_process.state() != QProcess::NotRunning)
        kill();
}

bool ServerProcess::start(int timeoutMs)
{
    m_process.start(QStringLiteral(PYNET_SERVER_BINARY), m_arguments);
    if (!waitForOutput(QStringLiteral("listening on"), timeoutMs))
        return false;
    static const QRegularExpression listening(QStringLiteral("listening on [^ ]+:(\\d+)"));
    const QRegularExpressionMatch match = listening.match(m_output);
    m_port = match.hasMatch() ? match.captured(1).toUShort() : 0;
    static const QRegularExpression tls(QStringLiteral("\\(TLS on [^ ]+:(\\d+)\\)"));
    const QRegularExpressionMatch tlsMatch = tls.match(m_output);
    m_tlsPort = tlsMatch.hasMatch()                       ? tlsMatch.captured(1).toUShort()
        : m_output.contains(QStringLiteral("(TLS only)")) ? m_port
                                                          : 0;
    return m_port != 0;
}

int ServerProcess::stop(int timeoutMs)
{
    m_process.terminate();
    const bool finished = m_process.waitForFinished(timeoutMs);
    output();
    const int code = !finished                           ? -1
        : m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode()
                                                         : -1;
    // A test compares only the code; the log says why (a sanitizer report, a stuck thread).
    if (code != 0)
        qWarning("pynet-server exited with %d; its log:\n%s", code, qPrintable(m_output));
    return code;
}

void ServerProcess::kill()
{
    m_process.kill();
    m_process.waitForFinished(5000);
}

QString ServerProcess::output()
{
    // Without an event loop QProcess reads the pipe only inside a waitFor call;
    // a full pipe would also stall the server's logging threads.
    while (m_process.state() == QProcess::Running && m_process.waitForReadyRead(0)) { }
    m_output += QString::fromUtf8(m_process.readAll());
    return m_output;
}

bool ServerProcess::waitForOutput(const QString &text, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!output().contains(text)) {
        if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning)
            return false;
        m_process.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
    }
    return true;
}
