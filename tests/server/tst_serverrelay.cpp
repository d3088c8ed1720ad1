// SPDX-License-Identifier: MIT
#include "protocol.h"
#include "rawclient.h"
#include "serverfixture.h"
#include "servertest.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <memory>
#include <vector>

using namespace ServerTest;

// What the server relays, to whom, and in which shape: the room as its users see it.
class TestServerRelay : public ServerFixture
{
    Q_OBJECT

private Q_SLOTS:
    void chatReachesEveryoneButTheSender();
    void fromIsAlwaysTheJoinedName();
    void idsIncreaseAndTimeIsUtc();
    void actionIsRelayed();
    void presenceForRichAndSeedClients();
    void welcomeDescribesTheRoom();
    void welcomeNormalisesTheName();
    void welcomeFitsWhatAClientMayOwe();
    void seedWelcomeIsOneNotice();
    void seedWelcomeFitsOneRead();
    void seedClientGetsPlainMessages();
    void privateMessages();
    void usersRequest();
    void pingIsAnsweredWithTheSameId();
    void catchUp_data();
    void catchUp();
    void resumeTakesTheNameOver();
    void nameTakenWithoutToken_data();
    void nameTakenWithoutToken();
    void fiftyClientsEachMessageOnce();
    void joinDuringTrafficSeesEveryMessageOnce();
    void repliesNeverOvertakeWhatTheyAnswer();
    void largeRoomIsQuietAboutJoins();
};

void TestServerRelay::chatReachesEveryoneButTheSender()
{
    RawClient alice, bob, carol;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QVERIFY(carol.joinAs(serverPort(), QStringLiteral("Carol"), false));

    alice.sendObject(Protocol::chat(QStringLiteral("Hello World!")));
    for (RawClient *client : { &bob, &carol }) {
        const QJsonObject message = client->waitFor(QStringLiteral("message"));
        QCOMPARE(stringOf(message, "from"), QStringLiteral("Alice"));
        QCOMPARE(stringOf(message, "data"), QStringLiteral("Hello World!"));
    }
    QList<QJsonObject> before;
    QVERIFY(barrier(alice, &before));
    QVERIFY2(ofType(before, QStringLiteral("message")).isEmpty(), "the sender got its own message");
}

void TestServerRelay::fromIsAlwaysTheJoinedName()
{
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));

    alice.send(R"({"type":"chat","data":"I am Bob","from":"Bob"})");
    const QJsonObject message = bob.waitFor(QStringLiteral("message"));
    QCOMPARE(stringOf(message, "data"), QStringLiteral("I am Bob"));
    QCOMPARE(stringOf(message, "from"), QStringLiteral("Alice"));
}

void TestServerRelay::idsIncreaseAndTimeIsUtc()
{
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));

    static const QRegularExpression iso(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$"));
    qint64 lastId = 0;
    for (int i = 0; i < 6; ++i) {
        RawClient &from = i % 2 ? bob : alice;
        RawClient &to = i % 2 ? alice : bob;
        from.sendObject(Protocol::chat(QStringLiteral("number %1").arg(i)));
        const QJsonObject message = to.waitFor(QStringLiteral("message"));
        QCOMPARE(stringOf(message, "data"), QStringLiteral("number %1").arg(i));
        const qint64 id = message.value(QLatin1StringView("id")).toInteger();
        QVERIFY2(id > lastId, qPrintable(QStringLiteral("id %1 after %2").arg(id).arg(lastId)));
        lastId = id;
        const QString time = stringOf(message, "time");
        QVERIFY2(iso.match(time).hasMatch(), qPrintable(time));
        const QDateTime parsed = QDateTime::fromString(time, Qt::ISODateWithMs);
        QVERIFY(parsed.isValid());
        QCOMPARE(parsed.timeSpec(), Qt::UTC);
        QVERIFY(qAbs(parsed.msecsTo(QDateTime::currentDateTimeUtc())) < 60 * 1000);
    }
}

void TestServerRelay::actionIsRelayed()
{
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));

    alice.sendObject(Protocol::chat(QStringLiteral("waves"), true));
    const QJsonObject message = bob.waitFor(QStringLiteral("message"));
    QCOMPARE(stringOf(message, "data"), QStringLiteral("waves"));
    QCOMPARE(message.value(QLatin1StringView("action")).toBool(), true);
    alice.sendObject(Protocol::chat(QStringLiteral("plain")));
    QVERIFY(!bob.waitFor(QStringLiteral("message")).contains(QLatin1StringView("action")));
}

void TestServerRelay::presenceForRichAndSeedClients()
{
    RawClient rich, seed;
    QVERIFY(rich.joinAs(serverPort(), QStringLiteral("Rich")));
    QVERIFY(seed.joinAs(serverPort(), QStringLiteral("Seed"), false));
    QCOMPARE(stringOf(rich.waitFor(QStringLiteral("presence")), "name"), QStringLiteral("Seed"));

    {
        RawClient dave;
        QVERIFY(dave.joinAs(serverPort(), QStringLiteral("Dave")));
        QList<QJsonObject> before;
        QVERIFY(barrier(dave, &before));
        QVERIFY2(ofType(before, QStringLiteral("presence")).isEmpty(),
                 "the joiner was told about its own join");

        const QJsonObject joined = rich.waitFor(QStringLiteral("presence"));
        QCOMPARE(stringOf(joined, "event"), QStringLiteral("join"));
        QCOMPARE(stringOf(joined, "name"), QStringLiteral("Dave"));
        QCOMPARE(stringOf(joined, "data"), QStringLiteral("Dave joined the chat."));
        QVERIFY(QDateTime::fromString(stringOf(joined, "time"), Qt::ISODateWithMs).isValid());
        const QJsonObject seedJoined = seed.waitFor(QStringLiteral("notice"));
        QCOMPARE(seedJoined.size(), 2); // type and data only: what a seed client can show
        QCOMPARE(stringOf(seedJoined, "data"), QStringLiteral("Dave joined the chat."));
    }

    const QJsonObject left = rich.waitFor(QStringLiteral("presence"));
    QCOMPARE(stringOf(left, "event"), QStringLiteral("leave"));
    QCOMPARE(stringOf(left, "name"), QStringLiteral("Dave"));
    QCOMPARE(stringOf(left, "data"), QStringLiteral("Dave left the chat."));
    QCOMPARE(stringOf(seed.waitFor(QStringLiteral("notice")), "data"),
             QStringLiteral("Dave left the chat."));
    QVERIFY(seed.received().isEmpty());
}

void TestServerRelay::welcomeDescribesTheRoom()
{
    QVERIFY(startServer({ QStringLiteral("--name"), QStringLiteral("Test Room") }));
    RawClient bob, alice;
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("bob")));
    bob.sendObject(Protocol::chat(QStringLiteral("first")));
    bob.sendObject(Protocol::chat(QStringLiteral("second")));
    QVERIFY(barrier(bob));

    QVERIFY(alice.connectTo(serverPort()));
    alice.sendObject(Protocol::richJoin(QStringLiteral("Alice"), QStringLiteral("test"), 0, {}));
    const QJsonObject welcome = alice.waitFor(QStringLiteral("welcome"));
    QVERIFY(!welcome.isEmpty());
    QCOMPARE(welcome.value(QLatin1StringView("protocol")).toInt(), Protocol::Version);
    QCOMPARE(stringOf(welcome, "server"), QStringLiteral("Test Room"));
    QCOMPARE(stringOf(welcome, "version"), QStringLiteral(PYNET_VERSION));
    QCOMPARE(stringOf(welcome, "name"), QStringLiteral("Alice"));
    QVERIFY(stringOf(welcome, "session").size() >= 8);
    QCOMPARE(welcome.value(QLatin1StringView("users")).toArray(),
             QJsonArray({ QStringLiteral("Alice"), QStringLiteral("bob") }));
    const QJsonArray history = welcome.value(QLatin1StringView("history")).toArray();
    QCOMPARE(history.size(), 2);
    QCOMPARE(stringOf(history.at(0).toObject(), "data"), QStringLiteral("first"));
    QCOMPARE(stringOf(history.at(1).toObject(), "data"), QStringLiteral("second"));
    QCOMPARE(stringOf(history.at(1).toObject(), "from"), QStringLiteral("bob"));
    QVERIFY(history.at(0).toObject().value(QLatin1StringView("id")).toInteger()
            < history.at(1).toObject().value(QLatin1StringView("id")).toInteger());
    QCOMPARE(welcome.value(QLatin1StringView("missed")).toInteger(-1), 0);
    QCOMPARE(welcome.value(QLatin1StringView("userCount")).toInt(-1), 2);
    QVERIFY(!stringOf(welcome, "run").isEmpty());

    // A second user gets a session token of its own, in the same run.
    RawClient carol;
    QVERIFY(carol.connectTo(serverPort()));
    carol.sendObject(Protocol::richJoin(QStringLiteral("Carol"), {}, 0, {}));
    const QJsonObject other = carol.waitFor(QStringLiteral("welcome"));
    QVERIFY(!stringOf(other, "session").isEmpty());
    QVERIFY(stringOf(other, "session") != stringOf(welcome, "session"));
    QCOMPARE(stringOf(other, "run"), stringOf(welcome, "run"));
    QCOMPARE(other.value(QLatin1StringView("userCount")).toInt(-1), 3);

    // Another start of the server is another run.
    QVERIFY(startServer());
    RawClient dave;
    QVERIFY(dave.connectTo(serverPort()));
    dave.sendObject(Protocol::richJoin(QStringLiteral("Dave"), {}, 0, {}));
    const QString otherRun = stringOf(dave.waitFor(QStringLiteral("welcome")), "run");
    QVERIFY(!otherRun.isEmpty());
    QVERIFY(otherRun != stringOf(welcome, "run"));
}

void TestServerRelay::welcomeNormalisesTheName()
{
    RawClient client, bob;
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QVERIFY(client.connectTo(serverPort()));
    // Padded, and "é" written as "e" plus a combining acute accent (NFD).
    client.sendObject(Protocol::richJoin(QStringLiteral("  Ame\u0301lie "), {}, 0, {}));
    const QJsonObject welcome = client.waitFor(QStringLiteral("welcome"));
    QCOMPARE(stringOf(welcome, "name"), QStringLiteral("Am\u00e9lie"));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("presence")), "name"),
             QStringLiteral("Am\u00e9lie"));
    client.sendObject(Protocol::chat(QStringLiteral("bonjour")));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("message")), "from"),
             QStringLiteral("Am\u00e9lie"));
}

// Long history of long messages: the welcome must still be small enough to
// arrive, rather than get the newcomer dropped as a slow reader before it reads.
void TestServerRelay::welcomeFitsWhatAClientMayOwe()
{
    constexpr int Messages = 200;
    QVERIFY(startServer({ QStringLiteral("--history"), QString::number(Messages),
                          QStringLiteral("--max-unsent-bytes"), QStringLiteral("262144"),
                          QStringLiteral("--rate"), QStringLiteral("100000"),
                          QStringLiteral("--burst"), QStringLiteral("100000") }));
    RawClient alice;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    // 8,000 emoji: 32 KB of UTF-8 each, 6.4 MB of history in all.
    const QString emoji = QStringLiteral("\U0001F600").repeated(7995);
    for (int i = 0; i < Messages; ++i) {
        alice.send(Protocol::encode(
            Protocol::chat(QStringLiteral("%1 ").arg(i, 3, 10, QLatin1Char('0')) + emoji)));
        while (alice.socket().bytesToWrite() > 0)
            QVERIFY(alice.socket().waitForBytesWritten(5000));
    }
    QVERIFY(barrier(alice));

    RawClient carol;
    QVERIFY(carol.connectTo(serverPort()));
    carol.sendObject(Protocol::richJoin(QStringLiteral("Carol"), {}, 1, {}));
    const QJsonObject welcome = carol.waitFor(QStringLiteral("welcome"), 10000);
    QVERIFY2(!welcome.isEmpty(), qPrintable(server().output().right(600)));
    const QJsonArray history = welcome.value(QLatin1StringView("history")).toArray();
    QVERIFY(!history.isEmpty());
    QCOMPARE(stringOf(history.last().toObject(), "data").left(4),
             QStringLiteral("%1 ").arg(Messages - 1));
    // What the welcome leaves out counts as missed: together, everything after since.
    QCOMPARE(history.size() + welcome.value(QLatin1StringView("missed")).toInteger(), Messages - 1);
    qint64 previous = history.first().toObject().value(QLatin1StringView("id")).toInteger() - 1;
    for (const QJsonValue &value : history) {
        const qint64 id = value.toObject().value(QLatin1StringView("id")).toInteger();
        QCOMPARE(id, previous + 1);
        previous = id;
    }
    QCOMPARE(previous, qint64(Messages));
    alice.sendObject(Protocol::chat(QStringLiteral("welcome, Carol")));
    QCOMPARE(stringOf(carol.waitFor(QStringLiteral("message")), "data"),
             QStringLiteral("welcome, Carol"));
}

void TestServerRelay::seedWelcomeIsOneNotice()
{
    RawClient alice;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    alice.sendObject(Protocol::chat(QStringLiteral("history a seed client must not get")));
    QVERIFY(barrier(alice));

    RawClient seed;
    QVERIFY(seed.connectTo(serverPort()));
    seed.send(R"({"type": "join", "data": "Zed"})"); // json.dumps() spacing, no newline
    QList<QJsonObject> before;
    QVERIFY(barrier(seed, &before));
    QCOMPARE(before.size(), 1);
    const QJsonObject welcome = before.constFirst();
    QCOMPARE(stringOf(welcome, "type"), QStringLiteral("notice"));
    QCOMPARE(stringOf(welcome, "data"), QStringLiteral("Welcome, Zed! Online: Alice, Zed."));
}

// A seed client reads its welcome with recv(1024) and json.loads: however many
// are online, with however long names, the notice and its newline fit.
void TestServerRelay::seedWelcomeFitsOneRead()
{
    std::vector<std::unique_ptr<RawClient>> others;
    for (int i = 0; i < 30; ++i) {
        // 32 characters of three UTF-8 bytes each: the limit is in bytes.
        const QString name =
            QString(30, QChar(0x540d)) + QStringLiteral("%1").arg(i, 2, 10, QLatin1Char('0'));
        others.push_back(std::make_unique<RawClient>());
        QVERIFY(others.back()->joinAs(serverPort(), name));
    }

    QTcpSocket seed;
    seed.connectToHost(QHostAddress::LocalHost, serverPort());
    QVERIFY(seed.waitForConnected(5000));
    seed.write(R"({"type": "join", "data": "Zed"})");
    QByteArray bytes;
    QDeadlineTimer deadline(5000);
    while (!bytes.contains('\n') && !deadline.hasExpired()) {
        seed.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
        bytes += seed.readAll();
    }
    const QByteArray line = bytes.left(bytes.indexOf('\n') + 1);
    QVERIFY(!line.isEmpty());
    QVERIFY2(line.size() <= 1024, qPrintable(QStringLiteral("%1 bytes").arg(line.size())));
    QJsonParseError error;
    const QJsonObject welcome = QJsonDocument::fromJson(line, &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(stringOf(welcome, "type"), QStringLiteral("notice"));
    QVERIFY2(stringOf(welcome, "data").startsWith(QStringLiteral("Welcome, Zed! ")),
             qPrintable(stringOf(welcome, "data")));
    QVERIFY2(stringOf(welcome, "data").contains(QStringLiteral("more")),
             qPrintable(stringOf(welcome, "data")));
}

void TestServerRelay::seedClientGetsPlainMessages()
{
    RawClient alice, seed;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(seed.joinAs(serverPort(), QStringLiteral("Seed"), false));

    alice.sendObject(Protocol::chat(QStringLiteral("caf\u00e9 \U0001F600")));
    const QJsonObject message = seed.waitFor(QStringLiteral("message"));
    QCOMPARE(stringOf(message, "from"), QStringLiteral("Alice"));
    QCOMPARE(stringOf(message, "data"), QStringLiteral("caf\u00e9 \U0001F600"));

    // What a seed client sends reaches a rich client as an ordinary message.
    seed.send(R"({"type": "chat", "data": "Hello World!"})");
    const QJsonObject reply = alice.waitFor(QStringLiteral("message"));
    QCOMPARE(stringOf(reply, "from"), QStringLiteral("Seed"));
    QCOMPARE(stringOf(reply, "data"), QStringLiteral("Hello World!"));
}

void TestServerRelay::privateMessages()
{
    RawClient alice, bob, carol, seed;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QVERIFY(carol.joinAs(serverPort(), QStringLiteral("Carol")));
    QVERIFY(seed.joinAs(serverPort(), QStringLiteral("Seed"), false));

    alice.sendObject(Protocol::privateMessage(QStringLiteral("bob"), QStringLiteral("lunch?")));
    const QJsonObject toBob = bob.waitFor(QStringLiteral("message"));
    QCOMPARE(stringOf(toBob, "from"), QStringLiteral("Alice"));
    QCOMPARE(stringOf(toBob, "to"), QStringLiteral("Bob"));
    QCOMPARE(stringOf(toBob, "data"), QStringLiteral("lunch?"));
    QVERIFY(!toBob.contains(QLatin1StringView("id")));
    QVERIFY(QDateTime::fromString(stringOf(toBob, "time"), Qt::ISODateWithMs).isValid());

    alice.sendObject(Protocol::privateMessage(QStringLiteral("Seed"), QStringLiteral("psst")));
    const QJsonObject toSeed = seed.waitFor(QStringLiteral("message"));
    QCOMPARE(stringOf(toSeed, "from"), QStringLiteral("Alice"));
    QCOMPARE(stringOf(toSeed, "data"), QStringLiteral("(private) psst"));

    alice.sendObject(Protocol::privateMessage(QStringLiteral("Nobody"), QStringLiteral("hello?")));
    const QJsonObject error = alice.waitFor(QStringLiteral("error"));
    QCOMPARE(stringOf(error, "code"), QStringLiteral("no_such_user"));
    QVERIFY(stringOf(error, "data").contains(QStringLiteral("Nobody")));

    QList<QJsonObject> before;
    QVERIFY(barrier(alice, &before));
    QVERIFY2(ofType(before, QStringLiteral("message")).isEmpty(), "a private message was echoed");
    QVERIFY(barrier(carol, &before));
    QVERIFY2(ofType(before, QStringLiteral("message")).isEmpty(),
             "a third user saw a private message");
    QVERIFY(barrier(bob, &before));
    QVERIFY(ofType(before, QStringLiteral("message")).isEmpty());

    // Private messages are not room history.
    RawClient late;
    QVERIFY(late.connectTo(serverPort()));
    late.sendObject(Protocol::richJoin(QStringLiteral("Late"), {}, 0, {}));
    QVERIFY(late.waitFor(QStringLiteral("welcome"))
                .value(QLatin1StringView("history"))
                .toArray()
                .isEmpty());
}

void TestServerRelay::usersRequest()
{
    RawClient alice, bob, seed;
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("bob")));
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(seed.joinAs(serverPort(), QStringLiteral("Carol"), false));
    alice.sendObject(Protocol::usersRequest());
    QCOMPARE(
        alice.waitFor(QStringLiteral("users")).value(QLatin1StringView("users")).toArray(),
        QJsonArray({ QStringLiteral("Alice"), QStringLiteral("bob"), QStringLiteral("Carol") }));

    QCOMPARE(stringOf(alice.waitFor(QStringLiteral("presence")), "name"), QStringLiteral("Carol"));
    seed.socket().abort();
    QCOMPARE(stringOf(alice.waitFor(QStringLiteral("presence")), "event"), QStringLiteral("leave"));
    alice.sendObject(Protocol::usersRequest());
    QCOMPARE(alice.waitFor(QStringLiteral("users")).value(QLatin1StringView("users")).toArray(),
             QJsonArray({ QStringLiteral("Alice"), QStringLiteral("bob") }));
}

void TestServerRelay::pingIsAnsweredWithTheSameId()
{
    RawClient alice;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    for (const qint64 id : { qint64(7), qint64(0), qint64(1) << 40 }) {
        alice.sendObject(Protocol::ping(id));
        const QJsonObject pong = alice.waitFor(QStringLiteral("pong"));
        QCOMPARE(pong.value(QLatin1StringView("id")).toInteger(-1), id);
    }
    // Before a join too: a client may check the server is alive.
    RawClient early;
    QVERIFY(early.connectTo(serverPort()));
    early.sendObject(Protocol::ping(42));
    QCOMPARE(early.waitFor(QStringLiteral("pong")).value(QLatin1StringView("id")).toInteger(), 42);
}

void TestServerRelay::catchUp_data()
{
    QTest::addColumn<int>("sinceIndex"); // which of the five messages the client saw last; -1: none
    QTest::addColumn<QString>("run"); // "same": the run of this server; else sent as it is
    QTest::addColumn<QList<int>>("expected"); // indexes of the messages in the welcome's history
    QTest::addColumn<int>("missed");

    const QString same = QStringLiteral("same");
    // --history 3 keeps messages 2, 3 and 4 of 0..4.
    QTest::newRow("no since: what is kept") << -1 << same << QList<int> { 2, 3, 4 } << 0;
    // Message 1 is no longer kept: some were missed, and -1 says so without a count.
    QTest::newRow("since the first: some lost") << 0 << same << QList<int> { 2, 3, 4 } << -1;
    QTest::newRow("since the second: none lost") << 1 << same << QList<int> { 2, 3, 4 } << 0;
    QTest::newRow("since the fourth") << 3 << same << QList<int> { 4 } << 0;
    QTest::newRow("since the last") << 4 << same << QList<int> {} << 0;
    // Ids start again at 1 when a server restarts: a since from another run means nothing.
    QTest::newRow("since from another run")
        << 3 << QStringLiteral("0123456789abcdef") << QList<int> { 2, 3, 4 } << 0;
    // A client from before runs existed: its since is trusted.
    QTest::newRow("since without a run") << 3 << QString() << QList<int> { 4 } << 0;
}

void TestServerRelay::catchUp()
{
    QFETCH(int, sinceIndex);
    QFETCH(QString, run);
    QFETCH(QList<int>, expected);
    QFETCH(int, missed);

    QVERIFY(startServer({ QStringLiteral("--history"), QStringLiteral("3") }));
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.connectTo(serverPort()));
    bob.sendObject(Protocol::richJoin(QStringLiteral("Bob"), {}, 0, {}));
    const QString thisRun = stringOf(bob.waitFor(QStringLiteral("welcome")), "run");
    QVERIFY(!thisRun.isEmpty());
    QList<qint64> ids;
    for (int i = 0; i < 5; ++i) {
        alice.sendObject(Protocol::chat(QStringLiteral("message %1").arg(i)));
        const QJsonObject message = bob.waitFor(QStringLiteral("message"));
        QCOMPARE(stringOf(message, "data"), QStringLiteral("message %1").arg(i));
        ids.append(message.value(QLatin1StringView("id")).toInteger());
    }

    RawClient carol;
    QVERIFY(carol.connectTo(serverPort()));
    const qint64 since = sinceIndex < 0 ? 0 : ids.at(sinceIndex);
    carol.sendObject(Protocol::richJoin(QStringLiteral("Carol"), {}, since, {},
                                        run == QStringLiteral("same") ? thisRun : run));
    const QJsonObject welcome = carol.waitFor(QStringLiteral("welcome"));
    QVERIFY(!welcome.isEmpty());
    QCOMPARE(stringOf(welcome, "run"), thisRun);
    QList<qint64> got;
    for (const QJsonValue &value : welcome.value(QLatin1StringView("history")).toArray())
        got.append(value.toObject().value(QLatin1StringView("id")).toInteger());
    QList<qint64> want;
    for (const int index : expected)
        want.append(ids.at(index));
    QCOMPARE(got, want);
    QCOMPARE(welcome.value(QLatin1StringView("missed")).toInteger(-1), qint64(missed));
}

void TestServerRelay::resumeTakesTheNameOver()
{
    RawClient observer, first;
    QVERIFY(observer.joinAs(serverPort(), QStringLiteral("Observer")));
    QVERIFY(first.connectTo(serverPort()));
    first.sendObject(Protocol::richJoin(QStringLiteral("Alice"), {}, 0, {}));
    const QString token = stringOf(first.waitFor(QStringLiteral("welcome")), "session");
    QVERIFY(!token.isEmpty());
    QCOMPARE(stringOf(observer.waitFor(QStringLiteral("presence")), "name"),
             QStringLiteral("Alice"));

    RawClient stranger;
    QVERIFY(stranger.connectTo(serverPort()));
    stranger.sendObject(
        Protocol::richJoin(QStringLiteral("Alice"), {}, 0, QStringLiteral("0123456789abcdef")));
    QCOMPARE(stringOf(stranger.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("name_taken"));

    RawClient second;
    QVERIFY(second.connectTo(serverPort()));
    second.sendObject(Protocol::richJoin(QStringLiteral("alice"), {}, 0, token));
    const QJsonObject welcome = second.waitFor(QStringLiteral("welcome"));
    QVERIFY2(!welcome.isEmpty(), "the resume was refused");
    QCOMPARE(stringOf(first.waitFor(QStringLiteral("error")), "code"), QStringLiteral("replaced"));
    QVERIFY(first.waitForClosed());

    QList<QJsonObject> before;
    QVERIFY(barrier(observer, &before));
    QVERIFY2(ofType(before, QStringLiteral("presence")).isEmpty(),
             "the others saw the same user leave or join again");
    observer.sendObject(Protocol::usersRequest());
    const QJsonArray users =
        observer.waitFor(QStringLiteral("users")).value(QLatin1StringView("users")).toArray();
    QCOMPARE(users.size(), 2);
    QVERIFY(users.contains(QStringLiteral("Observer")));

    second.sendObject(Protocol::chat(QStringLiteral("back again")));
    const QJsonObject message = observer.waitFor(QStringLiteral("message"));
    QCOMPARE(stringOf(message, "data"), QStringLiteral("back again"));
    QCOMPARE(stringOf(message, "from"), stringOf(welcome, "name"));
    observer.sendObject(Protocol::privateMessage(QStringLiteral("Alice"), QStringLiteral("hi")));
    QCOMPARE(stringOf(second.waitFor(QStringLiteral("message")), "data"), QStringLiteral("hi"));
    QVERIFY(server().waitForOutput(QStringLiteral("closed: replaced"), 5000));
}

void TestServerRelay::nameTakenWithoutToken_data()
{
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("second");

    QTest::newRow("same") << QStringLiteral("Alice") << QStringLiteral("Alice");
    QTest::newRow("lower case") << QStringLiteral("Alice") << QStringLiteral("alice");
    QTest::newRow("upper case") << QStringLiteral("alice") << QStringLiteral("ALICE");
    QTest::newRow("padded") << QStringLiteral("Alice") << QStringLiteral("  Alice ");
    QTest::newRow("accented capital")
        << QStringLiteral("\u00c9lodie") << QStringLiteral("\u00e9lodie");
    QTest::newRow("decomposed accent")
        << QStringLiteral("\u00e9lodie") << QStringLiteral("E\u0301LODIE");
    QTest::newRow("greek with final sigma")
        << QStringLiteral("\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3")
        << QStringLiteral("\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2");
    QTest::newRow("cyrillic") << QStringLiteral("\u0416\u0435\u043d\u044f")
                              << QStringLiteral("\u0436\u0415\u041d\u042f");
}

void TestServerRelay::nameTakenWithoutToken()
{
    QFETCH(QString, first);
    QFETCH(QString, second);
    RawClient holder, other;
    QVERIFY(holder.joinAs(serverPort(), first));
    QVERIFY(other.connectTo(serverPort()));
    other.sendObject(Protocol::richJoin(second, {}, 0, {}));
    const QJsonObject error = other.waitFor(QStringLiteral("error"));
    QCOMPARE(stringOf(error, "code"), QStringLiteral("name_taken"));
    QVERIFY(!stringOf(error, "data").isEmpty());
    // The connection stays open: the user picks another name.
    other.sendObject(Protocol::richJoin(QStringLiteral("Someone else"), {}, 0, {}));
    QVERIFY(!other.waitFor(QStringLiteral("welcome")).isEmpty());
    QCOMPARE(stringOf(holder.waitFor(QStringLiteral("presence")), "name"),
             QStringLiteral("Someone else"));
}

void TestServerRelay::fiftyClientsEachMessageOnce()
{
    constexpr int Count = 50;
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < Count; ++i) {
        clients.push_back(std::make_unique<RawClient>());
        QVERIFY2(clients.back()->joinAs(serverPort(), QStringLiteral("user%1").arg(i), i % 5 != 0),
                 qPrintable(QStringLiteral("user%1 could not join").arg(i)));
    }
    for (int i = 0; i < Count; ++i)
        clients.at(i)->sendObject(Protocol::chat(QStringLiteral("hello from %1").arg(i)));

    for (int i = 0; i < Count; ++i) {
        RawClient &client = *clients.at(i);
        QSet<QString> seen;
        while (seen.size() < Count - 1) {
            const QJsonObject message = client.waitFor(QStringLiteral("message"), 10000);
            QVERIFY2(!message.isEmpty(),
                     qPrintable(QStringLiteral("user%1 got %2 messages").arg(i).arg(seen.size())));
            const QString from = stringOf(message, "from");
            QCOMPARE(stringOf(message, "data"), QStringLiteral("hello from %1").arg(from.mid(4)));
            QVERIFY2(from != QStringLiteral("user%1").arg(i), "a sender got its own message");
            QVERIFY2(!seen.contains(from),
                     qPrintable(QStringLiteral("user%1 got %2's message twice").arg(i).arg(from)));
            seen.insert(from);
        }
    }
    for (int i = 0; i < Count; ++i) {
        QList<QJsonObject> before;
        QVERIFY(barrier(*clients.at(i), &before));
        QVERIFY2(
            ofType(before, QStringLiteral("message")).isEmpty(),
            qPrintable(QStringLiteral("user%1 got more than %2 messages").arg(i).arg(Count - 1)));
    }
}

// A join racing with a busy room: every message is either in the welcome's
// history or arrives after it, never both and never neither, in order.
void TestServerRelay::joinDuringTrafficSeesEveryMessageOnce()
{
    constexpr int Joiners = 10;
    constexpr int Batch = 50;
    QVERIFY(startServer({ QStringLiteral("--history"), QStringLiteral("1000"),
                          QStringLiteral("--rate"), QStringLiteral("100000"),
                          QStringLiteral("--burst"), QStringLiteral("100000") }));
    RawClient talker;
    QVERIFY(talker.joinAs(serverPort(), QStringLiteral("Talker")));
    std::vector<std::unique_ptr<RawClient>> joiners;
    int sent = 0;
    for (int j = 0; j < Joiners; ++j) {
        QByteArray batch;
        for (int i = 0; i < Batch; ++i)
            batch += Protocol::encode(Protocol::chat(QStringLiteral("busy %1").arg(sent++)));
        talker.send(batch);
        joiners.push_back(std::make_unique<RawClient>());
        QVERIFY(joiners.back()->connectTo(serverPort()));
        joiners.back()->sendObject(
            Protocol::richJoin(QStringLiteral("Joiner%1").arg(j), {}, 0, {}));
    }
    talker.sendObject(Protocol::chat(QStringLiteral("the end")));

    for (int j = 0; j < Joiners; ++j) {
        RawClient &joiner = *joiners.at(j);
        const QJsonObject welcome = joiner.waitFor(QStringLiteral("welcome"));
        QVERIFY(!welcome.isEmpty());
        QStringList texts;
        QList<qint64> ids;
        for (const QJsonValue &value : welcome.value(QLatin1StringView("history")).toArray()) {
            texts.append(stringOf(value.toObject(), "data"));
            ids.append(value.toObject().value(QLatin1StringView("id")).toInteger());
        }
        while (texts.isEmpty() || texts.constLast() != QStringLiteral("the end")) {
            const QJsonObject message = joiner.waitFor(QStringLiteral("message"), 10000);
            QVERIFY2(!message.isEmpty(),
                     qPrintable(QStringLiteral("Joiner%1 stalled after \"%2\"")
                                    .arg(j)
                                    .arg(texts.value(texts.size() - 1))));
            texts.append(stringOf(message, "data"));
            ids.append(message.value(QLatin1StringView("id")).toInteger());
        }
        QCOMPARE(texts.size(), sent + 1);
        for (int i = 0; i < sent; ++i)
            QCOMPARE(texts.at(i), QStringLiteral("busy %1").arg(i));
        for (int i = 1; i < ids.size(); ++i)
            QCOMPARE(ids.at(i), ids.at(i - 1) + 1);
    }
}

// Bob answers each of Alice's messages the moment it reaches him. Everyone else
// must see the question before the answer: the room's messages in id order.
void TestServerRelay::repliesNeverOvertakeWhatTheyAnswer()
{
    constexpr int Observers = 40;
    constexpr int Exchanges = 30;
    QVERIFY(startServer({ QStringLiteral("--rate"), QStringLiteral("100000"),
                          QStringLiteral("--burst"), QStringLiteral("100000") }));
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    std::vector<std::unique_ptr<RawClient>> observers;
    for (int i = 0; i < Observers; ++i) {
        observers.push_back(std::make_unique<RawClient>());
        QVERIFY(observers.back()->joinAs(serverPort(), QStringLiteral("observer%1").arg(i)));
    }
    for (int i = 0; i < Exchanges; ++i) {
        alice.sendObject(Protocol::chat(QStringLiteral("question %1").arg(i)));
        QCOMPARE(stringOf(bob.waitFor(QStringLiteral("message")), "data"),
                 QStringLiteral("question %1").arg(i));
        bob.sendObject(Protocol::chat(QStringLiteral("answer %1").arg(i)));
        QCOMPARE(stringOf(alice.waitFor(QStringLiteral("message")), "data"),
                 QStringLiteral("answer %1").arg(i));
    }
    for (int o = 0; o < Observers; ++o) {
        RawClient &observer = *observers.at(o);
        qint64 lastId = 0;
        for (int i = 0; i < 2 * Exchanges; ++i) {
            const QJsonObject message = observer.waitFor(QStringLiteral("message"));
            const QString expected =
                QStringLiteral("%1 %2")
                    .arg(i % 2 ? QStringLiteral("answer") : QStringLiteral("question"))
                    .arg(i / 2);
            QVERIFY2(stringOf(message, "data") == expected,
                     qPrintable(QStringLiteral("observer%1 saw \"%2\" where \"%3\" belongs")
                                    .arg(o)
                                    .arg(stringOf(message, "data"), expected)));
            const qint64 id = message.value(QLatin1StringView("id")).toInteger();
            QVERIFY(id > lastId);
            lastId = id;
        }
    }
}

// Past --presence-limit members nobody is told about each join, and a welcome
// does not list everyone; the list is still there on request.
void TestServerRelay::largeRoomIsQuietAboutJoins()
{
    QVERIFY(startServer({ QStringLiteral("--presence-limit"), QStringLiteral("2") }));
    RawClient alice, bob, carol;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QCOMPARE(stringOf(alice.waitFor(QStringLiteral("presence")), "name"), QStringLiteral("Bob"));

    QVERIFY(carol.connectTo(serverPort()));
    carol.sendObject(Protocol::richJoin(QStringLiteral("Carol"), {}, 0, {}));
    const QJsonObject welcome = carol.waitFor(QStringLiteral("welcome"));
    QVERIFY(welcome.value(QLatin1StringView("users")).toArray().isEmpty());
    QCOMPARE(welcome.value(QLatin1StringView("userCount")).toInt(), 3);
    QList<QJsonObject> before;
    QVERIFY(barrier(alice, &before));
    QVERIFY2(ofType(before, QStringLiteral("presence")).isEmpty(),
             "a join past the limit was announced");

    carol.sendObject(Protocol::usersRequest());
    QCOMPARE(
        carol.waitFor(QStringLiteral("users")).value(QLatin1StringView("users")).toArray(),
        QJsonArray({ QStringLiteral("Alice"), QStringLiteral("Bob"), QStringLiteral("Carol") }));
    carol.sendObject(Protocol::chat(QStringLiteral("quietly here")));
    QCOMPARE(stringOf(alice.waitFor(QStringLiteral("message")), "from"), QStringLiteral("Carol"));

    // Nobody heard Carol join, so nobody hears her leave, although the room is
    // back within the limit; Bob, announced on the way in, is announced leaving.
    carol.socket().disconnectFromHost();
    QVERIFY(carol.waitForClosed());
    QVERIFY(server().waitForOutput(QStringLiteral("Carol left")));
    QList<QJsonObject> afterCarol;
    QVERIFY(barrier(alice, &afterCarol));
    QVERIFY2(ofType(afterCarol, QStringLiteral("presence")).isEmpty(),
             "the leave of an unannounced join was announced");
    bob.socket().disconnectFromHost();
    const QJsonObject bobLeft = alice.waitFor(QStringLiteral("presence"));
    QCOMPARE(stringOf(bobLeft, "event"), QStringLiteral("leave"));
    QCOMPARE(stringOf(bobLeft, "name"), QStringLiteral("Bob"));
}

QTEST_GUILESS_MAIN(TestServerRelay)
#include "tst_serverrelay.moc"
