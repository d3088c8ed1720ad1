// SPDX-License-Identifier: MIT
#include "cliprocess.h"

#include <QTest>

CliProcess::CliProcess()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("NO_COLOR"));
    m_process.setProcessEnvironment(environment);
}

CliProcess::~CliProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

void CliProcess::start(const QStringList &arguments)
{
    m_process.start(QStringLiteral(PYNET_CLI_BINARY), arguments);
    m_process.waitForStarted(5000);
}

void CliProcess::write(const QByteArray &bytes)
{
    m_process.write(bytes);
    m_process.waitForBytesWritten(5000); // callers may block next, without an event loop
}

void CliProcess::closeInput()
{
    m_process.closeWriteChannel();
}

QByteArray CliProcess::standardOutput()
{
    m_stdout += m_process.readAllStandardOutput();
    return m_stdout;
}

QByteArray CliProcess::standardError()
{
    m_stderr += m_process.readAllStandardError();
    return m_stderr;
}

QStringList CliProcess::outputLines()
{
    QStringList lines = QString::fromUtf8(standardOutput()).split(u'\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

bool CliProcess::waitForOutput(const QByteArray &text, int timeoutMs)
{
    return QTest::qWaitFor([&] { return standardOutput().contains(text); }, timeoutMs);
}

bool CliProcess::waitForError(const QByteArray &text, int timeoutMs)
{
    return QTest::qWaitFor([&] { return standardError().contains(text); }, timeoutMs);
}

int CliProcess::waitForExit(int timeoutMs)
{
    const bool exited =
        QTest::qWaitFor([&] { return m_process.state() == QProcess::NotRunning; }, timeoutMs);
    standardOutput();
    standardError();
    if (!exited || m_process.exitStatus() != QProcess::NormalExit)
        return -1;
    return m_process.exitCode();
}
