// SPDX-License-Identifier: MIT
// Several pynet-server processes on one throwaway PostgreSQL database, relaying
// to each other through a throwaway redis-server: chat and rooms across nodes,
// Redis stopped and restarted while people chat, a node killed, a node started
// late.
#include "postgrescluster.h"
#include "protocol.h"
#include "rawclient.h"
#include "redisserver.h"
#include "serverprocess.h"
#include "servertest.h"
#include "wire.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <memory>

using namespace ServerTest;

namespace {

// The next announcement of a moderation action, skipping others.
QJsonObject announced(RawClient &client, const QString &action)
{
    return waitForMatch(client, Wire::Moderated::Type, QStringLiteral("action"), action);
}

// Accounts without the cost of real password hashing.
QStringList quickHash()
{
    return { QStringLiteral("--hash-memory-kib"), QStringLiteral("64"),
             QStringLiteral("--hash-passes"), QStringLiteral("1") };
}

} // namespace

class TestServerCluster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void chatCrossesNodes();
    void roomsAndTopicsCrossNodes();
    void nodesServeTheirOwnWhileRedisIsStopped();
    void nodesCatchUpAfterRedisRestarts();
    void aGapLargerThanTheHistoryIsFilledWhole();
    void aNodeStartedLateHasTheHistory();
    void clientsOfAKilledNodeCatchUpOnAnother();
    void threeNodesAndOneKilledWhilePeopleChat();
    void presenceCrossesNodes();
    void namesAreUniqueAcrossNodes();
    void aNameGivenTwiceInAPartitionStaysWithTheFirst();
    void privateMessagesCrossNodes();
    void storedConversationsCrossNodes();
    void aRosterSaysWhoHasAnAccount();
    void aDeadNodesUsersLeave();
    void moderationCrossesNodes();
    void moderationWhileRedisIsAwayArrivesAfter();
    void aBanWhileRedisIsAwayRemovesTheMemberAfter();
    void clusterNeedsPostgres();

private:
    std::unique_ptr<ServerProcess> startNode(const QStringList &extra = {});
    // A password join that registers the name on first use.
    static bool logIn(RawClient &client, quint16 port, const QString &name);
    // Enters room until its answer names owner (another server's rules may
    // not be there yet), leaving between tries.
    static bool enterOwnedBy(RawClient &client, const QString &room, const QString &owner);
    // Alice on a owns #dev, Bob on b enters it (and leaves again unless
    // bobStays), then Redis goes, Alice bans Bob ("spam") and Redis comes
    // back: the ban reaches b only through the database.
    bool banWhileRedisIsGone(ServerProcess &a, ServerProcess &b, RawClient &alice, RawClient &bob,
                             bool bobStays);
    // Writes privately to the account named to until one arrives stored
    // (with a privateId): till then its server may not know to has an account.
    static QJsonObject storedWhisper(RawClient &from, RawClient &to, const QString &toName);
    // The "message" texts that arrive within timeoutMs, until count have.
    static QStringList texts(RawClient &client, int count, int timeoutMs = 10000);
    // No message arrives before the answer to a ping: nothing came twice.
    static bool nothingMore(RawClient &client);
    // The texts of the messages among objects.
    static QStringList textsIn(const QList<QJsonObject> &objects);

    PostgresCluster m_postgres;
    RedisServer m_redis;
    QString m_database;
    int m_databases = 0;
};

void TestServerCluster::initTestCase()
{
    QString error;
    QVERIFY2(m_postgres.start(&error), qPrintable(error));
    QVERIFY2(m_redis.start(&error), qPrintable(error));
}

void TestServerCluster::init()
{
    // A database per test: every test starts with no rooms and no messages.
    const QString name = QStringLiteral("cluster%1").arg(++m_databases);
    QString error;
    QVERIFY2(m_postgres.createDatabase(name, &error), qPrintable(error));
    m_database = m_postgres.url(name);
}

void TestServerCluster::cleanup()
{
    m_redis.resume(); // after a test that failed with Redis stopped
}

std::unique_ptr<ServerProcess> TestServerCluster::startNode(const QStringList &extra)
{
    auto server = std::make_unique<ServerProcess>(
        QStringList { QStringLiteral("--database"), m_database, QStringLiteral("--cluster"),
                      m_redis.url(), QStringLiteral("--cluster-timeout"), QStringLiteral("0.6"),
                      QStringLiteral("--rate"), QStringLiteral("1000"), QStringLiteral("--burst"),
                      QStringLiteral("1000") }
        + extra);
    if (!server->start() || !server->waitForOutput(QStringLiteral("joined: channel"))) {
        qWarning().noquote() << server->output();
        return nullptr;
    }
    return server;
}

bool TestServerCluster::logIn(RawClient &client, quint16 port, const QString &name)
{
    if (!client.connectTo(port))
        return false;
    client.sendObject(Protocol::passwordJoin(name, QStringLiteral("correct horse battery"), true));
    return !client.waitFor(Wire::Welcome::Type).isEmpty();
}

bool TestServerCluster::enterOwnedBy(RawClient &client, const QString &room, const QString &owner)
{
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        if (stringOf(enter(client, room), "owner") == owner)
            return true;
        client.sendObject(Wire::Leave { room }.toJson());
        barrier(client); // one try a round trip
    }
    return false;
}

QJsonObject TestServerCluster::storedWhisper(RawClient &from, RawClient &to, const QString &toName)
{
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        from.sendObject(Protocol::privateMessage(toName, QStringLiteral("kept")));
        const QJsonObject whisper = to.waitFor(ChatMessage::Type, 1000);
        if (whisper.value(QStringLiteral("privateId")).toInteger() > 0)
            return whisper;
    }
    return {};
}

QStringList TestServerCluster::texts(RawClient &client, int count, int timeoutMs)
{
    QStringList seen;
    while (seen.size() < count) {
        const QJsonObject message = client.waitFor(ChatMessage::Type, timeoutMs);
        if (message.isEmpty())
            break;
        seen.append(stringOf(message, "data"));
    }
    return seen;
}

bool TestServerCluster::nothingMore(RawClient &client)
{
    QList<QJsonObject> before;
    return barrier(client, &before) && ofType(before, ChatMessage::Type).isEmpty();
}

QStringList TestServerCluster::textsIn(const QList<QJsonObject> &objects)
{
    QStringList texts;
    for (const QJsonObject &message : ofType(objects, ChatMessage::Type))
        texts.append(stringOf(message, "data"));
    return texts;
}

void TestServerCluster::chatCrossesNodes()
{
    auto a = startNode();
    auto b = startNode();
    QVERIFY(a && b);
    RawClient alice;
    RawClient bob;
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(b->port(), QStringLiteral("Bob")));

    alice.sendObject(Protocol::chat(QStringLiteral("hello from a")));
    const QJsonObject atBob = waitForMatch(bob, ChatMessage::Type, QStringLiteral("data"),
                                           QStringLiteral("hello from a"));
    QVERIFY2(!atBob.isEmpty(), qPrintable(b->output()));
    QCOMPARE(stringOf(atBob, "from"), QStringLiteral("Alice"));
    QCOMPARE(stringOf(atBob, "room"), QStringLiteral("#general"));

    bob.sendObject(Protocol::chat(QStringLiteral("hello from b")));
    const QJsonObject atAlice = waitForMatch(alice, ChatMessage::Type, QStringLiteral("data"),
                                             QStringLiteral("hello from b"));
    QVERIFY(!atAlice.isEmpty());
    // One order everywhere: the ids come from the one database.
    QVERIFY(atAlice.value(QStringLiteral("id")).toInteger()
            > atBob.value(QStringLiteral("id")).toInteger());

    // Many at once from both sides: each arrives once, in each sender's order.
    for (int i = 0; i < 50; ++i) {
        alice.sendObject(Protocol::chat(QStringLiteral("a%1").arg(i)));
        bob.sendObject(Protocol::chat(QStringLiteral("b%1").arg(i)));
        if (i % 10 == 9)
            QTest::qWait(0); // let the sockets write
    }
    QStringList expectedAtBob;
    QStringList expectedAtAlice;
    for (int i = 0; i < 50; ++i) {
        expectedAtBob.append(QStringLiteral("a%1").arg(i));
        expectedAtAlice.append(QStringLiteral("b%1").arg(i));
    }
    QCOMPARE(texts(bob, 50), expectedAtBob);
    QCOMPARE(texts(alice, 50), expectedAtAlice);
    QVERIFY(nothingMore(bob));
}

void TestServerCluster::roomsAndTopicsCrossNodes()
{
    auto a = startNode();
    auto b = startNode();
    QVERIFY(a && b);
    RawClient alice;
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    alice.sendObject(Protocol::enter(QStringLiteral("#ops")));
    QVERIFY(
        !waitForMatch(alice, Wire::RoomState::Type, QStringLiteral("room"), QStringLiteral("#ops"))
             .isEmpty());
    alice.sendObject(
        Wire::Topic { QStringLiteral("#ops"), QStringLiteral("deploys"), {}, {} }.toJson());
    QVERIFY(
        !waitForMatch(alice, Wire::Topic::Type, QStringLiteral("data"), QStringLiteral("deploys"))
             .isEmpty());
    alice.sendObject(Protocol::roomChat(QStringLiteral("#ops"), QStringLiteral("said first")));
    QVERIFY(barrier(alice));

    // B made no room #ops and saw nobody enter: it knows the room, its topic
    // and what was said there from A.
    RawClient bob;
    QVERIFY(bob.joinAs(b->port(), QStringLiteral("Bob")));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&bob] {
            bob.sendObject(Protocol::enter(QStringLiteral("#ops")));
            const QJsonObject state = waitForMatch(bob, Wire::RoomState::Type,
                                                   QStringLiteral("room"), QStringLiteral("#ops"));
            const QJsonArray history = state.value(QStringLiteral("history")).toArray();
            return stringOf(state, "topic") == QStringLiteral("deploys") && !history.isEmpty()
                && history.last().toObject().value(QStringLiteral("data"))
                == QStringLiteral("said first");
        }(),
        10000);
    alice.sendObject(Protocol::roomChat(QStringLiteral("#ops"), QStringLiteral("said second")));
    const QJsonObject second =
        waitForMatch(bob, ChatMessage::Type, QStringLiteral("data"), QStringLiteral("said second"));
    QCOMPARE(stringOf(second, "room"), QStringLiteral("#ops"));
}

void TestServerCluster::nodesServeTheirOwnWhileRedisIsStopped()
{
    auto a = startNode();
    auto b = startNode();
    QVERIFY(a && b);
    RawClient alice;
    RawClient carol; // on Alice's node
    RawClient bob;
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    QVERIFY(carol.joinAs(a->port(), QStringLiteral("Carol")));
    QVERIFY(bob.joinAs(b->port(), QStringLiteral("Bob")));
    alice.sendObject(Protocol::chat(QStringLiteral("before")));
    QCOMPARE(texts(bob, 1), QStringList { QStringLiteral("before") });
    QCOMPARE(texts(carol, 1), QStringList { QStringLiteral("before") });

    m_redis.pause();
    const QStringList during { QStringLiteral("one"), QStringLiteral("two"),
                               QStringLiteral("three") };
    for (const QString &text : during)
        alice.sendObject(Protocol::chat(text));
    QCOMPARE(texts(carol, 3), during); // her node serves her without Redis
    QVERIFY(a->waitForOutput(QStringLiteral("lost"))); // the link noticed the silence
    m_redis.resume();

    // Bob gets each once, in order, from the database or from Redis.
    QCOMPARE(texts(bob, 3), during);
    bob.sendObject(Protocol::chat(QStringLiteral("after")));
    QCOMPARE(texts(alice, 1), QStringList { QStringLiteral("after") });
    QVERIFY(nothingMore(bob));
}

void TestServerCluster::nodesCatchUpAfterRedisRestarts()
{
    auto a = startNode();
    auto b = startNode();
    QVERIFY(a && b);
    RawClient alice;
    RawClient bob;
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(b->port(), QStringLiteral("Bob")));

    m_redis.kill();
    QVERIFY(a->waitForOutput(QStringLiteral("lost")));
    QVERIFY(b->waitForOutput(QStringLiteral("lost")));
    alice.sendObject(Protocol::chat(QStringLiteral("while redis was away")));
    bob.sendObject(Protocol::chat(QStringLiteral("me too")));
    // Whoever commits second sees the other's message before its own, in the
    // database, without Redis: the barrier may take it.
    QList<QJsonObject> early;
    QVERIFY(barrier(alice, &early));
    QStringList atAlice = textsIn(early);
    early.clear();
    QVERIFY(barrier(bob, &early));
    QStringList atBob = textsIn(early);
    QVERIFY(atAlice.size() + atBob.size() <= 1);
    QString error;
    QVERIFY2(m_redis.start(&error), qPrintable(error));

    // Neither says anything more: the reconnection itself brings what was missed.
    atBob += texts(bob, 1 - int(atBob.size()));
    atAlice += texts(alice, 1 - int(atAlice.size()));
    QCOMPARE(atBob, QStringList { QStringLiteral("while redis was away") });
    QCOMPARE(atAlice, QStringList { QStringLiteral("me too") });
    QVERIFY(nothingMore(alice)); // once each
    QVERIFY(nothingMore(bob));
}

// A server whose own message commits after others it has not heard of yet
// reads every one of them from the database, however many: the events for
// them, still on their way, are then dropped as delivered.
void TestServerCluster::aGapLargerThanTheHistoryIsFilledWhole()
{
    const QStringList args { QStringLiteral("--history"), QStringLiteral("2"),
                             QStringLiteral("--cluster-timeout"), QStringLiteral("60") };
    auto a = startNode(args);
    auto b = startNode(args);
    QVERIFY(a && b);
    RawClient alice;
    RawClient bob;
    RawClient carol; // on Bob's node, listening
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(b->port(), QStringLiteral("Bob")));
    QVERIFY(carol.joinAs(b->port(), QStringLiteral("Carol")));

    m_redis.pause(); // silent, not closed: the link waits for it (60 s)
    QStringList expected;
    for (int i = 1; i <= 5; ++i) {
        expected.append(QStringLiteral("held %1").arg(i));
        alice.sendObject(Protocol::chat(expected.constLast()));
    }
    QVERIFY(barrier(alice)); // stored
    bob.sendObject(Protocol::chat(QStringLiteral("after them")));
    expected.append(QStringLiteral("after them"));
    QVERIFY(barrier(bob));
    m_redis.resume();

    QCOMPARE(texts(carol, 6), expected);
    QVERIFY(nothingMore(carol)); // Alice's events came late: dropped
}

void TestServerCluster::aNodeStartedLateHasTheHistory()
{
    auto a = startNode();
    QVERIFY(a);
    RawClient alice;
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    alice.sendObject(Protocol::chat(QStringLiteral("early")));
    QVERIFY(barrier(alice));

    auto b = startNode();
    QVERIFY(b);
    RawClient bob;
    QVERIFY(bob.connectTo(b->port()));
    bob.sendObject(Protocol::richJoin(QStringLiteral("Bob"), QStringLiteral("test"), 0, {}));
    const QJsonObject welcome = bob.waitFor(Wire::Welcome::Type);
    const QJsonArray history = welcome.value(QStringLiteral("history")).toArray();
    QVERIFY(!history.isEmpty());
    QCOMPARE(history.last().toObject().value(QStringLiteral("data")).toString(),
             QStringLiteral("early"));
    alice.sendObject(Protocol::chat(QStringLiteral("late")));
    QCOMPARE(texts(bob, 1), QStringList { QStringLiteral("late") });
}

void TestServerCluster::clientsOfAKilledNodeCatchUpOnAnother()
{
    auto a = startNode();
    auto b = startNode();
    QVERIFY(a && b);
    RawClient alice;
    RawClient bob;
    QVERIFY(alice.connectTo(a->port()));
    alice.sendObject(Protocol::richJoin(QStringLiteral("Alice"), QStringLiteral("test"), 0, {}));
    const QJsonObject welcome = alice.waitFor(Wire::Welcome::Type);
    const QString run = stringOf(welcome, "run");
    const QString session = stringOf(welcome, "session");
    QVERIFY(bob.joinAs(b->port(), QStringLiteral("Bob")));
    bob.sendObject(Protocol::chat(QStringLiteral("seen on a")));
    const QJsonObject seen =
        waitForMatch(alice, ChatMessage::Type, QStringLiteral("data"), QStringLiteral("seen on a"));
    QVERIFY(!seen.isEmpty());

    a->kill(); // kill -9: Alice's connection ends without a goodbye
    QVERIFY(alice.waitForClosed());
    bob.sendObject(Protocol::chat(QStringLiteral("missed one")));
    bob.sendObject(Protocol::chat(QStringLiteral("missed two")));
    QVERIFY(barrier(bob));

    // Alice reconnects to B with what she had from A: her resume token, and
    // the last id she saw, in the same run. B still lists her on A, which has
    // not been silent long enough; the token shows it is her.
    RawClient again;
    QVERIFY(again.connectTo(b->port()));
    again.sendObject(Protocol::richJoin(QStringLiteral("Alice"), QStringLiteral("test"),
                                        seen.value(QStringLiteral("id")).toInteger(), session,
                                        run));
    const QJsonObject resumed = again.waitFor(Wire::Welcome::Type);
    QCOMPARE(stringOf(resumed, "run"), run);
    QStringList caughtUp;
    for (const QJsonValue &message : resumed.value(QStringLiteral("history")).toArray())
        caughtUp.append(message.toObject().value(QStringLiteral("data")).toString());
    QCOMPARE(caughtUp,
             (QStringList { QStringLiteral("missed one"), QStringLiteral("missed two") }));
    QCOMPARE(resumed.value(QStringLiteral("missed")).toInteger(), 0);
}

// The server in the middle of three is killed while people chat: its client
// resumes on another and has every message once, in order, as has everyone else.
void TestServerCluster::threeNodesAndOneKilledWhilePeopleChat()
{
    auto a = startNode();
    auto b = startNode();
    auto c = startNode();
    QVERIFY(a && b && c);
    RawClient alice;
    RawClient bob;
    RawClient carol;
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    QVERIFY(bob.connectTo(b->port()));
    bob.sendObject(Protocol::richJoin(QStringLiteral("Bob"), QStringLiteral("test"), 0, {}));
    const QJsonObject welcome = bob.waitFor(Wire::Welcome::Type);
    QVERIFY(carol.joinAs(c->port(), QStringLiteral("Carol")));
    // Everyone sees everyone: every server has heard of the others.
    QVERIFY(
        !waitForMatch(bob, Wire::Presence::Type, QStringLiteral("name"), QStringLiteral("Carol"))
             .isEmpty());
    QVERIFY(
        !waitForMatch(alice, Wire::Presence::Type, QStringLiteral("name"), QStringLiteral("Carol"))
             .isEmpty());

    QStringList sent;
    const auto say = [&](const QString &text) {
        carol.sendObject(Protocol::chat(text));
        sent.append(text);
    };
    for (int i = 0; i < 5; ++i)
        say(QStringLiteral("before %1").arg(i));
    QStringList atBob;
    qint64 lastAtBob = 0;
    while (atBob.size() < 5) {
        const QJsonObject message = bob.waitFor(ChatMessage::Type);
        QVERIFY(!message.isEmpty());
        atBob.append(stringOf(message, "data"));
        lastAtBob = message.value(QStringLiteral("id")).toInteger();
    }
    for (int i = 0; i < 5; ++i)
        say(QStringLiteral("during %1").arg(i));
    b->kill();
    for (int i = 5; i < 10; ++i)
        say(QStringLiteral("during %1").arg(i));
    QVERIFY(bob.waitForClosed());
    for (const QJsonObject &message : ofType(bob.received(), ChatMessage::Type)) {
        atBob.append(stringOf(message, "data"));
        lastAtBob = message.value(QStringLiteral("id")).toInteger();
    }

    RawClient again;
    QVERIFY(again.connectTo(c->port()));
    again.sendObject(Protocol::richJoin(QStringLiteral("Bob"), QStringLiteral("test"), lastAtBob,
                                        stringOf(welcome, "session"), stringOf(welcome, "run")));
    const QJsonObject resumed = again.waitFor(Wire::Welcome::Type);
    QVERIFY(!resumed.isEmpty());
    QCOMPARE(resumed.value(QStringLiteral("missed")).toInteger(), 0);
    for (const QJsonValue &message : resumed.value(QStringLiteral("history")).toArray())
        atBob.append(message.toObject().value(QStringLiteral("data")).toString());
    say(QStringLiteral("after"));
    // What was not committed when it joined follows live.
    while (atBob.isEmpty() || atBob.constLast() != sent.constLast()) {
        const QStringList next = texts(again, 1);
        QVERIFY2(!next.isEmpty(), qPrintable(atBob.join(QLatin1Char(','))));
        atBob += next;
    }
    QCOMPARE(atBob, sent);
    QCOMPARE(texts(alice, int(sent.size())), sent);
    QVERIFY(nothingMore(alice));
    QVERIFY(nothingMore(again));
}

void TestServerCluster::presenceCrossesNodes()
{
    auto a = startNode();
    auto b = startNode();
    QVERIFY(a && b);
    RawClient alice;
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    // B hears of Alice from A's roster or her enter, a moment after it started.
    RawClient carol;
    QVERIFY(carol.joinAs(b->port(), QStringLiteral("Carol")));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&carol] {
            carol.sendObject(Protocol::usersRequest());
            const QJsonObject users = carol.waitFor(Wire::Users::Type);
            return users.value(QStringLiteral("users")).toArray().contains(QStringLiteral("Alice"));
        }(),
        10000);
    RawClient bob;
    QVERIFY(bob.connectTo(b->port()));
    bob.sendObject(Protocol::richJoin(QStringLiteral("Bob"), QStringLiteral("test"), 0, {}));
    const QJsonObject welcome = bob.waitFor(Wire::Welcome::Type);
    QCOMPARE(
        welcome.value(QStringLiteral("users")).toArray(),
        (QJsonArray { QStringLiteral("Alice"), QStringLiteral("Bob"), QStringLiteral("Carol") }));
    QVERIFY(
        !waitForMatch(alice, Wire::Presence::Type, QStringLiteral("name"), QStringLiteral("Bob"))
             .isEmpty());

    bob.sendObject(Protocol::enter(QStringLiteral("#ops")));
    QVERIFY(
        !waitForMatch(bob, Wire::RoomState::Type, QStringLiteral("room"), QStringLiteral("#ops"))
             .isEmpty());
    // Entering again is a fresh look at the room, until A has heard of Bob's enter.
    QTRY_COMPARE_WITH_TIMEOUT(
        [&alice] {
            alice.sendObject(Protocol::enter(QStringLiteral("#ops")));
            return waitForMatch(alice, Wire::RoomState::Type, QStringLiteral("room"),
                                QStringLiteral("#ops"))
                .value(QStringLiteral("users"))
                .toArray();
        }(),
        (QJsonArray { QStringLiteral("Alice"), QStringLiteral("Bob") }), 10000);

    bob.socket().disconnectFromHost();
    const QJsonObject left =
        waitForMatch(alice, Wire::Presence::Type, QStringLiteral("event"), QStringLiteral("leave"));
    QCOMPARE(stringOf(left, "name"), QStringLiteral("Bob"));
}

void TestServerCluster::namesAreUniqueAcrossNodes()
{
    auto a = startNode();
    auto b = startNode();
    QVERIFY(a && b);
    RawClient alice;
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&b] {
            RawClient impostor;
            if (!impostor.connectTo(b->port()))
                return false;
            impostor.sendObject(
                Protocol::richJoin(QStringLiteral("alice"), QStringLiteral("test"), 0, {}));
            const QJsonObject answer = impostor.waitFor({});
            return stringOf(answer, "type") == Wire::Error::Type
                && stringOf(answer, "code") == Protocol::Code::NameTaken;
        }(),
        10000);
    // A seed client, which knows nothing of the cluster, is told too.
    RawClient seed;
    QVERIFY(seed.connectTo(b->port()));
    seed.sendObject(Protocol::join(QStringLiteral("ALICE")));
    const QJsonObject refused = seed.waitFor({});
    QVERIFY2(stringOf(refused, "data").contains(QStringLiteral("already in use")),
             QJsonDocument(refused).toJson().constData());
}

// While Redis is stopped neither server hears of the other's guests, so both
// give out one name; once they hear again, the earlier join keeps it on both.
void TestServerCluster::aNameGivenTwiceInAPartitionStaysWithTheFirst()
{
    auto a = startNode();
    auto b = startNode();
    QVERIFY(a && b);
    m_redis.pause();
    QVERIFY(a->waitForOutput(QStringLiteral("lost")));
    QVERIFY(b->waitForOutput(QStringLiteral("lost")));
    RawClient first;
    RawClient second;
    QVERIFY(first.joinAs(a->port(), QStringLiteral("Dup")));
    QVERIFY(second.joinAs(b->port(), QStringLiteral("dup")));
    m_redis.resume();

    const QJsonObject refused = second.waitFor(Wire::Error::Type, 10000);
    QCOMPARE(stringOf(refused, "code"), Protocol::Code::NameTaken);
    QVERIFY2(stringOf(refused, "data").contains(QStringLiteral("another server")),
             QJsonDocument(refused).toJson().constData());
    QVERIFY(second.waitForClosed());
    QList<QJsonObject> toFirst;
    QVERIFY(barrier(first, &toFirst));
    QVERIFY(ofType(toFirst, Wire::Error::Type).isEmpty());

    // The name is Dup's on both servers now.
    RawClient onB;
    QVERIFY(onB.joinAs(b->port(), QStringLiteral("Watcher")));
    first.sendObject(Protocol::chat(QStringLiteral("still mine")));
    QCOMPARE(texts(onB, 1), QStringList { QStringLiteral("still mine") });
    RawClient again;
    QVERIFY(again.connectTo(b->port()));
    again.sendObject(Protocol::join(QStringLiteral("dup")));
    QVERIFY(stringOf(again.waitFor({}), "data").contains(QStringLiteral("already in use")));
}

void TestServerCluster::privateMessagesCrossNodes()
{
    auto a = startNode();
    auto b = startNode();
    QVERIFY(a && b);
    RawClient alice;
    RawClient bob;
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(b->port(), QStringLiteral("Bob")));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&alice] {
            alice.sendObject(
                Protocol::privateMessage(QStringLiteral("bob"), QStringLiteral("psst")));
            QList<QJsonObject> answers;
            return barrier(alice, &answers) && ofType(answers, Wire::Error::Type).isEmpty();
        }(),
        10000);
    const QJsonObject whisper = bob.waitFor(ChatMessage::Type);
    QCOMPARE(stringOf(whisper, "from"), QStringLiteral("Alice"));
    QCOMPARE(stringOf(whisper, "to"), QStringLiteral("Bob"));
    QCOMPARE(stringOf(whisper, "data"), QStringLiteral("psst"));

    alice.sendObject(Protocol::privateMessage(QStringLiteral("nobody"), QStringLiteral("hi")));
    QCOMPARE(stringOf(alice.waitFor(Wire::Error::Type), "code"), Protocol::Code::NoSuchUser);
}

void TestServerCluster::storedConversationsCrossNodes()
{
    auto a = startNode(quickHash());
    auto b = startNode(quickHash());
    QVERIFY(a && b);
    RawClient alice;
    RawClient bob;
    QVERIFY(logIn(alice, a->port(), QStringLiteral("alice")));
    QVERIFY(logIn(bob, b->port(), QStringLiteral("bob")));

    // Once A knows Bob is an account on B, the message is stored, then sent there.
    const QJsonObject whisper = storedWhisper(alice, bob, QStringLiteral("bob"));
    QCOMPARE(stringOf(whisper, "from"), QStringLiteral("alice"));
    QCOMPARE(stringOf(whisper, "data"), QStringLiteral("kept"));

    // Bob reads it back on his node, from the shared database.
    bob.sendObject(QJsonObject { { QStringLiteral("type"), QStringLiteral("conversation") },
                                 { QStringLiteral("with"), QStringLiteral("alice") } });
    const QJsonObject page = bob.waitFor(QStringLiteral("conversation"));
    const QJsonArray history = page.value(QStringLiteral("history")).toArray();
    QVERIFY(!history.isEmpty());
    QCOMPARE(history.last().toObject().value(QStringLiteral("data")).toString(),
             QStringLiteral("kept"));
}

// A server started after alice logged in learns of her from a roster, which
// says she has an account: what bob writes her there is stored too.
void TestServerCluster::aRosterSaysWhoHasAnAccount()
{
    auto a = startNode(quickHash());
    QVERIFY(a);
    RawClient alice;
    QVERIFY(logIn(alice, a->port(), QStringLiteral("alice")));
    auto b = startNode(quickHash());
    QVERIFY(b);
    RawClient bob;
    QVERIFY(logIn(bob, b->port(), QStringLiteral("bob")));
    QCOMPARE(stringOf(storedWhisper(bob, alice, QStringLiteral("alice")), "data"),
             QStringLiteral("kept"));
}

void TestServerCluster::aDeadNodesUsersLeave()
{
    const QStringList quick { QStringLiteral("--cluster-presence-timeout"), QStringLiteral("1") };
    auto a = startNode(quick);
    auto b = startNode(quick);
    QVERIFY(a && b);
    RawClient alice;
    RawClient bob;
    QVERIFY(alice.joinAs(a->port(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(b->port(), QStringLiteral("Bob")));
    QVERIFY(
        !waitForMatch(alice, Wire::Presence::Type, QStringLiteral("name"), QStringLiteral("Bob"))
             .isEmpty());
    b->kill(); // no goodbye: A only notices the silence
    const QJsonObject left = waitForMatch(alice, Wire::Presence::Type, QStringLiteral("event"),
                                          QStringLiteral("leave"), 5000);
    QCOMPARE(stringOf(left, "name"), QStringLiteral("Bob"));
    QVERIFY(a->waitForOutput(QStringLiteral("its users are gone")));
    // The name is free again.
    RawClient again;
    QVERIFY(again.joinAs(a->port(), QStringLiteral("Bob")));
}

void TestServerCluster::moderationCrossesNodes()
{
    auto a = startNode(quickHash());
    auto b = startNode(quickHash());
    QVERIFY(a && b);
    const QString dev = QStringLiteral("#dev");
    RawClient alice, bob, carol;
    QVERIFY(logIn(alice, a->port(), QStringLiteral("alice")));
    QCOMPARE(stringOf(enter(alice, dev), "owner"), QStringLiteral("alice"));
    QVERIFY(logIn(bob, b->port(), QStringLiteral("bob")));
    QVERIFY(carol.joinAs(b->port(), QStringLiteral("carol")));

    // B knows who owns the room A made, even if bob got there first.
    QVERIFY(enterOwnedBy(bob, dev, QStringLiteral("alice")));
    QCOMPARE(stringOf(enter(carol, dev), "type"), QStringLiteral("room"));
    QVERIFY(
        !waitForMatch(alice, Wire::Presence::Type, QStringLiteral("name"), QStringLiteral("carol"))
             .isEmpty());

    // A mute made on A silences bob on B.
    alice.sendObject(moderate(dev, Protocol::Moderation::Mute, QStringLiteral("bob")));
    QCOMPARE(stringOf(announced(bob, QStringLiteral("mute")), "by"), QStringLiteral("alice"));
    bob.sendObject(Protocol::roomChat(dev, QStringLiteral("hello?")));
    QCOMPARE(stringOf(bob.waitFor(Wire::Error::Type), "code"), Protocol::Code::Muted);

    // A guest on B is kicked from A: out on B, and A sees it leave.
    alice.sendObject(
        moderate(dev, Protocol::Moderation::Kick, QStringLiteral("carol"), QStringLiteral("spam")));
    QCOMPARE(stringOf(announced(carol, QStringLiteral("kick")), "data"),
             QStringLiteral("alice kicked carol from #dev (spam)."));
    QCOMPARE(stringOf(carol.waitFor(QStringLiteral("leave")), "room"), dev);
    const QJsonObject left =
        waitForMatch(alice, Wire::Presence::Type, QStringLiteral("event"), QStringLiteral("leave"));
    QCOMPARE(stringOf(left, "name"), QStringLiteral("carol"));
    QCOMPARE(stringOf(left, "room"), dev);
    carol.sendObject(Protocol::roomChat(dev, QStringLiteral("still here?")));
    QCOMPARE(stringOf(carol.waitFor(Wire::Error::Type), "code"), Protocol::Code::NotInRoom);

    // A ban made on A takes bob out on B and keeps him out there.
    QCOMPARE(stringOf(enter(carol, dev), "type"), QStringLiteral("room"));
    alice.sendObject(moderate(dev, Protocol::Moderation::Ban, QStringLiteral("bob")));
    QCOMPARE(stringOf(announced(carol, QStringLiteral("ban")), "target"), QStringLiteral("bob"));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("leave")), "room"), dev);
    QCOMPARE(stringOf(enter(bob, dev), "code"), Protocol::Code::Banned);

    // The owner on B moderates there as on A.
    RawClient alsoAlice;
    QVERIFY(logIn(alsoAlice, b->port(), QStringLiteral("alice"))); // takes her name over
    QCOMPARE(stringOf(enter(alsoAlice, dev), "owner"), QStringLiteral("alice"));
    alsoAlice.sendObject(moderate(dev, Protocol::Moderation::Unban, QStringLiteral("bob")));
    QCOMPARE(stringOf(announced(alsoAlice, QStringLiteral("unban")), "target"),
             QStringLiteral("bob"));
    QCOMPARE(stringOf(enter(bob, dev), "type"), QStringLiteral("room"));
}

// A server reads the rules again when its link comes back, and when another's
// does: what was said while Redis was away is in the database.
bool TestServerCluster::banWhileRedisIsGone(ServerProcess &a, ServerProcess &b, RawClient &alice,
                                            RawClient &bob, bool bobStays)
{
    const QString dev = QStringLiteral("#dev");
    if (!logIn(alice, a.port(), QStringLiteral("alice")) || enter(alice, dev).isEmpty()
        || !logIn(bob, b.port(), QStringLiteral("bob"))
        || !enterOwnedBy(bob, dev, QStringLiteral("alice")))
        return false;
    if (!bobStays)
        bob.sendObject(Wire::Leave { dev }.toJson());
    m_redis.kill();
    if (!a.waitForOutput(QStringLiteral("lost")) || !b.waitForOutput(QStringLiteral("lost")))
        return false;
    alice.sendObject(
        moderate(dev, Protocol::Moderation::Ban, QStringLiteral("bob"), QStringLiteral("spam")));
    if (stringOf(announced(alice, QStringLiteral("ban")), "target") != QStringLiteral("bob"))
        return false;
    QString error;
    if (!m_redis.start(&error)) {
        qWarning("%s", qPrintable(error));
        return false;
    }
    return true;
}

void TestServerCluster::moderationWhileRedisIsAwayArrivesAfter()
{
    auto a = startNode(quickHash());
    auto b = startNode(quickHash());
    QVERIFY(a && b);
    const QString dev = QStringLiteral("#dev");
    RawClient alice, bob;
    QVERIFY(banWhileRedisIsGone(*a, *b, alice, bob, false));

    QDeadlineTimer deadline(10000);
    QJsonObject answer;
    while (!deadline.hasExpired()) {
        answer = enter(bob, dev);
        if (stringOf(answer, "code") == Protocol::Code::Banned)
            break;
        bob.sendObject(Wire::Leave { dev }.toJson());
        barrier(bob);
    }
    QCOMPARE(stringOf(answer, "code"), Protocol::Code::Banned);
}

void TestServerCluster::aBanWhileRedisIsAwayRemovesTheMemberAfter()
{
    auto a = startNode(quickHash());
    auto b = startNode(quickHash());
    QVERIFY(a && b);
    const QString dev = QStringLiteral("#dev");
    RawClient alice, bob;
    QVERIFY(banWhileRedisIsGone(*a, *b, alice, bob, true));

    // B reads the rules back once it is subscribed again, and Bob goes as if
    // he had been banned there.
    const QJsonObject ban = announced(bob, QStringLiteral("ban"));
    QCOMPARE(stringOf(ban, "room"), dev);
    QCOMPARE(stringOf(ban, "target"), QStringLiteral("bob"));
    QCOMPARE(stringOf(ban, "by"), QStringLiteral("alice"));
    QCOMPARE(stringOf(ban, "reason"), QStringLiteral("spam"));
    QCOMPARE(stringOf(waitForMatch(bob, Wire::Leave::Type, QStringLiteral("room"), dev), "room"),
             dev);
    QCOMPARE(stringOf(enter(bob, dev), "code"), Protocol::Code::Banned);
}

void TestServerCluster::clusterNeedsPostgres()
{
    ServerProcess server({ QStringLiteral("--cluster"), m_redis.url() });
    QVERIFY(!server.start(3000));
    QVERIFY2(server.output().contains(QStringLiteral("--cluster needs a postgresql://")),
             qPrintable(server.output()));
    ServerProcess badUrl({ QStringLiteral("--database"), m_database, QStringLiteral("--cluster"),
                           QStringLiteral("http://127.0.0.1:6379") });
    QVERIFY(!badUrl.start(3000));
    QVERIFY2(badUrl.output().contains(QStringLiteral("is not redis://HOST[:PORT]")),
             qPrintable(badUrl.output()));
}

QTEST_GUILESS_MAIN(TestServerCluster)
#include "tst_servercluster.moc"
