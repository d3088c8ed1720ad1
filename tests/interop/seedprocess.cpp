// SPDX-License-Identifier: MIT
#include "seedprocess.h"

#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTest>

static QString script(const char *name)
{
    return QStringLiteral(PYNET_TESTS_DIR "/interop/") + QLatin1StringView(name);
}

SeedProcess::SeedProcess()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    // Text on stdin and stdout is UTF-8 whatever the locale of the test run.
    environment.insert(QStringLiteral("PYTHONIOENCODING"), QStringLiteral("utf-8"));
    environment.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    m_process.setProcessEnvironment(environment);
}

SeedProcess::~SeedProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool SeedProcess::startClient(quint16 port, const QString &name)
{
    m_process.start(
        QStringLiteral(PYNET_PYTHON),
        { script("seed_client.py"), QStringLiteral("127.0.0.1"), QString::number(port), name });
    return m_process.waitForStarted(10000);
}

bool SeedProcess::startServer(int timeoutMs)
{
    m_process.start(QStringLiteral(PYNET_PYTHON),
                    { script("seed_server.py"), QStringLiteral("0") });
    if (!m_process.waitForStarted(timeoutMs)
        || !waitForLineContaining(QStringLiteral("listening on"), timeoutMs))
        return false;
    static const QRegularExpression listening(QStringLiteral("^listening on (\\d+)$"));
    for (const QString &line : std::as_const(m_lines)) {
        const QRegularExpressionMatch match = listening.match(line);
        if (match.hasMatch())
            m_port = match.captured(1).toUShort();
    }
    return m_port != 0;
}

void SeedProcess::writeLine(const QString &line)
{
    m_process.write(line.toUtf8() + '\n');
}

void SeedProcess::readOutput()
{
    m_partialLine += m_process.readAllStandardOutput();
    qsizetype newline;
    while ((newline = m_partialLine.indexOf('\n')) >= 0) {
        m_lines.append(QString::fromUtf8(m_partialLine.left(newline)));
        m_partialLine.remove(0, newline + 1);
    }
    m_errors += QString::fromUtf8(m_process.readAllStandardError());
}

QStringList SeedProcess::lines()
{
    readOutput();
    return m_lines;
}

bool SeedProcess::waitForLine(const QString &line, int timeoutMs)
{
    return QTest::qWaitFor([&] { return lines().contains(line); }, timeoutMs);
}

bool SeedProcess::waitForLineContaining(const QString &text, int timeoutMs)
{
    return QTest::qWaitFor(
        [&] {
            const QStringList all = lines();
            return std::any_of(all.cbegin(), all.cend(),
                               [&](const QString &line) { return line.contains(text); });
        },
        timeoutMs);
}

QString SeedProcess::errors()
{
    readOutput();
    return m_errors;
}

bool SeedProcess::finish(int timeoutMs)
{
    m_process.closeWriteChannel();
    const bool finished = m_process.waitForFinished(timeoutMs);
    readOutput();
    return finished;
}
