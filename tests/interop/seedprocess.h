// SPDX-License-Identifier: MIT
#pragma once

#include <QProcess>
#include <QStringList>

// A Python peer written literally from the seed spec (seed_client.py or
// seed_server.py) running as a child process: what it prints is what its user
// would see, and its stderr reports every reply json.loads() could not read.
class SeedProcess
{
public:
    SeedProcess();
    ~SeedProcess();

    // seed_client.py HOST PORT NAME; the join is sent as soon as it connects.
    bool startClient(quint16 port, const QString &name);
    // seed_server.py on a free port; waits until it listens.
    bool startServer(int timeoutMs = 10000);
    quint16 port() const { return m_port; }

    // One line on the client's stdin: a chat message, or "quit".
    void writeLine(const QString &line);

    // Lines printed on stdout so far.
    QStringList lines();
    // Waits until a line equal to line has been printed (and processes events meanwhile).
    bool waitForLine(const QString &line, int timeoutMs = 5000);
    // Waits until a line containing text has been printed.
    bool waitForLineContaining(const QString &text, int timeoutMs = 5000);
    // Everything printed on stderr so far.
    QString errors();
    // Closes stdin and waits for the client to exit.
    bool finish(int timeoutMs = 5000);

private:
    void readOutput();

    QProcess m_process;
    QByteArray m_partialLine;
    QStringList m_lines;
    QString m_errors;
    quint16 m_port = 0;
};
