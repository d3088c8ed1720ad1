// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QStringList>

#include <functional>

#include <sys/types.h>

// pynet-cli on a pseudo-terminal, as a person runs it: what it draws is read
// back byte for byte, keys are written as the terminal would send them.
class PtyProcess
{
public:
    PtyProcess() = default;
    ~PtyProcess();

    // Starts PYNET_CLI_BINARY with TERM=xterm and the environment given on top.
    bool start(const QStringList &arguments, const QStringList &environment = {}, int columns = 80,
               int rows = 24);
    void write(const QByteArray &keys);

    // Raw bytes the program wrote to its terminal so far.
    QByteArray output();
    // The same without escape sequences.
    QString text();
    // The text of the line the cursor is on: after the last line break or
    // carriage return, escape sequences removed.
    QString currentLine();

    // Waits, processing events, until the output after offset contains needle.
    bool waitForOutput(const QByteArray &needle, int timeoutMs = 5000, qsizetype offset = 0);
    bool waitFor(const std::function<bool()> &condition, int timeoutMs = 5000);
    // Waits for the exit; returns the exit code, or -1.
    int waitForExit(int timeoutMs = 10000);

    static QString withoutEscapes(const QByteArray &bytes);

private:
    void readAvailable();

    int m_master = -1;
    pid_t m_pid = -1;
    int m_exitCode = -1;
    QByteArray m_output;
};
