// SPDX-License-Identifier: MIT
// ChatClient's rooms against a fake server that writes exactly what a test
// says, so the catch-up after a reconnect can be driven page by page; and
// against the real server, for what a user in two rooms sees.
#include "acceptjoin.h"
#include "chatclient.h"
#include "serverprocess.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using SendStatus = SendResult::Status;
using TestSupport::acceptJoin;

// The server end of a fake server's connection: what the client wrote, object by object.
class FakePeer
{
public:
    explicit FakePeer(std::unique_ptr<QTcpSocket> socket, const QByteArray &join)
        : m_socket(std::move(socket)), m_buffer(join)
    { }

    bool isValid() const { return m_socket != nullptr; }
    void write(const QByteArray &line) { m_socket->write(line + '\n'); }
    void abort() { m_socket->abort(); }

    // The next object of type the client wrote (skipping others); empty on timeout.
    QJsonObject next(const QString &type)
    {
        QJsonObject found;
        // An empty object tells the caller it did not come.
        [[maybe_unused]] const bool came = QTest::qWaitFor(
            [&] {
                m_buffer += m_socket->readAll();
                qsizetype end;
                while ((end = m_buffer.indexOf('\n')) >= 0) {
                    const QJsonObject object = QJsonDocument::fromJson(m_buffer.left(end)).object();
                    m_buffer.remove(0, end + 1);
                    if (object.value(u"type").toString() == type) {
                        found = object;
                        return true;
                    }
                }
                return false;
            },
            5000);
        return found;
    }

private:
    std::unique_ptr<QTcpSocket> m_socket;
    QByteArray m_buffer;
};

static QByteArray message(qint64 id, const char *room, const char *text)
{
    return QStringLiteral(R"({"type":"message","id":%1,"room":"%2","from":"Bob","data":"%3"})")
        .arg(id)
        .arg(QLatin1StringView(room), QLatin1StringView(text))
        .toUtf8();
}

static QByteArray welcome(const QByteArray &history = {})
{
    return R"({"type":"welcome","protocol":1,"name":"Alice","session":"s","run":"db1",)"
           R"("room":"#general","topic":"","users":["Alice","Bob"],"userCount":2,"history":[)"
        + history + R"(],"missed":0})";
}

// Everything one session reported.
class Session : public QObject
{
    Q_OBJECT
public:
    Session()
    {
        client.setClientName(QStringLiteral("tst_chatclientrooms"));
        client.setKeepAliveInterval(0);
        client.setReconnectDelays(50, 100);
        connect(&client, &ChatClient::messageReceived, this,
                [this](const ChatMessage &message, bool fromHistory) {
                    lines.append(QStringLiteral("%1 %2%3").arg(
                        message.room, message.text,
                        fromHistory ? QStringLiteral(" (history)") : QString()));
                });
        connect(&client, &ChatClient::roomEntered, this,
                [this](const ChatRoom &room, bool afterReconnect) {
                    lines.append(
                        QStringLiteral("entered %1%2")
                            .arg(room.name, afterReconnect ? QStringLiteral(" again") : QString()));
                });
        connect(&client, &ChatClient::roomLeft, this,
                [this](const QString &room) { lines.append(QStringLiteral("left %1").arg(room)); });
        connect(&client, &ChatClient::topicChanged, this,
                [this](const QString &room, const QString &text, const QString &by) {
                    lines.append(QStringLiteral("topic %1 %2 by %3").arg(room, text, by));
                });
        connect(&client, &ChatClient::userJoined, this,
                [this](const QString &name, const QString &room) {
                    lines.append(QStringLiteral("%1 joined %2").arg(name, room));
                });
        connect(&client, &ChatClient::joined, this, [this] { ++joins; });
    }

    FakePeer connectTo(QTcpServer &fake)
    {
        client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                               QStringLiteral("Alice"));
        return accept(fake);
    }

    FakePeer accept(QTcpServer &fake)
    {
        QByteArray join;
        std::unique_ptr<QTcpSocket> socket = acceptJoin(fake, &join);
        lastJoin = QJsonDocument::fromJson(join.trimmed()).object();
        return FakePeer(std::move(socket), {});
    }

    ChatClient client;
    QStringList lines;
    QJsonObject lastJoin;
    int joins = 0;
};

class TestChatClientRooms : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void enterBeforeTheJoinGoesFirstThenItsLines();
    void roomStateTopicPresenceAndLeave();
    void reconnectReentersEachRoomAndPagesBackToSince();
    void sendToARoomNotEnteredIsRefused();
    void olderHistoryContinuesFromTheOldestDelivered();
    void realServerTwoRooms();
};

void TestChatClientRooms::enterBeforeTheJoinGoesFirstThenItsLines()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session;
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QCOMPARE(session.client.enterRoom(QStringLiteral("#dev")).status, SendStatus::Queued);
    QVERIFY(session.client.isEntering(QStringLiteral("#DEV")));
    QCOMPARE(session.client.sendChat(QStringLiteral("#dev"), QStringLiteral("early")).status,
             SendStatus::Queued);
    FakePeer peer = session.accept(fake);
    QVERIFY(peer.isValid());
    peer.write(welcome());
    const QJsonObject enter = peer.next(QStringLiteral("enter"));
    QCOMPARE(enter.value(u"room").toString(), QStringLiteral("#dev"));
    QVERIFY(!enter.contains(u"since")); // never there: nothing to catch up
    const QJsonObject chat = peer.next(QStringLiteral("chat"));
    QCOMPARE(chat.value(u"room").toString(), QStringLiteral("#dev"));
    QCOMPARE(chat.value(u"data").toString(), QStringLiteral("early"));
    peer.write(R"({"type":"room","room":"#dev","topic":"t","users":["Alice"],"userCount":1,)"
               R"("history":[)"
               + message(3, "#dev", "before") + R"(],"missed":0})");
    QTRY_COMPARE(
        session.lines,
        (QStringList { QStringLiteral("entered #general"), QStringLiteral("#dev before (history)"),
                       QStringLiteral("entered #dev") }));
    QCOMPARE(session.client.rooms().size(), 2);
    QCOMPARE(session.client.rooms().at(1).name, QStringLiteral("#dev"));
    QCOMPARE(session.client.room(QStringLiteral("#Dev"))->topic, QStringLiteral("t"));
    QCOMPARE(session.client.room(QStringLiteral("#dev"))->lastMessageId, 3);
}

void TestChatClientRooms::roomStateTopicPresenceAndLeave()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session;
    FakePeer peer = session.connectTo(fake);
    QVERIFY(peer.isValid());
    peer.write(welcome());
    QTRY_COMPARE(session.joins, 1);
    QCOMPARE(session.client.enterRoom(QStringLiteral("#dev")).status, SendStatus::Sent);
    QCOMPARE(peer.next(QStringLiteral("enter")).value(u"room").toString(), QStringLiteral("#dev"));
    peer.write(R"({"type":"room","room":"#dev","topic":"","users":["Alice"],"userCount":1,)"
               R"("history":[],"missed":0})");
    QTRY_VERIFY(session.client.isInRoom(QStringLiteral("#dev")));

    QCOMPARE(session.client.setTopic(QStringLiteral("#dev"), QStringLiteral("release")).status,
             SendStatus::Sent);
    const QJsonObject topic = peer.next(QStringLiteral("topic"));
    QCOMPARE(topic.value(u"room").toString(), QStringLiteral("#dev"));
    QCOMPARE(topic.value(u"data").toString(), QStringLiteral("release"));
    peer.write(R"({"type":"topic","room":"#dev","data":"release","by":"Alice","time":"x"})");
    peer.write(R"({"type":"presence","event":"join","room":"#dev","name":"Bob","time":"x"})");
    peer.write(message(7, "#dev", "hi"));
    QTRY_VERIFY(session.lines.contains(QStringLiteral("#dev hi")));
    QCOMPARE(session.client.room(QStringLiteral("#dev"))->topic, QStringLiteral("release"));
    QCOMPARE(session.client.users(QStringLiteral("#dev")),
             (QStringList { QStringLiteral("Alice"), QStringLiteral("Bob") }));
    QCOMPARE(session.client.users(),
             (QStringList { QStringLiteral("Alice"), QStringLiteral("Bob") }));
    QVERIFY(session.lines.contains(QStringLiteral("topic #dev release by Alice")));
    QVERIFY(session.lines.contains(QStringLiteral("Bob joined #dev")));

    QSignalSpy listed(&session.client, &ChatClient::roomsListed);
    QCOMPARE(session.client.requestRooms().status, SendStatus::Sent);
    QVERIFY(!peer.next(QStringLiteral("rooms")).isEmpty());
    peer.write(R"({"type":"rooms","rooms":[{"room":"#dev","topic":"release","users":2},)"
               R"({"room":"#general","topic":"","users":2}]})");
    QVERIFY(listed.wait());
    const auto rooms = listed.at(0).at(0).value<QList<Wire::RoomList::Entry>>();
    QCOMPARE(rooms.size(), 2);
    QCOMPARE(rooms.at(0).topic, QStringLiteral("release"));

    QCOMPARE(session.client.leaveRoom(QStringLiteral("#DEV")).status, SendStatus::Sent);
    QCOMPARE(peer.next(QStringLiteral("leave")).value(u"room").toString(), QStringLiteral("#dev"));
    peer.write(R"({"type":"leave","room":"#dev"})");
    QTRY_VERIFY(session.lines.contains(QStringLiteral("left #dev")));
    QVERIFY(!session.client.isInRoom(QStringLiteral("#dev")));
}

void TestChatClientRooms::reconnectReentersEachRoomAndPagesBackToSince()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session;
    FakePeer peer = session.connectTo(fake);
    QVERIFY(peer.isValid());
    peer.write(welcome(message(5, "#general", "g5")));
    QTRY_COMPARE(session.joins, 1);
    session.client.enterRoom(QStringLiteral("#dev"));
    peer.next(QStringLiteral("enter"));
    peer.write(R"({"type":"room","room":"#dev","topic":"","users":["Alice"],"userCount":1,)"
               R"("history":[)"
               + message(10, "#dev", "d10") + R"(],"missed":0})");
    QTRY_VERIFY(session.client.isInRoom(QStringLiteral("#dev")));
    peer.abort();
    session.lines.clear();

    FakePeer second = session.accept(fake);
    QVERIFY(second.isValid());
    QCOMPARE(session.lastJoin.value(u"since").toInteger(), 5); // the default room's
    second.write(welcome(message(5, "#general", "g5") + ',' + message(11, "#general", "g11")));
    const QJsonObject enter = second.next(QStringLiteral("enter"));
    QCOMPARE(enter.value(u"room").toString(), QStringLiteral("#dev"));
    QCOMPARE(enter.value(u"since").toInteger(), 10);
    // The answer holds the newest two of many: the client pages back to 10.
    second.write(R"({"type":"room","room":"#dev","topic":"","users":["Alice"],"userCount":1,)"
                 R"("history":[)"
                 + message(15, "#dev", "d15") + ',' + message(16, "#dev", "d16")
                 + R"(],"missed":-1})");
    QJsonObject request = second.next(QStringLiteral("history"));
    QCOMPARE(request.value(u"room").toString(), QStringLiteral("#dev"));
    QCOMPARE(request.value(u"before").toInteger(), 15);
    // Live news meanwhile waits for the missed messages.
    second.write(message(17, "#dev", "d17"));
    second.write(R"({"type":"history","room":"#dev","history":[)" + message(13, "#dev", "d13") + ','
                 + message(14, "#dev", "d14") + R"(],"more":true})");
    request = second.next(QStringLiteral("history"));
    QCOMPARE(request.value(u"before").toInteger(), 13);
    second.write(R"({"type":"history","room":"#dev","history":[)" + message(9, "#dev", "d9") + ','
                 + message(10, "#dev", "d10") + ',' + message(12, "#dev", "d12")
                 + R"(],"more":true})");
    QTRY_VERIFY(session.lines.contains(QStringLiteral("#dev d17")));
    QCOMPARE(session.lines,
             (QStringList {
                 QStringLiteral("#general g11 (history)"), QStringLiteral("entered #general again"),
                 QStringLiteral("#dev d12 (history)"), QStringLiteral("#dev d13 (history)"),
                 QStringLiteral("#dev d14 (history)"), QStringLiteral("#dev d15 (history)"),
                 QStringLiteral("#dev d16 (history)"), QStringLiteral("entered #dev again"),
                 QStringLiteral("#dev d17") }));
    QCOMPARE(session.client.room(QStringLiteral("#dev"))->lastMessageId, 17);
}

void TestChatClientRooms::sendToARoomNotEnteredIsRefused()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session;
    FakePeer peer = session.connectTo(fake);
    QVERIFY(peer.isValid());
    peer.write(welcome());
    QTRY_COMPARE(session.joins, 1);
    const SendResult result =
        session.client.sendChat(QStringLiteral("#elsewhere"), QStringLiteral("hi"));
    QCOMPARE(result.status, SendStatus::NotConnected);
    QVERIFY2(result.reason.contains(QStringLiteral("#elsewhere")), qPrintable(result.reason));
    QCOMPARE(session.client.enterRoom(QStringLiteral("no hash")).status, SendStatus::InvalidText);
    // The default room's line is the seed's chat, without a room field.
    QCOMPARE(session.client.sendChat(QStringLiteral("plain")).status, SendStatus::Sent);
    const QJsonObject chat = peer.next(QStringLiteral("chat"));
    QCOMPARE(chat.value(u"data").toString(), QStringLiteral("plain"));
    QVERIFY(!chat.contains(u"room"));
}

void TestChatClientRooms::olderHistoryContinuesFromTheOldestDelivered()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session;
    FakePeer peer = session.connectTo(fake);
    QVERIFY(peer.isValid());
    peer.write(welcome(message(20, "#general", "g20") + ',' + message(21, "#general", "g21")));
    QTRY_COMPARE(session.joins, 1);
    QSignalSpy received(&session.client, &ChatClient::historyReceived);
    QCOMPARE(session.client.requestOlderHistory(QStringLiteral("#general"), 2).status,
             SendStatus::Sent);
    QJsonObject request = peer.next(QStringLiteral("history"));
    QCOMPARE(request.value(u"before").toInteger(), 20);
    QCOMPARE(request.value(u"limit").toInt(), 2);
    peer.write(R"({"type":"history","room":"#general","history":[)" + message(18, "#general", "g18")
               + ',' + message(19, "#general", "g19") + R"(],"more":false})");
    QVERIFY(received.wait());
    QCOMPARE(received.at(0).at(0).toString(), QStringLiteral("#general"));
    QCOMPARE(received.at(0).at(1).value<QList<ChatMessage>>().size(), 2);
    QCOMPARE(received.at(0).at(2).toBool(), false);
    QCOMPARE(session.client.room(QStringLiteral("#general"))->oldestMessageId, 18);
    QVERIFY(!session.client.room(QStringLiteral("#general"))->hasOlderMessages);
}

// Skipped until the server speaks rooms (it answers unknown_type before).
void TestChatClientRooms::realServerTwoRooms()
{
    ServerProcess server;
    QVERIFY(server.start());
    Session alice;
    Session bob;
    alice.client.connectToServer(QStringLiteral("127.0.0.1"), server.port(),
                                 QStringLiteral("Alice"));
    bob.client.connectToServer(QStringLiteral("127.0.0.1"), server.port(), QStringLiteral("Bob"));
    QTRY_COMPARE(alice.joins, 1);
    QTRY_COMPARE(bob.joins, 1);
    QSignalSpy errors(&alice.client, &ChatClient::errorReceived);
    alice.client.enterRoom(QStringLiteral("#dev"));
    QTRY_VERIFY(alice.client.isInRoom(QStringLiteral("#dev")) || !errors.isEmpty());
    if (!errors.isEmpty() && errors.at(0).at(0).toString() == QLatin1StringView("unknown_type"))
        QSKIP("This server does not speak rooms yet.");
    bob.client.enterRoom(QStringLiteral("#dev"));
    QTRY_VERIFY(bob.client.isInRoom(QStringLiteral("#dev")));
    QTRY_VERIFY(alice.lines.contains(QStringLiteral("Bob joined #dev")));
    QCOMPARE(bob.client.sendChat(QStringLiteral("#dev"), QStringLiteral("in dev")).status,
             SendStatus::Sent);
    QCOMPARE(bob.client.sendChat(QStringLiteral("in general")).status, SendStatus::Sent);
    QTRY_VERIFY(alice.lines.contains(QStringLiteral("#general in general")));
    QVERIFY(alice.lines.contains(QStringLiteral("#dev in dev")));
    QCOMPARE(bob.client.setTopic(QStringLiteral("#dev"), QStringLiteral("shipping")).status,
             SendStatus::Sent);
    QTRY_VERIFY(alice.lines.contains(QStringLiteral("topic #dev shipping by Bob")));
}

QTEST_GUILESS_MAIN(TestChatClientRooms)
#include "tst_chatclientrooms.moc"
