// SPDX-License-Identifier: MIT
#include "protocol.h"
#include "rawclient.h"
#include "serverfixture.h"
#include "servertest.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QProcess>
#include <QTest>

#include <algorithm>
#include <memory>
#include <signal.h>
#include <vector>

using namespace ServerTest;

// The server's life as an operator sees it: resources come back after clients
// go, SIGTERM ends it cleanly and quickly, and it runs with its glibc tunables.
class TestServerLifecycle : public ServerFixture
{
    Q_OBJECT

private Q_SLOTS:
    void resourcesComeBackAfterClientsGo();
    void sigtermTellsEveryClientAndExits();
    void sigtermWithNoClients();
    void sigtermDoesNotWaitForAStuckClient();
    void sigintAndRepeatedSignals();
    void glibcTunables_data();
    void glibcTunables();
};

void TestServerLifecycle::resourcesComeBackAfterClientsGo()
{
    ChatPair pair;
    QVERIFY(pair.join(serverPort()));
    // The baseline: the server with two users, whose first connections have
    // created whatever the process creates once and keeps.
    const int threads = threadCount(server().pid());
    const int descriptors = descriptorCount(server().pid());
    QVERIFY(threads > 2);
    QVERIFY(descriptors > 2);

    constexpr int Cycles = 200;
    for (int i = 0; i < Cycles; ++i) {
        RawClient client;
        QVERIFY(client.connectTo(serverPort()));
        switch (i % 5) {
        case 0: // joined, then the plug is pulled
            QVERIFY(client.joinAs(serverPort(), QStringLiteral("cycle%1").arg(i)));
            resetConnection(client.socket());
            break;
        case 1: // half a message, then reset
            client.send(R"({"type":"join","data":"half)");
            resetConnection(client.socket());
            break;
        case 2: // joined, mid-message, then reset
            QVERIFY(client.joinAs(serverPort(), QStringLiteral("cycle%1").arg(i), false));
            client.send(QByteArray(R"({"type":"chat","data":")") + QByteArray(30000, 'm'));
            resetConnection(client.socket());
            break;
        case 3: // reset before saying anything
            resetConnection(client.socket());
            break;
        case 4: // joined and left politely
            QVERIFY(client.joinAs(serverPort(), QStringLiteral("cycle%1").arg(i)));
            client.socket().disconnectFromHost();
            break;
        }
        if (i % 20 == 0)
            server().output(); // keep the log pipe from filling up
    }

    QTRY_COMPARE_WITH_TIMEOUT(threadCount(server().pid()), threads, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(descriptorCount(server().pid()), descriptors, 10000);
    QString why;
    QVERIFY2(pair.stillChats(&why), qPrintable(why));
    pair.first.sendObject(Protocol::usersRequest());
    QCOMPARE(pair.first.waitFor(QStringLiteral("users"))
                 .value(QLatin1StringView("users"))
                 .toArray()
                 .size(),
             2);
    QCOMPARE(server().output().count(QStringLiteral(" closed: ")), Cycles);
}

void TestServerLifecycle::sigtermTellsEveryClientAndExits()
{
    constexpr int Count = 50;
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < Count; ++i) {
        clients.push_back(std::make_unique<RawClient>());
        RawClient &client = *clients.back();
        const QString name = QStringLiteral("user%1").arg(i);
        if (i % 10 == 8) { // connected, not joined yet
            QVERIFY(client.connectTo(serverPort()));
            QVERIFY(barrier(client));
        } else {
            QVERIFY(client.joinAs(serverPort(), name, i % 10 != 9));
        }
    }
    QVERIFY(server().waitForOutput(QStringLiteral("joined as user%1 ").arg(Count - 1)));

    QElapsedTimer clock;
    clock.start();
    const int exitCode = server().stop(5000);
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(exitCode == 0, qPrintable(server().output()));
    QVERIFY2(elapsed < 2000, qPrintable(QStringLiteral("exit took %1 ms").arg(elapsed)));
    QVERIFY(server().output().contains(QStringLiteral("shutting down, %1 connections").arg(Count)));

    for (int i = 0; i < Count; ++i) {
        RawClient &client = *clients.at(i);
        const QJsonObject notice =
            waitForMatch(client, QStringLiteral("notice"), QStringLiteral("code"),
                         QStringLiteral("shutdown"), 2000);
        QVERIFY2(!notice.isEmpty(), qPrintable(QStringLiteral("user%1 was not told").arg(i)));
        QCOMPARE(stringOf(notice, "data"), QStringLiteral("The server is shutting down."));
        QVERIFY(client.waitForClosed(2000));
    }
}

void TestServerLifecycle::sigtermWithNoClients()
{
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(server().stop(5000), 0);
    QVERIFY(clock.elapsed() < 2000);
}

void TestServerLifecycle::sigtermDoesNotWaitForAStuckClient()
{
    QVERIFY(startServer({ QStringLiteral("--max-text"), QStringLiteral("60000"),
                          QStringLiteral("--rate"), QStringLiteral("100000"),
                          QStringLiteral("--burst"), QStringLiteral("100000"),
                          QStringLiteral("--max-unsent-bytes"), QStringLiteral("67108864"),
                          QStringLiteral("--history"), QStringLiteral("0") }));
    RawClient talker, stuck, normal;
    QVERIFY(talker.joinAs(serverPort(), QStringLiteral("Talker")));
    stuck.socket().setReadBufferSize(1024); // and no event loop: it never reads
    QVERIFY(stuck.connectTo(serverPort()));
    stuck.sendObject(Protocol::richJoin(QStringLiteral("Stuck"), {}, 0, {}));
    QCOMPARE(stringOf(talker.waitFor(QStringLiteral("presence")), "name"), QStringLiteral("Stuck"));
    // Megabytes owed to Stuck: more than its socket buffers hold.
    for (int i = 0; i < 100; ++i) {
        talker.send(Protocol::encode(Protocol::chat(QString(60000, u'x'))));
        while (talker.socket().bytesToWrite() > 0)
            QVERIFY(talker.socket().waitForBytesWritten(5000));
    }
    QVERIFY(barrier(talker));
    QVERIFY(normal.joinAs(serverPort(), QStringLiteral("Normal")));

    QElapsedTimer clock;
    clock.start();
    QVERIFY2(server().stop(5000) == 0, qPrintable(server().output()));
    QVERIFY2(clock.elapsed() < 2000,
             qPrintable(QStringLiteral("exit took %1 ms").arg(clock.elapsed())));
    for (RawClient *client : { &talker, &normal }) {
        QVERIFY(!waitForMatch(*client, QStringLiteral("notice"), QStringLiteral("code"),
                              QStringLiteral("shutdown"), 2000)
                     .isEmpty());
    }
}

void TestServerLifecycle::sigintAndRepeatedSignals()
{
    {
        RawClient client;
        QVERIFY(client.joinAs(serverPort(), QStringLiteral("Ctrl-C")));
        QVERIFY(::kill(pid_t(server().pid()), SIGINT) == 0);
        QVERIFY(server().process().waitForFinished(2000));
        QCOMPARE(server().process().exitStatus(), QProcess::NormalExit);
        QVERIFY2(server().process().exitCode() == 0, qPrintable(server().output()));
        QVERIFY(!waitForMatch(client, QStringLiteral("notice"), QStringLiteral("code"),
                              QStringLiteral("shutdown"), 2000)
                     .isEmpty());
    }
    {
        // An impatient operator: a second SIGTERM while the first is being handled.
        QVERIFY(startServer());
        RawClient client;
        QVERIFY(client.joinAs(serverPort(), QStringLiteral("Patient")));
        QVERIFY(::kill(pid_t(server().pid()), SIGTERM) == 0);
        QVERIFY(server().waitForOutput(QStringLiteral("shutting down"), 2000));
        ::kill(pid_t(server().pid()), SIGTERM); // it may have finished already
        QVERIFY(server().process().state() == QProcess::NotRunning
                || server().process().waitForFinished(2000));
        QCOMPARE(server().process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(server().process().exitCode(), 0);
    }
}

// The server runs with glibc's per-thread cache and spare static TLS off (11 KiB
// per client): it executes itself again with them in GLIBC_TUNABLES, which only
// an exec puts into /proc/PID/environ. A value the user set wins.
void TestServerLifecycle::glibcTunables_data()
{
    QTest::addColumn<QString>("userValue");
    QTest::addColumn<QString>("expected");

    const QString ours = QStringLiteral(
        "glibc.malloc.tcache_count=0:glibc.rtld.optional_static_tls=0:glibc.rtld.nns=1");
    QTest::newRow("unset") << QString() << ours;
    QTest::newRow("the user keeps the cache")
        << QStringLiteral("glibc.malloc.tcache_count=7")
        << QStringLiteral(
               "glibc.malloc.tcache_count=7:glibc.rtld.optional_static_tls=0:glibc.rtld.nns=1");
    QTest::newRow("all set by the user")
        << QStringLiteral("glibc.rtld.nns=2:glibc.malloc.tcache_count=3:"
                          "glibc.rtld.optional_static_tls=512")
        << QStringLiteral("glibc.rtld.nns=2:glibc.malloc.tcache_count=3:"
                          "glibc.rtld.optional_static_tls=512");
}

void TestServerLifecycle::glibcTunables()
{
    QFETCH(QString, userValue);
    QFETCH(QString, expected);

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("GLIBC_TUNABLES"));
    if (!userValue.isEmpty())
        environment.insert(QStringLiteral("GLIBC_TUNABLES"), userValue);
    QVERIFY(startServer({}, environment));
    QVERIFY2(server().output().contains(QStringLiteral("glibc tunables: ") + expected),
             qPrintable(server().output()));
    QFile environ(QStringLiteral("/proc/%1/environ").arg(server().pid()));
    QVERIFY(environ.open(QIODevice::ReadOnly));
    // glibc cuts the variable at its first ':' where /proc shows it, while it parses it.
    const QList<QByteArray> variables = environ.readAll().split('\0');
    const QByteArray first = "GLIBC_TUNABLES=" + expected.section(u':', 0, 0).toUtf8();
    QVERIFY2(
        std::any_of(variables.begin(), variables.end(),
                    [&first](const QByteArray &variable) { return variable.startsWith(first); }),
        first.constData());
    QCOMPARE(server().stop(), 0);
}

QTEST_GUILESS_MAIN(TestServerLifecycle)
#include "tst_serverlifecycle.moc"
