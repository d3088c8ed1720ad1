// SPDX-License-Identifier: MIT
#include "blackhole.h"
#include "chatclient.h"
#include "postgrescluster.h"
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using ConnectionError = ChatClient::ConnectionError;

// A port nothing listens on: a server's, once it has gone.
static quint16 refusingPort()
{
    ServerProcess gone;
    if (!gone.start())
        return 0;
    const quint16 port = gone.port();
    gone.stop();
    return port;
}

static ServerEndpoint local(quint16 port)
{
    return { u"127.0.0.1"_s, port };
}

// One session over several servers: which it picks, which it moves on to, and
// that it catches up there as after a restart.
class TestChatClientFailover : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void connectsToTheFirst();
    void movesOnWhenTheFirstRefuses();
    void movesOnWhenTheFirstDoesNotAnswer();
    void givesUpWithEveryReasonWhenAllRefuse();
    void failsOverWhenTheServerIsKilled();
    void goesRoundTheList();
    void connectTimeoutIsParsedInSeconds_data();
    void connectTimeoutIsParsedInSeconds();

private:
    // Two nodes of one cluster: one database, so one run of ids.
    bool startCluster();
    void watch(ChatClient &client);

    PostgresCluster m_postgres; // a SQLite file is one server's alone
    QString m_database; // postgresql://... of the current test's cluster
    int m_databases = 0;
    std::unique_ptr<ServerProcess> m_first;
    std::unique_ptr<ServerProcess> m_second;
    QStringList m_messages; // what the watched client received, in order
    QList<ServerEndpoint> m_tried; // connectingTo(), in order
};

void TestChatClientFailover::initTestCase()
{
    QString error;
    QVERIFY2(m_postgres.start(&error), qPrintable(error));
}

void TestChatClientFailover::init()
{
    m_messages.clear();
    m_tried.clear();
}

void TestChatClientFailover::cleanup()
{
    m_first.reset();
    m_second.reset();
}

bool TestChatClientFailover::startCluster()
{
    const QString name = u"cluster_%1"_s.arg(++m_databases);
    QString error;
    if (!m_postgres.createDatabase(name, &error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    m_database = m_postgres.url(name);
    const QStringList shared { u"--database"_s, m_database };
    m_first = std::make_unique<ServerProcess>(shared);
    m_second = std::make_unique<ServerProcess>(shared);
    return m_first->start() && m_second->start();
}

void TestChatClientFailover::watch(ChatClient &client)
{
    client.setKeepAliveInterval(0);
    client.setReconnectDelays(100, 400);
    connect(&client, &ChatClient::messageReceived, this,
            [this](const ChatMessage &message) { m_messages.append(message.text); });
    connect(&client, &ChatClient::connectingTo, this,
            [this](const ServerEndpoint &server) { m_tried.append(server); });
}

void TestChatClientFailover::connectsToTheFirst()
{
    QVERIFY(startCluster());
    RawClient onFirst;
    QVERIFY(onFirst.joinAs(m_first->port(), u"Bob"_s));
    ChatClient alice;
    watch(alice);
    QSignalSpy joined(&alice, &ChatClient::joined);
    alice.connectToServer({ local(m_first->port()), local(m_second->port()) }, u"Alice"_s);
    QVERIFY(joined.wait(10000));
    QCOMPARE(alice.server(), local(m_first->port()));
    QCOMPARE(alice.port(), m_first->port());
    QCOMPARE(alice.serverAddress(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(m_tried, QList<ServerEndpoint> { local(m_first->port()) });
    QCOMPARE(alice.users(), QStringList({ u"Alice"_s, u"Bob"_s }));
    alice.sendChat(u"hello first"_s);
    QTRY_VERIFY(!alice.hasPendingWrites()); // bob waits without an event loop
    QCOMPARE(onFirst.waitFor(u"message"_s).value(u"data"_s).toString(), u"hello first"_s);
}

void TestChatClientFailover::movesOnWhenTheFirstRefuses()
{
    const quint16 refusing = refusingPort();
    QVERIFY(refusing != 0);
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    ChatClient alice;
    watch(alice);
    QSignalSpy joined(&alice, &ChatClient::joined);
    QSignalSpy failed(&alice, &ChatClient::attemptFailed);
    QSignalSpy errors(&alice, &ChatClient::connectionError);
    alice.connectToServer({ local(refusing), local(server.port()) }, u"Alice"_s);
    QVERIFY(joined.wait(10000));
    QCOMPARE(joined.at(0).at(0).toBool(), false); // the first join, not a reconnect
    QCOMPARE(alice.server(), local(server.port()));
    QCOMPARE(m_tried, QList<ServerEndpoint>({ local(refusing), local(server.port()) }));
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed.at(0).at(0).value<ServerEndpoint>(), local(refusing));
    QCOMPARE(failed.at(0).at(1).value<ConnectionError>(), ConnectionError::ConnectionRefused);
    QVERIFY(errors.isEmpty()); // a front end has nothing to give up on
    QCOMPARE(alice.error(), ConnectionError::None);
    alice.sendChat(u"made it"_s);
    QTRY_VERIFY(!alice.hasPendingWrites()); // bob waits without an event loop
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"made it"_s);
}

void TestChatClientFailover::movesOnWhenTheFirstDoesNotAnswer()
{
    BlackHole silent;
    QVERIFY(silent.port() != 0);
    ServerProcess server;
    QVERIFY(server.start());

    ChatClient alice;
    watch(alice);
    alice.setConnectTimeout(500);
    QSignalSpy joined(&alice, &ChatClient::joined);
    QSignalSpy failed(&alice, &ChatClient::attemptFailed);
    alice.connectToServer({ local(silent.port()), local(server.port()) }, u"Alice"_s);
    QVERIFY(joined.wait(10000)); // not the kernel's two minutes of SYNs
    QCOMPARE(alice.server(), local(server.port()));
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed.at(0).at(0).value<ServerEndpoint>(), local(silent.port()));
    QCOMPARE(failed.at(0).at(1).value<ConnectionError>(), ConnectionError::Timeout);
    QVERIFY2(failed.at(0).at(2).toString().contains(u"No answer within 0.5 s"_s),
             qPrintable(failed.at(0).at(2).toString()));
}

void TestChatClientFailover::givesUpWithEveryReasonWhenAllRefuse()
{
    const quint16 first = refusingPort();
    const quint16 second = refusingPort();
    QVERIFY(first != 0 && second != 0 && first != second);
    ChatClient alice;
    watch(alice);
    QSignalSpy errors(&alice, &ChatClient::connectionError);
    QSignalSpy disconnected(&alice, &ChatClient::disconnected);
    QSignalSpy reconnects(&alice, &ChatClient::reconnectScheduled);
    alice.connectToServer({ local(first), local(second) }, u"Alice"_s);
    QVERIFY(disconnected.wait(10000));
    QCOMPARE(m_tried, QList<ServerEndpoint>({ local(first), local(second) }));
    QCOMPARE(errors.size(), 1);
    QCOMPARE(errors.at(0).at(0).value<ConnectionError>(), ConnectionError::ConnectionRefused);
    const QString text = errors.at(0).at(1).toString();
    QVERIFY2(text.contains(local(first).toString() + u": "_s), qPrintable(text));
    QVERIFY2(text.contains(local(second).toString() + u": "_s), qPrintable(text));
    QVERIFY(reconnects.isEmpty()); // the first connection is never retried
    QCOMPARE(alice.status(), ChatClient::Status::Disconnected);
}

void TestChatClientFailover::failsOverWhenTheServerIsKilled()
{
    QVERIFY(startCluster());
    ChatClient alice;
    watch(alice);
    QSignalSpy joined(&alice, &ChatClient::joined);
    alice.connectToServer({ local(m_first->port()), local(m_second->port()) }, u"Alice"_s);
    QVERIFY(joined.wait(10000));
    QCOMPARE(alice.port(), m_first->port());
    {
        RawClient carol;
        QVERIFY(carol.joinAs(m_first->port(), u"Carol"_s));
        carol.sendObject(Protocol::chat(u"before the crash"_s));
        QTRY_VERIFY(m_messages.contains(u"before the crash"_s));
    }
    RawClient bob;
    QVERIFY(bob.joinAs(m_second->port(), u"Bob"_s));
    RawClient witness;
    QVERIFY(witness.joinAs(m_second->port(), u"Witness"_s));
    // Said on the second node while Alice is on the first: she catches up on it.
    bob.sendObject(Protocol::chat(u"said on the second"_s));
    QVERIFY(!witness.waitFor(u"message"_s).isEmpty()); // delivered, so stored

    m_first->kill(); // SIGKILL: no goodbye, as when the machine goes
    QVERIFY(joined.wait(10000));
    QCOMPARE(joined.last().at(0).toBool(), true);
    QCOMPARE(alice.server(), local(m_second->port()));
    QCOMPARE(m_tried, QList<ServerEndpoint>({ local(m_first->port()), local(m_second->port()) }));
    QCOMPARE(alice.status(), ChatClient::Status::Joined);
    QVERIFY(alice.isRejoin());
    QTRY_VERIFY(m_messages.contains(u"said on the second"_s));
    QCOMPARE(m_messages.count(u"before the crash"_s), 1); // by id: nothing twice

    alice.sendChat(u"after the failover"_s);
    QTRY_VERIFY(!alice.hasPendingWrites()); // bob waits without an event loop
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"after the failover"_s);
    bob.sendObject(Protocol::chat(u"welcome back"_s));
    QTRY_VERIFY(m_messages.contains(u"welcome back"_s));
}

void TestChatClientFailover::goesRoundTheList()
{
    QVERIFY(startCluster());
    const QList<ServerEndpoint> servers { local(m_first->port()), local(m_second->port()) };
    ChatClient alice;
    watch(alice);
    alice.setReconnectDelays(300, 600);
    QSignalSpy joined(&alice, &ChatClient::joined);
    QSignalSpy scheduled(&alice, &ChatClient::reconnectScheduled);
    alice.connectToServer(servers, u"Alice"_s);
    QVERIFY(joined.wait(10000));

    m_first->kill();
    QVERIFY(scheduled.wait(5000));
    // While it waits, it names the server it will try: the next, not the lost one.
    QCOMPARE(alice.status(), ChatClient::Status::Reconnecting);
    QCOMPARE(alice.server(), servers.at(1));
    QVERIFY(joined.wait(10000));
    QCOMPARE(alice.server(), servers.at(1));

    // The first comes back on its port; losing the second goes round to it.
    m_first = std::make_unique<ServerProcess>(QStringList {
        u"--database"_s, m_database, u"--port"_s, QString::number(servers.at(0).port) });
    QVERIFY2(m_first->start(), qPrintable(m_first->output()));
    m_second->kill();
    QVERIFY(joined.wait(10000));
    QCOMPARE(alice.server(), servers.at(0));
    QCOMPARE(m_tried, QList<ServerEndpoint>({ servers.at(0), servers.at(1), servers.at(0) }));
    QCOMPARE(scheduled.size(), 2); // one back-off per drop, none per server tried
}

void TestChatClientFailover::connectTimeoutIsParsedInSeconds_data()
{
    QTest::addColumn<QString>("seconds");
    QTest::addColumn<int>("ms"); // -1: refused
    QTest::newRow("the least") << u"0.1"_s << 100;
    QTest::newRow("a fraction") << u"2.5"_s << 2500;
    QTest::newRow("an hour") << u"3600"_s << 3600000;
    QTest::newRow("an exponent") << u"1e3"_s << 1000000;
    QTest::newRow("too short") << u"0.05"_s << -1;
    QTest::newRow("zero") << u"0"_s << -1;
    QTest::newRow("negative") << u"-1"_s << -1;
    QTest::newRow("over an hour") << u"3600.5"_s << -1;
    QTest::newRow("not a number") << u"nan"_s << -1;
    QTest::newRow("infinite") << u"inf"_s << -1;
    QTest::newRow("a word") << u"soon"_s << -1;
    QTest::newRow("empty") << QString() << -1;
}

void TestChatClientFailover::connectTimeoutIsParsedInSeconds()
{
    QFETCH(QString, seconds);
    QFETCH(int, ms);
    int parsed = -1;
    QString error;
    QCOMPARE(ChatClient::parseConnectTimeout(seconds, &parsed, &error), ms >= 0);
    QCOMPARE(parsed, ms);
    QCOMPARE(error.isEmpty(), ms >= 0);
    if (ms < 0)
        QVERIFY2(error.contains(u"(0.1 to 3600 seconds)"_s), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestChatClientFailover)
#include "tst_chatclientfailover.moc"
