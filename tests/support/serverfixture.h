// SPDX-License-Identifier: MIT
#pragma once

#include "serverprocess.h"

#include <QObject>
#include <QProcessEnvironment>
#include <QStringList>

#include <memory>

// A QtTest fixture: each test function gets a pynet-server of its own, started
// in init() and stopped in cleanup(), where it must exit cleanly. Test classes
// derive from it; a test that needs other options or another environment
// starts its own server with startServer().
class ServerFixture : public QObject
{
    Q_OBJECT

protected:
    // Stops the current server, which must exit cleanly, and starts one with
    // these options. On failure the test's QVERIFY shows why: the server's
    // output is printed.
    [[nodiscard]] bool
    startServer(const QStringList &arguments = {},
                const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment());
    ServerProcess &server() { return *m_server; }
    quint16 serverPort() const { return m_server->port(); }

    // Called after each start: what every test of the class needs connected to
    // the new server (two bystanders, say). Returns false when that fails.
    virtual bool serverStarted() { return true; }
    // Called before each stop: let those clients go, or the server waits for
    // them to hang up after its shutdown notice.
    virtual void serverStopping() { }

protected Q_SLOTS:
    void init();
    void cleanup();

private:
    // Stops the server if it still runs; false, with the reason printed, unless
    // it exited with 0 and no sanitizer reported anything.
    bool stopServer();

    std::unique_ptr<ServerProcess> m_server;
};
