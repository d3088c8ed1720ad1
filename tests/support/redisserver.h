// SPDX-License-Identifier: MIT
#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

// A throwaway redis-server on 127.0.0.1 and a free port, keeping nothing on
// disk, that a test can stop (SIGSTOP: silent but connected), resume, kill
// and start again on the same port.
class RedisServer
{
public:
    RedisServer();
    ~RedisServer(); // kills it

    // Starts it and waits until it accepts connections.
    bool start(QString *error);
    void kill();
    void pause(); // SIGSTOP
    void resume(); // SIGCONT

    quint16 port() const { return m_port; }
    QString url() const; // redis://127.0.0.1:PORT, as --cluster takes it

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
};
