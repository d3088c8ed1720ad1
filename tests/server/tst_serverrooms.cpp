// SPDX-License-Identifier: MIT
// Rooms over real sockets: entering, leaving, isolation, topics, the list,
// scrollback, the seed's single room and the limits.
#include "protocol.h"
#include "rawclient.h"
#include "serverfixture.h"
#include "servertest.h"

#include <QJsonArray>
#include <QtTest>

using namespace ServerTest;

class TestServerRooms : public ServerFixture
{
    Q_OBJECT

private Q_SLOTS:
    void enterCreatesTheRoomAndAnswersWithIt();
    void roomNamesAreCaseInsensitive();
    void nothingLeaksBetweenRooms();
    void chatToARoomNotEnteredIsRefused();
    void presenceAndLeaveCarryTheRoom();
    void topicReachesEveryMemberAndNewcomers();
    void roomListHasCountsAndTopics();
    void historyPagesBackwards();
    void seedClientsLiveInGeneralOnly();
    void invalidRoomNamesAreRefused_data();
    void invalidRoomNamesAreRefused();
    void roomLimits();
};

static QStringList usersOf(const QJsonObject &object)
{
    return object.value(QLatin1StringView("users")).toVariant().toStringList();
}

// Enters and waits for the room's answer.
static QJsonObject enterRoom(RawClient &client, const QString &room)
{
    client.sendObject(Protocol::enter(room));
    return waitForMatch(client, QStringLiteral("room"), QStringLiteral("room"), room);
}

void TestServerRooms::enterCreatesTheRoomAndAnswersWithIt()
{
    RawClient alice;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    const QJsonObject room = enterRoom(alice, QStringLiteral("#dev"));
    QVERIFY(!room.isEmpty());
    QCOMPARE(usersOf(room), QStringList { QStringLiteral("Alice") });
    QCOMPARE(room.value(QLatin1StringView("userCount")).toInteger(), 1);
    QCOMPARE(stringOf(room, "topic"), QString());
    QVERIFY(room.value(QLatin1StringView("history")).toArray().isEmpty());
}

void TestServerRooms::roomNamesAreCaseInsensitive()
{
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QVERIFY(!enterRoom(alice, QStringLiteral("#Dev")).isEmpty());
    bob.sendObject(Protocol::enter(QStringLiteral("#dEV")));
    const QJsonObject room = bob.waitFor(QStringLiteral("room"));
    QCOMPARE(stringOf(room, "room"), QStringLiteral("#Dev")); // as first entered
    QCOMPARE(usersOf(room), (QStringList { QStringLiteral("Alice"), QStringLiteral("Bob") }));
}

void TestServerRooms::nothingLeaksBetweenRooms()
{
    RawClient alice, bob, carol;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QVERIFY(carol.joinAs(serverPort(), QStringLiteral("Carol")));
    QVERIFY(!enterRoom(alice, QStringLiteral("#dev")).isEmpty());
    QVERIFY(!enterRoom(bob, QStringLiteral("#dev")).isEmpty());

    alice.sendObject(Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("for #dev only")));
    const QJsonObject inDev = waitForMatch(bob, QStringLiteral("message"), QStringLiteral("data"),
                                           QStringLiteral("for #dev only"));
    QCOMPARE(stringOf(inDev, "room"), QStringLiteral("#dev"));
    QCOMPARE(stringOf(inDev, "from"), QStringLiteral("Alice"));

    // A chat without a room is #general's: everyone there has it, in its room.
    alice.sendObject(Protocol::chat(QStringLiteral("for everyone")));
    for (RawClient *client : { &bob, &carol }) {
        const QJsonObject general =
            waitForMatch(*client, QStringLiteral("message"), QStringLiteral("data"),
                         QStringLiteral("for everyone"));
        QCOMPARE(stringOf(general, "room"), QStringLiteral("#general"));
    }
    QList<QJsonObject> before;
    QVERIFY(barrier(carol, &before));
    for (const QJsonObject &object : carol.received() + before)
        QVERIFY2(stringOf(object, "data") != QStringLiteral("for #dev only"),
                 "a #dev message reached someone not in #dev");
}

void TestServerRooms::chatToARoomNotEnteredIsRefused()
{
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QVERIFY(!enterRoom(bob, QStringLiteral("#dev")).isEmpty());
    alice.sendObject(Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("not mine to say")));
    const QJsonObject error = alice.waitFor(QStringLiteral("error"));
    QCOMPARE(stringOf(error, "code"), QString(Protocol::Code::NotInRoom));
    // Bob, in #dev, never sees it: a later line in #dev comes first.
    QVERIFY(!enterRoom(alice, QStringLiteral("#dev")).isEmpty());
    alice.sendObject(Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("now I may")));
    const QJsonObject next = bob.waitFor(QStringLiteral("message"));
    QCOMPARE(stringOf(next, "data"), QStringLiteral("now I may"));
}

void TestServerRooms::presenceAndLeaveCarryTheRoom()
{
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QVERIFY(!enterRoom(alice, QStringLiteral("#dev")).isEmpty());
    QVERIFY(!enterRoom(bob, QStringLiteral("#dev")).isEmpty());
    const QJsonObject joined = waitForMatch(alice, QStringLiteral("presence"),
                                            QStringLiteral("room"), QStringLiteral("#dev"));
    QCOMPARE(stringOf(joined, "event"), QStringLiteral("join"));
    QCOMPARE(stringOf(joined, "name"), QStringLiteral("Bob"));

    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("leave") },
                     { QStringLiteral("room"), QStringLiteral("#dev") } });
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("leave")), "room"), QStringLiteral("#dev"));
    const QJsonObject left = waitForMatch(alice, QStringLiteral("presence"),
                                          QStringLiteral("event"), QStringLiteral("leave"));
    QCOMPARE(stringOf(left, "room"), QStringLiteral("#dev"));
    QCOMPARE(stringOf(left, "name"), QStringLiteral("Bob"));
    // Out of the room, out of its traffic.
    bob.sendObject(Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("still here?")));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("error")), "code"),
             QString(Protocol::Code::NotInRoom));
    // Bob is still in #general, where a chat without a room goes.
    alice.sendObject(Protocol::chat(QStringLiteral("hello Bob")));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("message")), "room"), QStringLiteral("#general"));
}

void TestServerRooms::topicReachesEveryMemberAndNewcomers()
{
    RawClient alice, bob, carol;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QVERIFY(carol.joinAs(serverPort(), QStringLiteral("Carol")));
    QVERIFY(!enterRoom(alice, QStringLiteral("#dev")).isEmpty());
    QVERIFY(!enterRoom(bob, QStringLiteral("#dev")).isEmpty());
    alice.sendObject({ { QStringLiteral("type"), QStringLiteral("topic") },
                       { QStringLiteral("room"), QStringLiteral("#dev") },
                       { QStringLiteral("data"), QStringLiteral("Release on Friday") } });
    for (RawClient *client : { &alice, &bob }) {
        const QJsonObject topic = client->waitFor(QStringLiteral("topic"));
        QCOMPARE(stringOf(topic, "room"), QStringLiteral("#dev"));
        QCOMPARE(stringOf(topic, "data"), QStringLiteral("Release on Friday"));
        QCOMPARE(stringOf(topic, "by"), QStringLiteral("Alice"));
        QVERIFY(!stringOf(topic, "time").isEmpty());
    }
    QVERIFY(!carol.receivesWithin(QStringLiteral("topic"), 200));
    const QJsonObject room = enterRoom(carol, QStringLiteral("#dev"));
    QCOMPARE(stringOf(room, "topic"), QStringLiteral("Release on Friday"));
}

void TestServerRooms::roomListHasCountsAndTopics()
{
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QVERIFY(!enterRoom(alice, QStringLiteral("#zoo")).isEmpty());
    QVERIFY(!enterRoom(alice, QStringLiteral("#art")).isEmpty());
    QVERIFY(!enterRoom(bob, QStringLiteral("#art")).isEmpty());
    alice.sendObject({ { QStringLiteral("type"), QStringLiteral("topic") },
                       { QStringLiteral("room"), QStringLiteral("#art") },
                       { QStringLiteral("data"), QStringLiteral("Pictures") } });
    QVERIFY(!alice.waitFor(QStringLiteral("topic")).isEmpty());
    alice.sendObject({ { QStringLiteral("type"), QStringLiteral("rooms") } });
    const QJsonArray rooms =
        alice.waitFor(QStringLiteral("rooms")).value(QLatin1StringView("rooms")).toArray();
    QStringList names;
    for (const QJsonValue &value : rooms) {
        const QJsonObject room = value.toObject();
        names.append(stringOf(room, "room"));
        if (names.last() == QStringLiteral("#art")) {
            QCOMPARE(stringOf(room, "topic"), QStringLiteral("Pictures"));
            QCOMPARE(room.value(QLatin1StringView("users")).toInteger(), 2);
        }
        if (names.last() == QStringLiteral("#general"))
            QCOMPARE(room.value(QLatin1StringView("users")).toInteger(), 2);
    }
    QCOMPARE(names,
             (QStringList { QStringLiteral("#art"), QStringLiteral("#general"),
                            QStringLiteral("#zoo") }));
}

void TestServerRooms::historyPagesBackwards()
{
    QVERIFY(startServer({ QStringLiteral("--rate"), QStringLiteral("1000"),
                          QStringLiteral("--burst"), QStringLiteral("1000") }));
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    QVERIFY(!enterRoom(alice, QStringLiteral("#dev")).isEmpty());
    QVERIFY(!enterRoom(bob, QStringLiteral("#dev")).isEmpty());
    QList<qint64> ids;
    for (int i = 0; i < 10; ++i) {
        alice.sendObject(
            Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("line %1").arg(i)));
        const QJsonObject message =
            waitForMatch(bob, QStringLiteral("message"), QStringLiteral("data"),
                         QStringLiteral("line %1").arg(i));
        QVERIFY(!message.isEmpty());
        ids.append(message.value(QLatin1StringView("id")).toInteger());
    }
    // Chatter elsewhere must not appear in #dev's history.
    alice.sendObject(Protocol::chat(QStringLiteral("general chatter")));
    QVERIFY(!waitForMatch(bob, QStringLiteral("message"), QStringLiteral("data"),
                          QStringLiteral("general chatter"))
                 .isEmpty());

    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("history") },
                     { QStringLiteral("room"), QStringLiteral("#dev") },
                     { QStringLiteral("before"), ids.at(7) },
                     { QStringLiteral("limit"), 3 } });
    QJsonObject page = bob.waitFor(QStringLiteral("history"));
    QCOMPARE(stringOf(page, "room"), QStringLiteral("#dev"));
    QList<qint64> got;
    for (const QJsonValue &value : page.value(QLatin1StringView("history")).toArray())
        got.append(value.toObject().value(QLatin1StringView("id")).toInteger());
    QCOMPARE(got, (QList<qint64> { ids.at(4), ids.at(5), ids.at(6) }));
    QVERIFY(page.value(QLatin1StringView("more")).toBool());

    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("history") },
                     { QStringLiteral("room"), QStringLiteral("#dev") },
                     { QStringLiteral("before"), ids.at(2) },
                     { QStringLiteral("limit"), 50 } });
    page = bob.waitFor(QStringLiteral("history"));
    QCOMPARE(page.value(QLatin1StringView("history")).toArray().size(), 2);
    QVERIFY(!page.value(QLatin1StringView("more")).toBool());

    // A room one is not in has no history to give.
    alice.sendObject({ { QStringLiteral("type"), QStringLiteral("history") },
                       { QStringLiteral("room"), QStringLiteral("#elsewhere") } });
    QCOMPARE(stringOf(alice.waitFor(QStringLiteral("error")), "code"),
             QString(Protocol::Code::NotInRoom));
}

void TestServerRooms::seedClientsLiveInGeneralOnly()
{
    RawClient alice, seed;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(seed.joinAs(serverPort(), QStringLiteral("Sid"), false));
    QVERIFY(!enterRoom(alice, QStringLiteral("#dev")).isEmpty());
    alice.sendObject(Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("not for Sid")));
    alice.sendObject(Protocol::chat(QStringLiteral("for Sid")));
    const QJsonObject message = seed.waitFor(QStringLiteral("message"));
    QCOMPARE(stringOf(message, "data"), QStringLiteral("for Sid"));
    QCOMPARE(stringOf(message, "from"), QStringLiteral("Alice"));
    // The seed's protocol has one room: it cannot enter another.
    seed.sendObject(Protocol::enter(QStringLiteral("#dev")));
    QCOMPARE(stringOf(seed.waitFor(QStringLiteral("error")), "code"),
             QString(Protocol::Code::UnknownType));
    // What it says goes to #general.
    seed.sendObject(Protocol::chat(QStringLiteral("hi from the seed")));
    const QJsonObject fromSeed = waitForMatch(alice, QStringLiteral("message"),
                                              QStringLiteral("from"), QStringLiteral("Sid"));
    QCOMPARE(stringOf(fromSeed, "room"), QStringLiteral("#general"));
    for (const QJsonObject &object : seed.received())
        QVERIFY(stringOf(object, "data") != QStringLiteral("not for Sid"));
}

void TestServerRooms::invalidRoomNamesAreRefused_data()
{
    QTest::addColumn<QString>("room");
    QTest::newRow("no hash") << QStringLiteral("dev");
    QTest::newRow("only a hash") << QStringLiteral("#");
    QTest::newRow("white space") << QStringLiteral("#two words");
    QTest::newRow("too long") << QStringLiteral("#")
            + QString(Protocol::MaxRoomNameLength + 1, u'x');
    QTest::newRow("control character") << QStringLiteral("#a\u0007b");
}

void TestServerRooms::invalidRoomNamesAreRefused()
{
    QFETCH(QString, room);
    RawClient alice;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    alice.sendObject(Protocol::enter(room));
    QCOMPARE(stringOf(alice.waitFor(QStringLiteral("error")), "code"),
             QString(Protocol::Code::InvalidRoom));
    QVERIFY(!alice.receivesWithin(QStringLiteral("room"), 100));
}

void TestServerRooms::roomLimits()
{
    QVERIFY(startServer({ QStringLiteral("--max-rooms"), QStringLiteral("4"),
                          QStringLiteral("--max-rooms-per-client"), QStringLiteral("3") }));
    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    // #general counts: two more rooms, then the client's limit.
    QVERIFY(!enterRoom(alice, QStringLiteral("#one")).isEmpty());
    QVERIFY(!enterRoom(alice, QStringLiteral("#two")).isEmpty());
    alice.sendObject(Protocol::enter(QStringLiteral("#three")));
    QCOMPARE(stringOf(alice.waitFor(QStringLiteral("error")), "code"),
             QString(Protocol::Code::TooManyRooms));
    // Four rooms exist with #three refused: #general, #one, #two, and Bob's.
    QVERIFY(!enterRoom(bob, QStringLiteral("#four")).isEmpty());
    bob.sendObject(Protocol::enter(QStringLiteral("#five")));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("error")), "code"),
             QString(Protocol::Code::TooManyRooms));
    // An existing room is still open to him.
    QVERIFY(!enterRoom(bob, QStringLiteral("#one")).isEmpty());
}

QTEST_GUILESS_MAIN(TestServerRooms)
#include "tst_serverrooms.moc"
