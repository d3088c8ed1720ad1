// SPDX-License-Identifier: MIT
#include "ptyprocess.h"

#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTest>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

PtyProcess::~PtyProcess()
{
    if (m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
    }
    if (m_master >= 0)
        ::close(m_master);
}

bool PtyProcess::start(const QStringList &arguments, const QStringList &environment, int columns,
                       int rows)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("TERM"), QStringLiteral("xterm"));
    env.remove(QStringLiteral("NO_COLOR"));
    for (const QString &entry : environment)
        env.insert(entry.section(u'=', 0, 0), entry.section(u'=', 1));

    // Everything the child needs is prepared before fork().
    QList<QByteArray> argumentBytes { QByteArray(PYNET_CLI_BINARY) };
    for (const QString &argument : arguments)
        argumentBytes.append(argument.toUtf8());
    QList<QByteArray> environmentBytes;
    for (const QString &entry : env.toStringList())
        environmentBytes.append(entry.toUtf8());
    std::vector<char *> argv;
    for (QByteArray &argument : argumentBytes)
        argv.push_back(argument.data());
    argv.push_back(nullptr);
    std::vector<char *> envp;
    for (QByteArray &entry : environmentBytes)
        envp.push_back(entry.data());
    envp.push_back(nullptr);

    struct winsize size = {};
    size.ws_col = static_cast<unsigned short>(columns);
    size.ws_row = static_cast<unsigned short>(rows);
    m_pid = ::forkpty(&m_master, nullptr, nullptr, &size);
    if (m_pid < 0)
        return false;
    if (m_pid == 0) {
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::fcntl(m_master, F_SETFL, ::fcntl(m_master, F_GETFL) | O_NONBLOCK);
    return true;
}

void PtyProcess::write(const QByteArray &keys)
{
    qsizetype done = 0;
    while (done < keys.size()) {
        const ssize_t written =
            ::write(m_master, keys.constData() + done, size_t(keys.size() - done));
        if (written < 0 && errno != EAGAIN && errno != EINTR)
            return;
        if (written > 0)
            done += written;
    }
}

void PtyProcess::readAvailable()
{
    if (m_master < 0)
        return;
    char buffer[4096];
    for (;;) {
        const ssize_t count = ::read(m_master, buffer, sizeof buffer);
        if (count <= 0)
            return; // EAGAIN, or EIO once the child has gone
        m_output.append(buffer, count);
    }
}

QByteArray PtyProcess::output()
{
    readAvailable();
    return m_output;
}

QString PtyProcess::withoutEscapes(const QByteArray &bytes)
{
    static const QRegularExpression escapes(QStringLiteral(
        "\x1b(\\[[0-9;?]*[ -/]*[@-~]|\\][^\x07\x1b]*(\x07|\x1b\\\\)|[()][0-9A-Za-z]|[=>78])"));
    return QString::fromUtf8(bytes).remove(escapes);
}

QString PtyProcess::text()
{
    return withoutEscapes(output());
}

QString PtyProcess::currentLine()
{
    const QString all = text();
    const qsizetype start = qMax(all.lastIndexOf(u'\n'), all.lastIndexOf(u'\r')) + 1;
    QString line = all.mid(start);
    line.remove(u'\b'); // libedit puts the cursor back with backspaces
    return line;
}

bool PtyProcess::waitForOutput(const QByteArray &needle, int timeoutMs, qsizetype offset)
{
    return waitFor([&] { return output().indexOf(needle, offset) >= 0; }, timeoutMs);
}

bool PtyProcess::waitFor(const std::function<bool()> &condition, int timeoutMs)
{
    return QTest::qWaitFor(condition, timeoutMs);
}

int PtyProcess::waitForExit(int timeoutMs)
{
    int status = 0;
    const bool exited = QTest::qWaitFor(
        [&] {
            readAvailable();
            return ::waitpid(m_pid, &status, WNOHANG) == m_pid;
        },
        timeoutMs);
    if (!exited)
        return -1;
    m_pid = -1;
    readAvailable();
    m_exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return m_exitCode;
}
