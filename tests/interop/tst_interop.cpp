// SPDX-License-Identifier: MIT
#include "chatclient.h"
#include "rawclient.h"
#include "seedprocess.h"
#include "serverprocess.h"

#include <QFile>
#include <QTest>

#include <memory>
#include <vector>

using Status = ChatClient::Status;

// Our ChatClient with what it received, for assertions.
class RichUser : public QObject
{
    Q_OBJECT
public:
    RichUser()
    {
        client.setClientName(QStringLiteral("tst_interop"));
        client.setKeepAliveInterval(0);
        connect(&client, &ChatClient::messageReceived, this,
                [this](const ChatMessage &message) { messages.append(message); });
        connect(&client, &ChatClient::joined, this, [this] { ++joins; });
        connect(&client, &ChatClient::userJoined, this,
                [this](const QString &name) { usersJoined.append(name); });
        connect(&client, &ChatClient::userLeft, this,
                [this](const QString &name) { usersLeft.append(name); });
        connect(&client, &ChatClient::errorReceived, this,
                [this](const QString &code) { errors.append(code); });
        connect(&client, &ChatClient::disconnected, this, [this] { ++disconnects; });
    }

    bool join(quint16 port, const QString &name)
    {
        client.connectToServer(QStringLiteral("127.0.0.1"), port, name);
        return QTest::qWaitFor([&] { return joins > 0; }, 10000);
    }

    // "FROM: TEXT" of each message, as a seed client prints them.
    QStringList lines() const
    {
        QStringList result;
        for (const ChatMessage &message : messages)
            result.append(message.from + QStringLiteral(": ") + message.text);
        return result;
    }

    ChatClient client;
    QList<ChatMessage> messages;
    QStringList usersJoined;
    QStringList usersLeft;
    QStringList errors;
    int joins = 0;
    int disconnects = 0;
};

// Lines in the order the peer printed them, keeping only those in expected.
static QStringList inOrder(const QStringList &lines, const QStringList &expected)
{
    QStringList result;
    for (const QString &line : lines) {
        if (expected.contains(line))
            result.append(line);
    }
    return result;
}

class TestInterop : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void seedClientsOnOurServer();
    void seedClientsReadOneObjectAtATimeDuringBursts();
    void seedWelcomeInABusyRoomFitsOneRead();
    void ourClientOnTheSeedServer();
    void ourClientLeavingTheSeedServerSendsEverything();
};

void TestInterop::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(PYNET_PYTHON)), PYNET_PYTHON);
}

void TestInterop::seedClientsOnOurServer()
{
    ServerProcess server({ QStringLiteral("--rate"), QStringLiteral("1000"),
                           QStringLiteral("--burst"), QStringLiteral("1000") });
    QVERIFY2(server.start(), qPrintable(server.output()));
    RichUser rita;
    QVERIFY(rita.join(server.port(), QStringLiteral("Rita")));

    SeedProcess sam;
    SeedProcess tom;
    QVERIFY(sam.startClient(server.port(), QStringLiteral("Sam")));
    QVERIFY2(sam.waitForLineContaining(QStringLiteral("Welcome")), qPrintable(sam.errors()));
    QVERIFY(tom.startClient(server.port(), QStringLiteral("Tom")));
    QVERIFY2(tom.waitForLineContaining(QStringLiteral("Welcome")), qPrintable(tom.errors()));
    QTRY_COMPARE(rita.usersJoined, (QStringList { QStringLiteral("Sam"), QStringLiteral("Tom") }));
    QVERIFY(sam.waitForLineContaining(QStringLiteral("Tom")));
    QVERIFY(rita.client.serverSpeaksRichProtocol());

    // Seed client to everyone else.
    const QString fromSam = QStringLiteral("Gr\u00fc\u00dfe aus K\u00f6ln \U0001F600 \u4f60\u597d");
    sam.writeLine(fromSam);
    QVERIFY(tom.waitForLine(QStringLiteral("Sam: ") + fromSam));
    QTRY_VERIFY(rita.lines().contains(QStringLiteral("Sam: ") + fromSam));

    // Our client to the seed clients.
    const QString fromRita = QStringLiteral("\u041f\u0440\u0438\u0432\u0435\u0442 \U0001F389 "
                                            "{\"json\": [1, \"}\"]} \\ done");
    QCOMPARE(rita.client.sendChat(fromRita).status, SendResult::Status::Sent);
    QVERIFY(sam.waitForLine(QStringLiteral("Rita: ") + fromRita));
    QVERIFY(tom.waitForLine(QStringLiteral("Rita: ") + fromRita));

    // A private message reaches a seed client marked as private, and no one else.
    QCOMPARE(
        rita.client.sendPrivate(QStringLiteral("Tom"), QStringLiteral("psst \U0001F92B")).status,
        SendResult::Status::Sent);
    QVERIFY(tom.waitForLine(QStringLiteral("Rita: (private) psst \U0001F92B")));
    QCOMPARE(rita.client.sendChat(QStringLiteral("after the secret")).status,
             SendResult::Status::Sent);
    QVERIFY(sam.waitForLine(QStringLiteral("Rita: after the secret")));
    QVERIFY(!sam.lines().join(u'\n').contains(QStringLiteral("psst")));
    QVERIFY(!sam.lines().contains(QStringLiteral("Sam: ") + fromSam));

    // Text no UTF-8 encoder accepts is refused, so it cannot stop a seed client's
    // receiving thread: the next message still arrives.
    RawClient mallory;
    QVERIFY(mallory.joinAs(server.port(), QStringLiteral("Mallory")));
    QVERIFY(sam.waitForLineContaining(QStringLiteral("Mallory")));
    mallory.send(R"({"type":"chat","data":"\ud800 boom"})"
                 "\n");
    QCOMPARE(mallory.waitFor(QStringLiteral("error")).value(u"code").toString(),
             QStringLiteral("invalid_text"));
    QCOMPARE(rita.client.sendChat(QStringLiteral("still talking")).status,
             SendResult::Status::Sent);
    QVERIFY2(sam.waitForLine(QStringLiteral("Rita: still talking")), qPrintable(sam.errors()));
    QVERIFY(!sam.errors().contains(QStringLiteral("Traceback")));

    // Leaving: the others hear of it, in words for the seed client.
    tom.writeLine(QStringLiteral("quit"));
    QVERIFY(tom.finish());
    QTRY_COMPARE(rita.usersLeft, QStringList { QStringLiteral("Tom") });
    QVERIFY(sam.waitForLineContaining(QStringLiteral("Tom left")));

    QVERIFY(rita.errors.isEmpty());
    QCOMPARE(sam.errors(), QString());
    // Tom closed his own socket: his receiving thread may still report that
    // before the process ends, but it must never have failed to parse.
    QVERIFY2(!tom.errors().contains(QStringLiteral("json error")), qPrintable(tom.errors()));
}

void TestInterop::seedClientsReadOneObjectAtATimeDuringBursts()
{
    ServerProcess server({ QStringLiteral("--rate"), QStringLiteral("1000"),
                           QStringLiteral("--burst"), QStringLiteral("1000") });
    QVERIFY2(server.start(), qPrintable(server.output()));
    RichUser rita;
    QVERIFY(rita.join(server.port(), QStringLiteral("Rita")));
    SeedProcess sam;
    SeedProcess tom;
    QVERIFY(sam.startClient(server.port(), QStringLiteral("Sam")));
    QVERIFY(tom.startClient(server.port(), QStringLiteral("Tom")));
    QTRY_COMPARE(rita.usersJoined.size(), 2);
    QVERIFY(sam.waitForLineContaining(QStringLiteral("Tom")));

    // Bursts both ways at once: a seed client sends back to back without a
    // delimiter, we send without pause. No seed client may get two objects in one read.
    QStringList samBurst;
    QStringList ritaBurst;
    QByteArray samInput;
    for (int i = 0; i < 15; ++i) {
        samBurst.append(QStringLiteral("Sam: burst %1 \u00e9\U0001F680").arg(i));
        ritaBurst.append(QStringLiteral("Rita: rapid %1 \u4e2d").arg(i));
        samInput += QStringLiteral("burst %1 \u00e9\U0001F680\n").arg(i).toUtf8();
    }
    sam.writeLine(QString::fromUtf8(samInput.chopped(1)));
    for (int i = 0; i < 15; ++i)
        QCOMPARE(rita.client.sendChat(QStringLiteral("rapid %1 \u4e2d").arg(i)).status,
                 SendResult::Status::Sent);
    QVERIFY2(tom.waitForLine(samBurst.constLast()), qPrintable(tom.errors()));
    QVERIFY2(tom.waitForLine(ritaBurst.constLast()), qPrintable(tom.errors()));
    QVERIFY2(sam.waitForLine(ritaBurst.constLast()), qPrintable(sam.errors()));
    QTRY_VERIFY(rita.lines().contains(samBurst.constLast()));
    QCOMPARE(inOrder(tom.lines(), samBurst), samBurst);
    QCOMPARE(inOrder(tom.lines(), ritaBurst), ritaBurst);
    QCOMPARE(inOrder(sam.lines(), ritaBurst), ritaBurst);
    QCOMPARE(inOrder(rita.lines(), samBurst), samBurst);

    QVERIFY(rita.errors.isEmpty());
    QCOMPARE(sam.errors(), QString());
    // Tom closed his own socket: his receiving thread may still report that
    // before the process ends, but it must never have failed to parse.
    QVERIFY2(!tom.errors().contains(QStringLiteral("json error")), qPrintable(tom.errors()));
}

// A seed client reads its welcome with one recv(1024): however many are online,
// the notice must fit, or the first thing its user sees is an error.
void TestInterop::seedWelcomeInABusyRoomFitsOneRead()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    std::vector<std::unique_ptr<RawClient>> crowd;
    for (int i = 0; i < 12; ++i) {
        // 32 characters, 3 bytes each in UTF-8: names people in Asia actually use are this wide.
        const QString name = QString(31, QChar(0x4e00 + i)) + QString::number(i % 10);
        crowd.push_back(std::make_unique<RawClient>());
        QVERIFY(crowd.back()->joinAs(server.port(), name));
    }
    SeedProcess sam;
    QVERIFY(sam.startClient(server.port(), QStringLiteral("Sam")));
    QVERIFY2(sam.waitForLineContaining(QStringLiteral("Welcome")), qPrintable(sam.errors()));
    QCOMPARE(sam.errors(), QString());
}

void TestInterop::ourClientOnTheSeedServer()
{
    SeedProcess seedServer;
    QVERIFY2(seedServer.startServer(), qPrintable(seedServer.errors()));
    SeedProcess sam;
    QVERIFY(sam.startClient(seedServer.port(), QStringLiteral("Sam")));
    QVERIFY(seedServer.waitForLine(QStringLiteral("joined Sam")));

    RichUser qt;
    qt.client.setWelcomeTimeout(500);
    QVERIFY(qt.join(seedServer.port(), QStringLiteral("Quinn")));
    QVERIFY(seedServer.waitForLine(QStringLiteral("joined Quinn")));
    QCOMPARE(qt.client.status(), Status::Joined);
    QVERIFY(!qt.client.serverSpeaksRichProtocol());
    QCOMPARE(qt.client.name(), QStringLiteral("Quinn"));
    QCOMPARE(qt.client.requestUsers().status, SendResult::Status::Unsupported);
    QCOMPARE(
        qt.client.sendPrivate(QStringLiteral("Sam"), QStringLiteral("no such thing here")).status,
        SendResult::Status::Unsupported);

    // Sent as fast as we can; the client spaces them so each recv(1024) holds one.
    QStringList sent;
    for (int i = 0; i < 6; ++i) {
        sent.append(QStringLiteral("quick %1 \u00fc\U0001F600").arg(i));
        QCOMPARE(qt.client.sendChat(sent.constLast()).status, SendResult::Status::Sent);
    }
    QStringList expected;
    for (const QString &text : std::as_const(sent))
        expected.append(QStringLiteral("Quinn: ") + text);
    QVERIFY(sam.waitForLine(expected.constLast()));
    QCOMPARE(inOrder(sam.lines(), expected), expected);

    // One at a time: two sends in a row would reach the seed server in one recv()
    // and fail its json.loads(), whoever the client.
    const QStringList fromSam { QStringLiteral("hi Quinn \U0001F44B \u4f60\u597d"),
                                QStringLiteral("second {\"not\": \"json\"}"),
                                QStringLiteral("third \\ \u00e9") };
    QStringList expectedFromSam;
    for (const QString &text : fromSam) {
        sam.writeLine(text);
        QVERIFY(seedServer.waitForLine(QStringLiteral("chat Sam: ") + text));
        expectedFromSam.append(QStringLiteral("Sam: ") + text);
    }
    QTRY_COMPARE(qt.lines(), expectedFromSam);
    QCOMPARE(qt.messages.constFirst().id, 0);
    QVERIFY(qt.errors.isEmpty());

    QCOMPARE(seedServer.errors(), QString());
    QCOMPARE(sam.errors(), QString());
}

void TestInterop::ourClientLeavingTheSeedServerSendsEverything()
{
    SeedProcess seedServer;
    QVERIFY2(seedServer.startServer(), qPrintable(seedServer.errors()));
    RichUser qt;
    qt.client.setWelcomeTimeout(300);
    QVERIFY(qt.join(seedServer.port(), QStringLiteral("Quinn")));
    for (int i = 0; i < 5; ++i)
        QCOMPARE(qt.client.sendChat(QStringLiteral("last words %1").arg(i)).status,
                 SendResult::Status::Sent);
    qt.client.disconnectFromServer();
    QTRY_COMPARE(qt.disconnects, 1);
    QCOMPARE(qt.client.status(), Status::Disconnected);
    QVERIFY(seedServer.waitForLine(QStringLiteral("left Quinn")));
    QStringList expected;
    for (int i = 0; i < 5; ++i)
        expected.append(QStringLiteral("chat Quinn: last words %1").arg(i));
    QCOMPARE(inOrder(seedServer.lines(), expected), expected);
    QCOMPARE(seedServer.errors(), QString());
}

QTEST_GUILESS_MAIN(TestInterop)
#include "tst_interop.moc"
