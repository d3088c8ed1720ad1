// SPDX-License-Identifier: MIT
#include "acceptjoin.h"
#include "chatclient.h"
#include "displaytext.h"
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using Status = ChatClient::Status;
using SendStatus = SendResult::Status;
using ConnectionError = ChatClient::ConnectionError;

// One ChatClient and everything it reported, for assertions on what a user saw.
class Session : public QObject
{
    Q_OBJECT
public:
    explicit Session(const QString &name) : m_name(name)
    {
        client.setClientName(QStringLiteral("tst_chatclient"));
        client.setKeepAliveInterval(0);
        connect(&client, &ChatClient::messageReceived, this,
                [this](const ChatMessage &message, bool fromHistory) {
                    messages.append(message);
                    history.append(fromHistory);
                });
        connect(&client, &ChatClient::joined, this,
                [this](bool afterReconnect) { joins.append(afterReconnect); });
        connect(&client, &ChatClient::userJoined, this,
                [this](const QString &user) { usersJoined.append(user); });
        connect(&client, &ChatClient::userLeft, this,
                [this](const QString &user) { usersLeft.append(user); });
        connect(&client, &ChatClient::usersChanged, this, [this] { ++usersChanges; });
        connect(&client, &ChatClient::nameRefused, this,
                [this](const QString &reason) { refusals.append(reason); });
        connect(&client, &ChatClient::errorReceived, this,
                [this](const QString &code, const QString &text) {
                    errorCodes.append(code);
                    errorTexts.append(text);
                });
        connect(&client, &ChatClient::connectionError, this,
                [this](ConnectionError error, const QString &text) {
                    connectionErrorCodes.append(error);
                    connectionErrors.append(text);
                });
        connect(&client, &ChatClient::reconnectScheduled, this, [this] { ++reconnects; });
        connect(&client, &ChatClient::disconnected, this, [this] { ++disconnects; });
        connect(&client, &ChatClient::messageSent, this,
                [this](const ChatClient::Outgoing &message) { sentIds.append(message.id); });
        connect(&client, &ChatClient::sendFailed, this,
                [this](const ChatClient::Outgoing &message, const SendResult &result) {
                    failedIds.append(message.id);
                    failures.append(result);
                });
    }

    bool join(quint16 port, int timeoutMs = 10000)
    {
        const qsizetype before = joins.size();
        client.connectToServer(QStringLiteral("127.0.0.1"), port, m_name);
        return QTest::qWaitFor([&] { return joins.size() > before; }, timeoutMs);
    }

    // Texts of the messages received, in order.
    QStringList texts() const
    {
        QStringList result;
        for (const ChatMessage &message : messages)
            result.append(message.text);
        return result;
    }

    bool waitForText(const QString &text, int timeoutMs = 5000)
    {
        return QTest::qWaitFor([&] { return texts().contains(text); }, timeoutMs);
    }

    ChatClient client;
    QList<ChatMessage> messages;
    QList<bool> history; // fromHistory of each message
    QList<bool> joins; // afterReconnect of each joined()
    QStringList usersJoined;
    QStringList usersLeft;
    QStringList refusals;
    QStringList errorCodes;
    QStringList errorTexts;
    QStringList connectionErrors;
    QList<ConnectionError> connectionErrorCodes;
    QList<quint64> sentIds;
    QList<quint64> failedIds;
    QList<SendResult> failures;
    int usersChanges = 0;
    int reconnects = 0;
    int disconnects = 0;

private:
    QString m_name;
};

// A TCP relay between clients and the server, so a test can cut a user's
// connection while the server keeps running.
class Relay : public QObject
{
    Q_OBJECT
public:
    explicit Relay(quint16 serverPort) : m_serverPort(serverPort)
    {
        connect(&m_listener, &QTcpServer::newConnection, this, &Relay::onNewConnection);
    }

    bool listen() { return m_listener.listen(QHostAddress::LocalHost); }
    quint16 port() const { return m_listener.serverPort(); }

    // Drops every relayed connection at once, as a lost network would.
    void cut()
    {
        for (QTcpSocket *socket : std::as_const(m_sockets)) {
            socket->abort();
            socket->deleteLater();
        }
        m_sockets.clear();
    }

private:
    void onNewConnection()
    {
        while (QTcpSocket *client = m_listener.nextPendingConnection()) {
            auto *server = new QTcpSocket(this);
            client->setParent(this);
            connect(client, &QTcpSocket::readyRead, server,
                    [client, server] { server->write(client->readAll()); });
            connect(server, &QTcpSocket::readyRead, client,
                    [client, server] { client->write(server->readAll()); });
            connect(client, &QTcpSocket::disconnected, server, &QTcpSocket::disconnectFromHost);
            connect(server, &QTcpSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
            server->connectToHost(QHostAddress::LocalHost, m_serverPort);
            m_sockets.append(client);
            m_sockets.append(server);
        }
    }

    QTcpServer m_listener;
    QList<QTcpSocket *> m_sockets;
    quint16 m_serverPort;
};

class TestChatClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void chatReachesOthersNeverTheSender();
    void presenceAndUserList();
    void privateMessageReachesOnlyTheRecipient();
    void requestUsers();
    void nameRefusedThenAnotherName();
    void invalidNameRefused();
    void rejoinAfterConnectionDropGetsMissedMessagesOnce();
    void rejoinAfterServerRestartGetsMissedMessagesOnce();
    void disconnectWritesEverythingFirst();
    void failedFirstConnectIsFinal();
    void disconnectWhileConnecting();
    void disconnectWhileReconnecting();
    void seedServerBackToBackAndSpacedSends();
    void keepAliveAnswersAndDetectsASilentServer();
    void nameTakenOnRejoinRetriesQuietly();
    void hostileServer_data();
    void hostileServer();
    void sendsWhileConnectingAreQueuedInOrder();
    void queueIsBoundedAndEmptiedWhenTheSessionEnds();
    void queuedActionFailsOnASeedServer();
    void historyArrivesBeforeJoined();
    void catchUpSkipsWhatWasDeliveredAndOwnLines();
    void sendRatePacesLines();
    void connectionErrorCodes();
};

// Waits until a raw client receives a chat message with this text.
static bool receivesText(RawClient &raw, const QString &text)
{
    for (;;) {
        const QJsonObject message = raw.waitFor(QStringLiteral("message"));
        if (message.isEmpty())
            return false;
        if (message.value(u"data").toString() == text)
            return true;
    }
}

static const QStringList fastServer { QStringLiteral("--rate"), QStringLiteral("1000"),
                                      QStringLiteral("--burst"), QStringLiteral("1000") };

void TestChatClient::chatReachesOthersNeverTheSender()
{
    ServerProcess server(fastServer);
    QVERIFY2(server.start(), qPrintable(server.output()));
    Session alice(QStringLiteral("Alice"));
    Session bob(QStringLiteral("Bob"));
    QVERIFY(alice.join(server.port()));
    QVERIFY(bob.join(server.port()));
    QCOMPARE(alice.client.status(), Status::Joined);
    QVERIFY(alice.client.serverSpeaksRichProtocol());
    QCOMPARE(alice.client.name(), QStringLiteral("Alice"));
    QCOMPARE(alice.joins, QList<bool> { false });

    const QString text =
        QStringLiteral("Hello \U0001F600 \u4f60\u597d \"quoted\" {braces}\nline 2");
    QCOMPARE(alice.client.sendChat(text).status, SendStatus::Sent);
    QVERIFY(bob.waitForText(text));
    const ChatMessage received = bob.messages.constLast();
    QCOMPARE(received.from, QStringLiteral("Alice"));
    QVERIFY(!received.isPrivate());
    QVERIFY(received.id > 0);
    QVERIFY(received.time.isValid());
    QCOMPARE(bob.history.constLast(), false);

    // Bob's reply reaches Alice after her own message would have: she got only the reply.
    QCOMPARE(bob.client.sendChat(QStringLiteral("reply")).status, SendStatus::Sent);
    QVERIFY(alice.waitForText(QStringLiteral("reply")));
    QCOMPARE(alice.texts(), QStringList { QStringLiteral("reply") });
    QCOMPARE(bob.texts(), QStringList { text });
    QVERIFY(alice.messages.constLast().id > received.id);
    QCOMPARE(alice.client.lastMessageId(), alice.messages.constLast().id);

    QCOMPARE(alice.client.sendChat(QStringLiteral("   ")).status, SendStatus::InvalidText);
    const SendResult tooLong =
        alice.client.sendChat(QString(Protocol::DefaultMaxTextLength + 1, u'x'));
    QCOMPARE(tooLong.status, SendStatus::InvalidText);
    QVERIFY2(tooLong.reason.startsWith(QStringLiteral("Not sent: ")), qPrintable(tooLong.reason));
    QVERIFY(alice.errorCodes.isEmpty());
    QVERIFY(bob.errorCodes.isEmpty());
}

void TestChatClient::presenceAndUserList()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    Session alice(QStringLiteral("Alice"));
    QVERIFY(alice.join(server.port()));
    QCOMPARE(alice.client.users(), QStringList { QStringLiteral("Alice") });

    Session bob(QStringLiteral("Bob"));
    QVERIFY(bob.join(server.port()));
    QTRY_COMPARE(alice.usersJoined, QStringList { QStringLiteral("Bob") });
    QVERIFY(alice.client.users().contains(QStringLiteral("Bob")));
    QCOMPARE(bob.client.users().size(), 2);
    QVERIFY(bob.client.users().contains(QStringLiteral("Alice")));
    QVERIFY(bob.usersJoined.isEmpty()); // his own join is no news to him

    bob.client.disconnectFromServer();
    QTRY_COMPARE(alice.usersLeft, QStringList { QStringLiteral("Bob") });
    QCOMPARE(alice.client.users(), QStringList { QStringLiteral("Alice") });
    QCOMPARE(bob.disconnects, 1);
    QCOMPARE(bob.reconnects, 0);
}

void TestChatClient::privateMessageReachesOnlyTheRecipient()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    Session alice(QStringLiteral("Alice"));
    Session bob(QStringLiteral("Bob"));
    Session carol(QStringLiteral("Carol"));
    QVERIFY(alice.join(server.port()));
    QVERIFY(bob.join(server.port()));
    QVERIFY(carol.join(server.port()));

    QCOMPARE(
        alice.client.sendPrivate(QStringLiteral("bob"), QStringLiteral("lunch? \U0001F35C")).status,
        SendStatus::Sent);
    QVERIFY(bob.waitForText(QStringLiteral("lunch? \U0001F35C")));
    QCOMPARE(bob.messages.constLast().from, QStringLiteral("Alice"));
    QCOMPARE(bob.messages.constLast().to, QStringLiteral("Bob"));
    QVERIFY(bob.messages.constLast().isPrivate());

    QCOMPARE(alice.client.sendChat(QStringLiteral("for everyone")).status, SendStatus::Sent);
    QVERIFY(carol.waitForText(QStringLiteral("for everyone")));
    QCOMPARE(carol.texts(), QStringList { QStringLiteral("for everyone") });

    QCOMPARE(alice.client.sendPrivate(QStringLiteral("Nobody"), QStringLiteral("hello?")).status,
             SendStatus::Sent);
    QTRY_COMPARE(alice.errorCodes, QStringList { QStringLiteral("no_such_user") });
    QVERIFY(!alice.errorTexts.constFirst().isEmpty());
}

void TestChatClient::requestUsers()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    Session alice(QStringLiteral("Alice"));
    Session bob(QStringLiteral("Zo\u00eb"));
    QVERIFY(alice.join(server.port()));
    QVERIFY(bob.join(server.port()));
    QTRY_COMPARE(alice.client.users().size(), 2);

    QSignalSpy changed(&alice.client, &ChatClient::usersChanged);
    QCOMPARE(alice.client.requestUsers().status, SendStatus::Sent);
    QVERIFY(changed.wait());
    QStringList users = changed.constLast().at(0).toStringList();
    users.sort();
    QCOMPARE(users, (QStringList { QStringLiteral("Alice"), QStringLiteral("Zo\u00eb") }));
}

void TestChatClient::nameRefusedThenAnotherName()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    Session alice(QStringLiteral("Alice"));
    QVERIFY(alice.join(server.port()));

    Session other(QStringLiteral("ALICE"));
    other.client.connectToServer(QStringLiteral("127.0.0.1"), server.port(),
                                 QStringLiteral("ALICE"));
    QTRY_COMPARE(other.refusals.size(), 1);
    QVERIFY2(other.refusals.constFirst().contains(QStringLiteral("Alice")),
             qPrintable(other.refusals.constFirst()));
    QCOMPARE(other.client.status(), Status::Joining);
    QVERIFY(other.joins.isEmpty());
    // Typed while the name is sorted out: held, and sent once joined.
    QCOMPARE(other.client.sendChat(QStringLiteral("not yet")).status, SendStatus::Queued);

    other.client.join(QStringLiteral("Alice2"));
    QTRY_COMPARE(other.joins.size(), 1);
    QCOMPARE(other.client.status(), Status::Joined);
    QCOMPARE(other.client.name(), QStringLiteral("Alice2"));
    QTRY_COMPARE(alice.usersJoined, QStringList { QStringLiteral("Alice2") });
    QCOMPARE(other.client.sendChat(QStringLiteral("now")).status, SendStatus::Sent);
    QVERIFY(alice.waitForText(QStringLiteral("now")));
    QCOMPARE(alice.texts(), (QStringList { QStringLiteral("not yet"), QStringLiteral("now") }));
    QCOMPARE(alice.messages.constLast().from, QStringLiteral("Alice2"));
}

void TestChatClient::invalidNameRefused()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    Session session(QStringLiteral("Bad\u202eName"));
    session.client.connectToServer(QStringLiteral("127.0.0.1"), server.port(),
                                   QStringLiteral("Bad\u202eName"));
    QTRY_COMPARE(session.refusals.size(), 1);
    session.client.join(QString(33, u'x'));
    QTRY_COMPARE(session.refusals.size(), 2);
    session.client.join(QStringLiteral("  Good Name  "));
    QTRY_COMPARE(session.joins.size(), 1);
    QCOMPARE(session.client.name(), QStringLiteral("Good Name"));
}

void TestChatClient::rejoinAfterConnectionDropGetsMissedMessagesOnce()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    Relay relay(server.port());
    QVERIFY(relay.listen());

    Session alice(QStringLiteral("Alice"));
    alice.client.setReconnectDelays(2000, 4000); // long enough for Bob to talk meanwhile
    QVERIFY(alice.join(relay.port()));
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), QStringLiteral("Bob")));
    RawClient dave;
    QVERIFY(dave.joinAs(server.port(), QStringLiteral("Dave")));
    for (int i = 1; i <= 3; ++i)
        bob.sendObject(Protocol::chat(QStringLiteral("before %1").arg(i)));
    QTRY_COMPARE(alice.messages.size(), 3);

    relay.cut();
    QTRY_VERIFY(alice.reconnects >= 1);
    QCOMPARE(alice.client.status(), Status::Reconnecting);
    const QString missed = QStringLiteral("while you were away \U0001F600");
    bob.sendObject(Protocol::chat(missed));
    QVERIFY(receivesText(dave, missed));
    QVERIFY2(alice.client.status() != Status::Joined,
             "Alice came back before the message was sent");

    QTRY_VERIFY_WITH_TIMEOUT(alice.joins.size() == 2, 15000);
    QCOMPARE(alice.joins.constLast(), true);
    QVERIFY2(alice.waitForText(missed), qPrintable(alice.texts().join(u", ")));
    bob.sendObject(Protocol::chat(QStringLiteral("live again")));
    QVERIFY(alice.waitForText(QStringLiteral("live again")));

    QCOMPARE(alice.texts(),
             (QStringList { QStringLiteral("before 1"), QStringLiteral("before 2"),
                            QStringLiteral("before 3"), missed, QStringLiteral("live again") }));
    QCOMPARE(alice.history, (QList<bool> { false, false, false, true, false }));
}

void TestChatClient::rejoinAfterServerRestartGetsMissedMessagesOnce()
{
    auto server = std::make_unique<ServerProcess>();
    QVERIFY2(server->start(), qPrintable(server->output()));
    const quint16 port = server->port();

    Session alice(QStringLiteral("Alice"));
    // Long enough for the others to talk before Alice is back.
    alice.client.setReconnectDelays(3000, 6000);
    QVERIFY(alice.join(port));
    RawClient bob;
    QVERIFY(bob.joinAs(port, QStringLiteral("Bob")));
    for (int i = 1; i <= 3; ++i)
        bob.sendObject(Protocol::chat(QStringLiteral("before %1").arg(i)));
    QTRY_COMPARE(alice.messages.size(), 3);
    QVERIFY(alice.client.lastMessageId() > 0);

    server->kill();
    QTRY_VERIFY(alice.reconnects >= 1);
    QCOMPARE(alice.client.status(), Status::Reconnecting);
    QVERIFY(!alice.connectionErrors.isEmpty());

    server = std::make_unique<ServerProcess>(
        QStringList { QStringLiteral("--port"), QString::number(port) });
    QVERIFY2(server->start(), qPrintable(server->output()));
    QCOMPARE(server->port(), port);
    RawClient carol;
    RawClient dave;
    QVERIFY(carol.joinAs(port, QStringLiteral("Carol")));
    QVERIFY(dave.joinAs(port, QStringLiteral("Dave")));
    const QString missed = QStringLiteral("while you were away \U0001F600");
    carol.sendObject(Protocol::chat(missed));
    QVERIFY(receivesText(dave, missed));
    QVERIFY2(alice.client.status() != Status::Joined,
             "Alice came back before the message was sent");

    QTRY_VERIFY_WITH_TIMEOUT(alice.joins.size() == 2, 15000);
    QCOMPARE(alice.joins.constLast(), true);
    QCOMPARE(alice.client.status(), Status::Joined);
    QVERIFY2(alice.waitForText(missed),
             qPrintable(QStringLiteral("received %1; last id %2")
                            .arg(alice.texts().join(u", "))
                            .arg(alice.client.lastMessageId())));
    carol.sendObject(Protocol::chat(QStringLiteral("live again")));
    QVERIFY(alice.waitForText(QStringLiteral("live again")));

    QCOMPARE(alice.texts(),
             (QStringList { QStringLiteral("before 1"), QStringLiteral("before 2"),
                            QStringLiteral("before 3"), missed, QStringLiteral("live again") }));
    QCOMPARE(alice.history, (QList<bool> { false, false, false, true, false }));
}

void TestChatClient::disconnectWritesEverythingFirst()
{
    ServerProcess server(fastServer);
    QVERIFY2(server.start(), qPrintable(server.output()));
    Session alice(QStringLiteral("Alice"));
    Session bob(QStringLiteral("Bob"));
    QVERIFY(alice.join(server.port()));
    QVERIFY(bob.join(server.port()));

    QStringList sent;
    for (int i = 0; i < 200; ++i) {
        sent.append(QStringLiteral("message %1 ").arg(i) + QString(200, u'\u00e9'));
        QCOMPARE(alice.client.sendChat(sent.constLast()).status, SendStatus::Sent);
    }
    alice.client.disconnectFromServer();
    QTRY_COMPARE(alice.disconnects, 1);
    QCOMPARE(alice.client.status(), Status::Disconnected);
    QVERIFY(!alice.client.hasPendingWrites());

    QTRY_COMPARE(bob.messages.size(), sent.size());
    QCOMPARE(bob.texts(), sent);
    QTRY_COMPARE(bob.usersLeft, QStringList { QStringLiteral("Alice") });
    QCOMPARE(alice.reconnects, 0);
}

void TestChatClient::disconnectWhileConnecting()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    Session alice(QStringLiteral("Alice"));
    alice.client.connectToServer(QStringLiteral("127.0.0.1"), server.port(),
                                 QStringLiteral("Alice"));
    alice.client.disconnectFromServer();
    QTRY_COMPARE(alice.disconnects, 1);
    QCOMPARE(alice.client.status(), Status::Disconnected);

    // Nobody by that name is online, and nothing comes back later.
    RawClient bob;
    QVERIFY(bob.connectTo(server.port()));
    bob.sendObject(Protocol::richJoin(QStringLiteral("Bob"), QStringLiteral("test"), 0, {}));
    const QJsonObject welcome = bob.waitFor(QStringLiteral("welcome"));
    QCOMPARE(welcome.value(u"users").toArray().size(), 1);
    QSignalSpy changes(&alice.client, &ChatClient::statusChanged);
    QVERIFY(!changes.wait(300)); // a late join or a reconnect would show here
    QCOMPARE(alice.disconnects, 1);
    QVERIFY(alice.joins.isEmpty());
    QCOMPARE(alice.reconnects, 0);
    QCOMPARE(alice.client.status(), Status::Disconnected);
}

void TestChatClient::disconnectWhileReconnecting()
{
    auto server = std::make_unique<ServerProcess>();
    QVERIFY2(server->start(), qPrintable(server->output()));
    Session alice(QStringLiteral("Alice"));
    alice.client.setReconnectDelays(200, 400);
    QVERIFY(alice.join(server->port()));
    server->kill();
    QTRY_VERIFY(alice.reconnects >= 1);
    alice.client.disconnectFromServer();
    QTRY_COMPARE(alice.disconnects, 1);
    QCOMPARE(alice.client.status(), Status::Disconnected);
    QSignalSpy changes(&alice.client, &ChatClient::statusChanged);
    QVERIFY(!changes.wait(600)); // longer than any pending retry
    QCOMPARE(alice.disconnects, 1);
    QCOMPARE(alice.client.status(), Status::Disconnected);
}

void TestChatClient::failedFirstConnectIsFinal()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();

    Session session(QStringLiteral("Alice"));
    session.client.connectToServer(QStringLiteral("127.0.0.1"), port, QStringLiteral("Alice"));
    QTRY_COMPARE(session.disconnects, 1);
    QCOMPARE(session.connectionErrors.size(), 1);
    QCOMPARE(session.reconnects, 0);
    QCOMPARE(session.client.status(), Status::Disconnected);
}

// A server written from the seed: no welcome, objects with no delimiter, any split.
void TestChatClient::seedServerBackToBackAndSpacedSends()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session(QStringLiteral("Alice"));
    session.client.setWelcomeTimeout(60000); // a relayed message alone must end the wait
    session.client.setSeedSendInterval(300); // wide enough that a busy machine keeps reads apart
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QTRY_VERIFY(fake.hasPendingConnections());
    std::unique_ptr<QTcpSocket> peer(fake.nextPendingConnection());
    QByteArray joinBytes;
    QTRY_VERIFY((joinBytes += peer->readAll()).contains("\"join\""));
    QCOMPARE(session.client.status(), Status::Joining);

    peer->write(R"({"type": "message", "from": "Sam", "data": "one \ud83d\ude00"})"
                R"({"type": "message", "from": "Sam", "data": "two {}"}{"type": "mess)");
    QTRY_COMPARE(session.messages.size(), 2);
    QCOMPARE(session.joins, QList<bool> { false });
    QCOMPARE(session.client.status(), Status::Joined);
    QVERIFY(!session.client.serverSpeaksRichProtocol());
    peer->write(R"(age", "from": "Tom", "data": "three"})");
    QTRY_COMPARE(session.texts(),
                 (QStringList { QStringLiteral("one \U0001F600"), QStringLiteral("two {}"),
                                QStringLiteral("three") }));
    QCOMPARE(session.messages.constLast().from, QStringLiteral("Tom"));

    // Sent at once, they arrive apart: each recv() of a seed server holds one.
    QElapsedTimer clock;
    clock.start();
    QList<qint64> arrivals;
    QByteArrayList reads;
    connect(peer.get(), &QTcpSocket::readyRead, this, [&] {
        arrivals.append(clock.elapsed());
        reads.append(peer->readAll());
    });
    for (int i = 0; i < 3; ++i)
        QCOMPARE(session.client.sendChat(QStringLiteral("chat %1").arg(i)).status,
                 SendStatus::Sent);
    QTRY_COMPARE(reads.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(reads.at(i).count("\"type\""), 1);
        QVERIFY(reads.at(i).contains(QStringLiteral("chat %1").arg(i).toUtf8()));
    }
    QVERIFY2(arrivals.at(1) - arrivals.at(0) >= 200 && arrivals.at(2) - arrivals.at(1) >= 200,
             qPrintable(QStringLiteral("%1 %2 %3")
                            .arg(arrivals.at(0))
                            .arg(arrivals.at(1))
                            .arg(arrivals.at(2))));
    QCOMPARE(session.client.sendPrivate(QStringLiteral("Sam"), QStringLiteral("x")).status,
             SendStatus::Unsupported);
    QVERIFY(session.errorCodes.isEmpty());
}

static const QByteArray fakeWelcome =
    R"({"type":"welcome","protocol":1,"server":"Fake","version":"0","name":"Alice",)"
    R"("session":"s","users":["Alice"],"history":[],"missed":0})"
    "\n";

using TestSupport::acceptJoin;

void TestChatClient::keepAliveAnswersAndDetectsASilentServer()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session(QStringLiteral("Alice"));
    session.client.setKeepAliveInterval(300);
    session.client.setReconnectDelays(100, 200);
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray join;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &join);
    QVERIFY(peer);
    peer->write(fakeWelcome);
    QTRY_COMPARE(session.joins.size(), 1);

    // The server's ping is answered with the same id.
    peer->write(R"({"type":"ping","id":7})"
                "\n");
    QByteArray fromClient;
    QTRY_VERIFY((fromClient += peer->readAll()).contains(R"({"id":7,"type":"pong"})"));

    // Then the server goes silent: the client pings, and gives up on it after
    // twice the interval, and comes back.
    QElapsedTimer silence;
    silence.start();
    QTRY_VERIFY((fromClient += peer->readAll()).contains(R"("type":"ping")"));
    QVERIFY(silence.elapsed() >= 250);
    QTRY_COMPARE(session.reconnects, 1);
    QVERIFY(silence.elapsed() >= 500);
    QCOMPARE(session.connectionErrors.size(), 1);
    QCOMPARE(session.connectionErrorCodes, QList<ConnectionError> { ConnectionError::Timeout });
    QByteArray rejoin;
    std::unique_ptr<QTcpSocket> second = acceptJoin(fake, &rejoin);
    QVERIFY(second);
    QVERIFY(rejoin.contains(R"("resume":"s")"));
}

void TestChatClient::nameTakenOnRejoinRetriesQuietly()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session(QStringLiteral("Alice"));
    session.client.setReconnectDelays(50, 100);
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray join;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &join);
    QVERIFY(peer);
    peer->write(fakeWelcome);
    QTRY_COMPARE(session.joins.size(), 1);
    peer->abort();
    QTRY_COMPARE(session.reconnects, 1);

    // The server still holds the old connection's name: not the user's problem.
    QByteArray rejoin;
    peer = acceptJoin(fake, &rejoin);
    QVERIFY(peer);
    peer->write(
        R"({"type":"error","code":"name_taken","data":"The name \"Alice\" is already in use."})"
        "\n");
    QTRY_COMPARE(session.reconnects, 2);
    QVERIFY(session.refusals.isEmpty());

    QByteArray third;
    peer = acceptJoin(fake, &third);
    QVERIFY(peer);
    peer->write(fakeWelcome);
    QTRY_COMPARE(session.joins, (QList<bool> { false, true }));
    QCOMPARE(session.client.name(), QStringLiteral("Alice"));
}

// A server that sends what no server should. The client must report it and
// never crash; what can be survived is survived.
void TestChatClient::hostileServer_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<bool>("welcomeFirst");
    QTest::addColumn<QString>("errorCode"); // "" none expected, "*" any code
    QTest::addColumn<bool>("fatal");

    QTest::newRow("garbage line") << QByteArray("hello\n") << true << QStringLiteral("*") << false;
    QTest::newRow("number line") << QByteArray("42\n") << true << QStringLiteral("*") << false;
    QTest::newRow("NUL bytes") << QByteArray("\0\0\0\n", 4) << true << QStringLiteral("*") << false;
    QTest::newRow("invalid UTF-8")
        << QByteArray("{\"type\":\"message\",\"from\":\"x\",\"data\":\"\xff\xfe\"}\n") << true
        << QStringLiteral("bad_utf8") << false;
    QTest::newRow("array") << QByteArray("[1,2,3]\n") << true << QStringLiteral("not_object")
                           << false;
    QTest::newRow("type missing") << QByteArray(R"({"data":"x"})") << true
                                  << QStringLiteral("bad_field") << false;
    QTest::newRow("message from number") << QByteArray(R"({"type":"message","from":7,"data":"x"})")
                                         << true << QStringLiteral("bad_field") << false;
    QTest::newRow("message data array")
        << QByteArray(R"({"type":"message","from":"x","data":["x"]})") << true
        << QStringLiteral("bad_field") << false;
    QTest::newRow("welcome of wrong types")
        << QByteArray(R"({"type":"welcome","protocol":"one","name":7,"users":"Bob",)"
                      R"("history":[1,"x",{"from":3},null,[]],"server":[],"session":{}})"
                      "\n")
        << false << QString() << false;
    QTest::newRow("history of wrong type")
        << QByteArray(R"({"type":"welcome","protocol":1,"name":"Alice","history":{"a":1}})")
        << false << QString() << false;
    QTest::newRow("presence of wrong types")
        << QByteArray(R"({"type":"presence","event":5,"name":[1]}{"type":"presence"})") << true
        << QString() << false;
    QTest::newRow("users of wrong types") << QByteArray(
        R"({"type":"users","users":[1,null,{"a":1},"Bob"]}{"type":"users","users":3})")
                                          << true << QString() << false;
    QTest::newRow("empty error") << QByteArray(R"({"type":"error"})") << true << QString() << false;
    QTest::newRow("error of wrong types")
        << QByteArray(R"({"type":"error","code":5,"data":[]})") << true << QString() << false;
    QTest::newRow("unknown type") << QByteArray(R"({"type":"dance","data":1})") << true << QString()
                                  << false;
    QTest::newRow("ping with a string id")
        << QByteArray(R"({"type":"ping","id":"x"})") << true << QString() << false;
    QTest::newRow("nesting too deep") << QByteArray(200, '[') << true << QString() << true;
    QTest::newRow("frame too large") << QByteArray(R"({"type":"message","from":"x","data":")")
            + QByteArray(Protocol::ClientMaxFrameBytes + 1024, 'x')
                                     << true << QString() << true;
    QTest::newRow("endless garbage line")
        << QByteArray(Protocol::ClientMaxFrameBytes + 1024, 'x') << true << QString() << true;
}

void TestChatClient::hostileServer()
{
    QFETCH(QByteArray, payload);
    QFETCH(bool, welcomeFirst);
    QFETCH(QString, errorCode);
    QFETCH(bool, fatal);

    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session(QStringLiteral("Alice"));
    session.client.setAutoReconnect(false);
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QTRY_VERIFY(fake.hasPendingConnections());
    std::unique_ptr<QTcpSocket> peer(fake.nextPendingConnection());
    QByteArray joinBytes;
    QTRY_VERIFY((joinBytes += peer->readAll()).contains("\"join\""));

    if (welcomeFirst) {
        peer->write(fakeWelcome);
        QTRY_COMPARE(session.joins.size(), 1);
    }
    peer->write(payload);

    if (fatal) {
        QTRY_VERIFY_WITH_TIMEOUT(session.disconnects == 1, 15000);
        QCOMPARE(session.connectionErrors.size(), 1);
        QCOMPARE(session.client.status(), Status::Disconnected);
        QTRY_COMPARE(peer->state(), QAbstractSocket::UnconnectedState);
        return;
    }

    // The stream goes on: the next honest message is shown, safely.
    peer->write("\n{\"type\":\"message\",\"id\":9,\"from\":\"Fake\","
                "\"data\":\"still here \\u001b[2J\\u009b31m\\u202e\\ud800\"}\n");
    QTRY_COMPARE(session.messages.size(), 1);
    const ChatMessage last = session.messages.constLast();
    QCOMPARE(last.from, QStringLiteral("Fake"));
    QVERIFY(last.text.startsWith(QStringLiteral("still here")));
    const QString shown = DisplayText::neutralized(last.text);
    QVERIFY(!shown.contains(QChar(0x1b)) && !shown.contains(QChar(0x9b))
            && !shown.contains(QChar(0x202e)) && shown.isValidUtf16());
    QCOMPARE(session.client.status(), Status::Joined);
    QVERIFY(session.connectionErrors.isEmpty());
    if (errorCode.isEmpty())
        QCOMPARE(session.errorCodes.size(), session.errorCodes.count(QString()));
    else if (errorCode == u"*")
        QCOMPARE(session.errorCodes.size(), 1);
    else
        QCOMPARE(session.errorCodes, QStringList { errorCode });
}

// Reads what the client wrote on peer until it holds count chat objects.
static QList<QJsonObject> readChats(QTcpSocket *peer, qsizetype count, QByteArray *buffer)
{
    QList<QJsonObject> chats;
    // The caller compares the count: a shortfall shows there, with the values.
    [[maybe_unused]] const bool complete = QTest::qWaitFor(
        [&] {
            *buffer += peer->readAll();
            chats.clear();
            for (const QByteArray &line : buffer->split('\n')) {
                const QJsonObject object = QJsonDocument::fromJson(line).object();
                if (object.value(u"type").toString() == u"chat"
                    || object.value(u"type").toString() == u"private")
                    chats.append(object);
            }
            return chats.size() >= count;
        },
        5000);
    return chats;
}

void TestChatClient::sendsWhileConnectingAreQueuedInOrder()
{
    Session session(QStringLiteral("Alice"));
    const SendResult offline = session.client.sendChat(QStringLiteral("too early"));
    QCOMPARE(offline.status, SendStatus::NotConnected);
    QVERIFY(!offline.reason.isEmpty());

    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QCOMPARE(session.client.status(), Status::Connecting);
    const SendResult first = session.client.sendChat(QStringLiteral("one"));
    QCOMPARE(first.status, SendStatus::Queued);
    QByteArray join;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &join);
    QVERIFY(peer);
    QCOMPARE(session.client.status(), Status::Joining);
    const SendResult second = session.client.sendAction(QStringLiteral("two"));
    const SendResult third = session.client.sendPrivate(QStringLiteral("Bob"), QStringLiteral("3"));
    QCOMPARE(second.status, SendStatus::Queued);
    QCOMPARE(third.status, SendStatus::Queued);
    QCOMPARE(session.client.sendChat(QStringLiteral(" ")).status, SendStatus::InvalidText);
    QCOMPARE(session.client.queuedCount(), 3);
    // Nothing but the join may reach a server that has not shown its protocol.
    QVERIFY(!join.contains("\"chat\""));
    QVERIFY(session.sentIds.isEmpty());

    peer->write(fakeWelcome);
    QByteArray written;
    const QList<QJsonObject> chats = readChats(peer.get(), 3, &written);
    QCOMPARE(chats.size(), 3);
    QCOMPARE(chats.at(0).value(u"data").toString(), QStringLiteral("one"));
    QCOMPARE(chats.at(1).value(u"data").toString(), QStringLiteral("two"));
    QCOMPARE(chats.at(1).value(u"action").toBool(), true);
    QCOMPARE(chats.at(2).value(u"data").toString(), QStringLiteral("3"));
    QCOMPARE(chats.at(2).value(u"to").toString(), QStringLiteral("Bob"));
    QCOMPARE(session.sentIds, (QList<quint64> { first.id, second.id, third.id }));
    QCOMPARE(session.client.queuedCount(), 0);

    const SendResult now = session.client.sendChat(QStringLiteral("now"));
    QCOMPARE(now.status, SendStatus::Sent);
    QCOMPARE(session.sentIds.constLast(), now.id);
    QVERIFY(session.failedIds.isEmpty());
}

void TestChatClient::queueIsBoundedAndEmptiedWhenTheSessionEnds()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session(QStringLiteral("Alice"));
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    for (int i = 0; i < ChatClient::MaxQueuedSends; ++i)
        QCOMPARE(session.client.sendChat(QString::number(i)).status, SendStatus::Queued);
    const SendResult full = session.client.sendChat(QStringLiteral("one too many"));
    QCOMPARE(full.status, SendStatus::NotConnected);
    QVERIFY2(full.reason.contains(QString::number(ChatClient::MaxQueuedSends)),
             qPrintable(full.reason));

    session.client.disconnectFromServer();
    QCOMPARE(session.failedIds.size(), ChatClient::MaxQueuedSends);
    QCOMPARE(session.failures.constFirst().status, SendStatus::NotConnected);
    QVERIFY(!session.failures.constFirst().reason.isEmpty());
    QCOMPARE(session.client.queuedCount(), 0);
    QVERIFY(session.sentIds.isEmpty());
}

void TestChatClient::queuedActionFailsOnASeedServer()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session(QStringLiteral("Alice"));
    session.client.setWelcomeTimeout(300);
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray join;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &join);
    QVERIFY(peer);
    const SendResult action = session.client.sendAction(QStringLiteral("waves"));
    const SendResult chat = session.client.sendChat(QStringLiteral("hello seed"));
    QCOMPARE(action.status, SendStatus::Queued);
    QCOMPARE(chat.status, SendStatus::Queued);

    // No welcome: a seed server. The chat goes out, the action cannot.
    QTRY_COMPARE(session.client.status(), Status::Joined);
    QVERIFY(!session.client.serverSpeaksRichProtocol());
    QCOMPARE(session.failedIds, QList<quint64> { action.id });
    QCOMPARE(session.failures.constFirst().status, SendStatus::Unsupported);
    QVERIFY(session.failures.constFirst().reason.contains(QStringLiteral("/me")));
    QByteArray written;
    const QList<QJsonObject> chats = readChats(peer.get(), 1, &written);
    QCOMPARE(chats.size(), 1);
    QCOMPARE(chats.constFirst().value(u"data").toString(), QStringLiteral("hello seed"));
    QCOMPARE(session.sentIds, QList<quint64> { chat.id });
}

// A front end that shows joined() needs the history in by then: no extra turn.
void TestChatClient::historyArrivesBeforeJoined()
{
    ServerProcess server(fastServer);
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), QStringLiteral("Bob")));
    bob.sendObject(Protocol::chat(QStringLiteral("earlier 1")));
    bob.sendObject(Protocol::chat(QStringLiteral("earlier 2")));
    // The server has both once a later joiner's welcome holds them (they are
    // committed to storage first, which takes a while on a busy machine).
    int probes = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            RawClient probe;
            if (!probe.connectTo(server.port()))
                return false;
            probe.sendObject(Protocol::richJoin(QStringLiteral("Probe%1").arg(++probes),
                                                QStringLiteral("test"), 0, {}));
            return probe.waitFor(Wire::Welcome::Type)
                       .value(QStringLiteral("history"))
                       .toArray()
                       .size()
                == 2;
        }(),
        10000);

    Session alice(QStringLiteral("Alice"));
    QList<qsizetype> historyAtJoin;
    connect(&alice.client, &ChatClient::joined, this, [&] {
        historyAtJoin.append(alice.messages.size());
        QCOMPARE(alice.client.status(), Status::Joined);
    });
    QVERIFY(alice.join(server.port()));
    QCOMPARE(historyAtJoin, QList<qsizetype> { 2 });
    QCOMPARE(alice.texts(),
             (QStringList { QStringLiteral("earlier 1"), QStringLiteral("earlier 2") }));
    QCOMPARE(alice.history, (QList<bool> { true, true }));
}

// A rejoin's history holds what we saw live and what we said ourselves.
void TestChatClient::catchUpSkipsWhatWasDeliveredAndOwnLines()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session(QStringLiteral("Alice"));
    session.client.setReconnectDelays(50, 100);
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray join;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &join);
    QVERIFY(peer);
    peer->write(R"({"type":"welcome","protocol":1,"name":"Alice","session":"s","run":"r1",)"
                R"("users":["Alice","Bob"],"history":[{"type":"message","id":1,"from":"Bob",)"
                R"("data":"old"}]})"
                "\n");
    QTRY_COMPARE(session.joins.size(), 1);
    peer->write(R"({"type":"message","id":3,"from":"Bob","data":"live"})"
                "\n");
    QVERIFY(session.waitForText(QStringLiteral("live")));
    QCOMPARE(session.client.sendChat(QStringLiteral("mine")).status, SendStatus::Sent);
    QByteArray written;
    QCOMPARE(readChats(peer.get(), 1, &written).size(), 1);
    peer->abort();
    QTRY_COMPARE(session.reconnects, 1);

    QByteArray rejoin;
    peer = acceptJoin(fake, &rejoin);
    QVERIFY(peer);
    QVERIFY2(rejoin.contains(R"("since":3)"), rejoin.constData());
    // Id 2 came before the drop but never reached us; 4 is ours; 5 is news.
    peer->write(R"({"type":"welcome","protocol":1,"name":"Alice","session":"s","run":"r1",)"
                R"("users":["Alice","Bob"],"history":[)"
                R"({"type":"message","id":1,"from":"Bob","data":"old"},)"
                R"({"type":"message","id":2,"from":"Carol","data":"unseen"},)"
                R"({"type":"message","id":3,"from":"Bob","data":"live"},)"
                R"({"type":"message","id":4,"from":"Alice","data":"mine"},)"
                R"({"type":"message","id":5,"from":"Bob","data":"missed"}]})"
                "\n");
    QTRY_COMPARE(session.joins, (QList<bool> { false, true }));
    QCOMPARE(session.texts(),
             (QStringList { QStringLiteral("old"), QStringLiteral("live"), QStringLiteral("unseen"),
                            QStringLiteral("missed") }));
    QCOMPARE(session.history, (QList<bool> { true, false, true, true }));
    QCOMPARE(session.client.lastMessageId(), 5);
}

void TestChatClient::sendRatePacesLines()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session session(QStringLiteral("Alice"));
    session.client.setSendRate(5, 1); // one now, then one per 200 ms
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray join;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &join);
    QVERIFY(peer);
    peer->write(fakeWelcome);
    QTRY_COMPARE(session.joins.size(), 1);

    QElapsedTimer clock;
    clock.start();
    QCOMPARE(session.client.sendChat(QStringLiteral("a")).status, SendStatus::Sent);
    QCOMPARE(session.client.sendChat(QStringLiteral("b")).status, SendStatus::Queued);
    QCOMPARE(session.client.sendChat(QStringLiteral("c")).status, SendStatus::Queued);
    QTRY_COMPARE(session.sentIds.size(), 3);
    QVERIFY2(clock.elapsed() >= 350, qPrintable(QString::number(clock.elapsed())));
    QByteArray written;
    const QList<QJsonObject> chats = readChats(peer.get(), 3, &written);
    QCOMPARE(chats.size(), 3);
    QCOMPARE(chats.at(2).value(u"data").toString(), QStringLiteral("c"));
}

void TestChatClient::connectionErrorCodes()
{
    QTcpServer closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost));
    const quint16 port = closed.serverPort();
    closed.close();
    Session refused(QStringLiteral("Alice"));
    refused.client.connectToServer(QStringLiteral("127.0.0.1"), port, QStringLiteral("Alice"));
    QTRY_COMPARE(refused.disconnects, 1);
    QCOMPARE(refused.connectionErrorCodes,
             QList<ConnectionError> { ConnectionError::ConnectionRefused });
    QCOMPARE(refused.client.error(), ConnectionError::ConnectionRefused);
    QVERIFY(!refused.client.errorString().isEmpty());
    QCOMPARE(refused.client.errorString(), refused.connectionErrors.constFirst());

    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Session closing(QStringLiteral("Alice"));
    closing.client.setAutoReconnect(false);
    closing.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray join;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &join);
    QVERIFY(peer);
    peer->write(fakeWelcome);
    QTRY_COMPARE(closing.joins.size(), 1);
    QCOMPARE(closing.client.error(), ConnectionError::None);
    peer->write(QByteArray(300, '['));
    QTRY_COMPARE(closing.disconnects, 1);
    QCOMPARE(closing.connectionErrorCodes,
             QList<ConnectionError> { ConnectionError::ProtocolError });
}

QTEST_GUILESS_MAIN(TestChatClient)
#include "tst_chatclient.moc"
