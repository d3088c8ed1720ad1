// SPDX-License-Identifier: MIT
#pragma once

#include <QProcess>
#include <QStringList>

// pynet-cli in pipe mode: stdin, stdout and stderr are pipes, as in
// `producer | pynet-cli --name bot > log`.
class CliProcess
{
public:
    CliProcess();
    ~CliProcess();

    void start(const QStringList &arguments);
    void write(const QByteArray &bytes);
    void closeInput();

    // Everything printed so far.
    QByteArray standardOutput();
    QByteArray standardError();
    QStringList outputLines();

    // Wait while processing events, so in-process servers keep working.
    bool waitForOutput(const QByteArray &text, int timeoutMs = 5000);
    bool waitForError(const QByteArray &text, int timeoutMs = 5000);
    // Waits for the exit and returns the exit code, or -1 on timeout or crash.
    int waitForExit(int timeoutMs = 10000);

    QProcess &process() { return m_process; }

private:
    QProcess m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
};
