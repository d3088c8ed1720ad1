// SPDX-License-Identifier: MIT
#pragma once

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

// A real pynet-server child process on 127.0.0.1 and a free port, for tests.
// Unless the arguments name a --database, it keeps its history in a fresh
// SQLite file of its own, the product's default; its data directory is a
// temporary one either way, never the user's.
class ServerProcess
{
public:
    explicit ServerProcess(const QStringList &extraArguments = {});
    ~ServerProcess();

    // Starts the server and waits until it listens. Returns false, with the
    // server's output in output(), when it does not within timeoutMs.
    bool start(int timeoutMs = 10000);
    // Sends SIGTERM and waits for the exit; returns the exit code, or -1.
    // Anything but 0 also prints the server's log as a warning.
    int stop(int timeoutMs = 10000);
    // Kills the process at once (a crash or a pulled plug, from the clients' view).
    void kill();

    quint16 port() const { return m_port; } // the TLS port when the plain one is off
    quint16 tlsPort() const { return m_tlsPort; } // 0 without --tls-cert
    qint64 pid() const { return m_process.processId(); }
    QProcess &process() { return m_process; }
    // The temporary directory the server's data (its default database) goes in.
    QString dataDirectory() const { return m_dataDirectory.path(); }
    // Everything the server logged so far.
    QString output();
    // Waits until the log contains text.
    bool waitForOutput(const QString &text, int timeoutMs = 10000);

private:
    QTemporaryDir m_dataDirectory;
    QProcess m_process;
    QStringList m_arguments;
    QString m_output;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
};
