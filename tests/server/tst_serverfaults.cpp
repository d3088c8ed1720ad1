// SPDX-License-Identifier: MIT
#include "protocol.h"
#include "rawclient.h"
#include "serverfixture.h"
#include "servertest.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonArray>
#include <QTest>

#include <cmath>
#include <memory>
#include <optional>
#include <vector>

using namespace ServerTest;

// Every way a client can misbehave: each gets an error and/or a logged close,
// the server stays up, and two ordinary users next to it lose nothing.
class TestServerFaults : public ServerFixture
{
    Q_OBJECT

private Q_SLOTS:
    void chatBeforeJoin();
    void duplicateJoin();
    void badMessages_data();
    void badMessages();
    void names_data();
    void names();
    void overLongText();
    void frameTooLarge_data();
    void frameTooLarge();
    void nestingTooDeep();
    void joinTimeout();
    void idleTimeout();
    void slowReaderIsDropped();
    void abruptReset_data();
    void abruptReset();
    void connectionBurst();
    void rateLimit();
    void serverFull();
    void clientFieldCannotForgeLogLines();

private:
    // Every server a test gets has the two bystanders joined before the test runs.
    bool serverStarted() override
    {
        m_pair.emplace();
        return m_pair->join(serverPort());
    }
    void serverStopping() override { m_pair.reset(); }
    ChatPair &pair() { return *m_pair; }

    std::optional<ChatPair> m_pair;
};

// The server is alive and the two bystanders still talk to each other.
#define VERIFY_UNHARMED()                                                                          \
    do {                                                                                           \
        QCOMPARE(server().process().state(), QProcess::Running);                                   \
        QString why;                                                                               \
        QVERIFY2(pair().stillChats(&why),                                                          \
                 qPrintable(why + QLatin1Char('\n') + server().output()));                         \
    } while (false)

// Writes everything before returning: large messages do not fit the socket at once.
static bool sendAll(RawClient &client, const QByteArray &bytes)
{
    client.send(bytes);
    while (client.socket().bytesToWrite() > 0) {
        if (!client.socket().waitForBytesWritten(5000))
            return false;
    }
    return true;
}

// "127.0.0.1:PORT", as the server's log names this client.
static QString peerInLog(RawClient &client)
{
    return QStringLiteral("127.0.0.1:%1").arg(client.socket().localPort());
}

void TestServerFaults::chatBeforeJoin()
{

    RawClient early;
    QVERIFY(early.connectTo(serverPort()));
    early.sendObject(Protocol::chat(QStringLiteral("sneaking in")));
    QCOMPARE(stringOf(early.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("not_joined"));
    early.sendObject(Protocol::privateMessage(QStringLiteral("Bob"), QStringLiteral("psst")));
    QCOMPARE(stringOf(early.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("not_joined"));
    early.sendObject(Protocol::usersRequest());
    QCOMPARE(stringOf(early.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("not_joined"));
    QVERIFY(early.received().isEmpty());

    QList<QJsonObject> before;
    QVERIFY(barrier(pair().second, &before));
    QVERIFY2(ofType(before, QStringLiteral("message")).isEmpty(), "an unjoined client was relayed");

    // The connection stays usable.
    early.sendObject(Protocol::richJoin(QStringLiteral("Early"), {}, 0, {}));
    QVERIFY(!early.waitFor(QStringLiteral("welcome")).isEmpty());
    VERIFY_UNHARMED();
}

void TestServerFaults::duplicateJoin()
{

    RawClient carol;
    QVERIFY(carol.joinAs(serverPort(), QStringLiteral("Carol")));
    carol.sendObject(Protocol::richJoin(QStringLiteral("Dave"), {}, 0, {}));
    QCOMPARE(stringOf(carol.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("already_joined"));
    carol.send(R"({"type":"join","data":"Carol"})");
    QCOMPARE(stringOf(carol.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("already_joined"));

    carol.sendObject(Protocol::usersRequest());
    QCOMPARE(
        carol.waitFor(QStringLiteral("users")).value(QLatin1StringView("users")).toArray(),
        QJsonArray({ QStringLiteral("Alice"), QStringLiteral("Bob"), QStringLiteral("Carol") }));
    carol.sendObject(Protocol::chat(QStringLiteral("still me")));
    QCOMPARE(stringOf(waitForMatch(pair().first, QStringLiteral("message"), QStringLiteral("data"),
                                   QStringLiteral("still me")),
                      "from"),
             QStringLiteral("Carol"));
    VERIFY_UNHARMED();
}

void TestServerFaults::badMessages_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("code");

    QTest::newRow("unquoted string")
        << QByteArray(R"({"type":"chat","data":hello})") << QStringLiteral("bad_json");
    QTest::newRow("trailing comma")
        << QByteArray(R"({"type":"chat","data":"x",})") << QStringLiteral("bad_json");
    QTest::newRow("single quotes")
        << QByteArray("{'type':'chat','data':'x'}") << QStringLiteral("bad_json");
    QTest::newRow("a line of text") << QByteArray("hello server\n") << QStringLiteral("bad_json");
    QTest::newRow("invalid byte") << QByteArray("{\"type\":\"chat\",\"data\":\"\xff\"}")
                                  << QStringLiteral("bad_utf8");
    QTest::newRow("overlong encoding")
        << QByteArray("{\"type\":\"chat\",\"data\":\"\xc0\xaf\"}") << QStringLiteral("bad_utf8");
    QTest::newRow("truncated sequence")
        << QByteArray("{\"type\":\"chat\",\"data\":\"a\xe2\x82\"}") << QStringLiteral("bad_utf8");
    QTest::newRow("array") << QByteArray(R"(["chat","x"])") << QStringLiteral("not_object");
    QTest::newRow("number") << QByteArray("42\n") << QStringLiteral("not_object");
    QTest::newRow("string") << QByteArray("\"chat\"\n") << QStringLiteral("not_object");
    QTest::newRow("no type") << QByteArray(R"({"data":"x"})") << QStringLiteral("bad_field");
    QTest::newRow("type is a number")
        << QByteArray(R"({"type":5,"data":"x"})") << QStringLiteral("bad_field");
    QTest::newRow("type is null") << QByteArray(R"({"type":null})") << QStringLiteral("bad_field");
    QTest::newRow("chat data is a number")
        << QByteArray(R"({"type":"chat","data":5})") << QStringLiteral("bad_field");
    QTest::newRow("chat data is an object")
        << QByteArray(R"({"type":"chat","data":{"a":1}})") << QStringLiteral("bad_field");
    QTest::newRow("chat without data")
        << QByteArray(R"({"type":"chat"})") << QStringLiteral("bad_field");
    QTest::newRow("private to a number")
        << QByteArray(R"({"type":"private","to":1,"data":"x"})") << QStringLiteral("bad_field");
    QTest::newRow("private data is an array")
        << QByteArray(R"({"type":"private","to":"Bob","data":["x"]})")
        << QStringLiteral("bad_field");
    QTest::newRow("unknown type") << QByteArray(R"({"type":"dance","data":"x"})")
                                  << QStringLiteral("unknown_type");
    QTest::newRow("empty type") << QByteArray(R"({"type":""})") << QStringLiteral("unknown_type");
    QTest::newRow("type in another case")
        << QByteArray(R"({"type":"CHAT","data":"x"})") << QStringLiteral("unknown_type");
    QTest::newRow("blank text") << QByteArray(R"({"type":"chat","data":" \n\t "})")
                                << QStringLiteral("invalid_text");
    QTest::newRow("terminal escape in text")
        << QByteArray(R"({"type":"chat","data":"\u001b[2Jgone"})")
        << QStringLiteral("invalid_text");
    QTest::newRow("NUL in text") << QByteArray(R"({"type":"chat","data":"a\u0000b"})")
                                 << QStringLiteral("invalid_text");
    QTest::newRow("C1 control in text")
        << QByteArray(R"({"type":"chat","data":"a\u009bb"})") << QStringLiteral("invalid_text");
    QTest::newRow("control in a private message")
        << QByteArray(R"({"type":"private","to":"Bob","data":"\u0007"})")
        << QStringLiteral("invalid_text");
}

void TestServerFaults::badMessages()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, code);
    RawClient mallory;
    QVERIFY(mallory.joinAs(serverPort(), QStringLiteral("Mallory")));

    mallory.send(bytes);
    const QJsonObject error = mallory.waitFor(QStringLiteral("error"));
    QCOMPARE(stringOf(error, "code"), code);
    QVERIFY(!stringOf(error, "data").isEmpty());

    // The connection carries on, and what was refused reached nobody.
    mallory.sendObject(Protocol::chat(QStringLiteral("sorry")));
    for (RawClient *bystander : { &pair().first, &pair().second }) {
        const QJsonObject next = bystander->waitFor(QStringLiteral("message"));
        QCOMPARE(stringOf(next, "from"), QStringLiteral("Mallory"));
        QCOMPARE(stringOf(next, "data"), QStringLiteral("sorry"));
    }
    QVERIFY(mallory.received().isEmpty());
    VERIFY_UNHARMED();
}

void TestServerFaults::names_data()
{
    QTest::addColumn<QJsonValue>("name");
    QTest::addColumn<QString>("code"); // empty: accepted
    QTest::addColumn<QString>("joinedAs");

    const QString emoji = QStringLiteral("\U0001F600");
    QTest::newRow("32 letters") << QJsonValue(QString(32, u'a')) << QString() << QString(32, u'a');
    QTest::newRow("33 letters") << QJsonValue(QString(33, u'a')) << QStringLiteral("invalid_name")
                                << QString();
    QTest::newRow("32 emoji") << QJsonValue(emoji.repeated(32)) << QString() << emoji.repeated(32);
    QTest::newRow("33 emoji") << QJsonValue(emoji.repeated(33)) << QStringLiteral("invalid_name")
                              << QString();
    QTest::newRow("32 decomposed letters") << QJsonValue(QStringLiteral("e\u0301").repeated(32))
                                           << QString() << QStringLiteral("\u00e9").repeated(32);
    QTest::newRow("32 letters, padded")
        << QJsonValue(QStringLiteral("  %1 ").arg(QString(32, u'b'))) << QString()
        << QString(32, u'b');
    QTest::newRow("empty") << QJsonValue(QString()) << QStringLiteral("invalid_name") << QString();
    QTest::newRow("blank") << QJsonValue(QStringLiteral("   ")) << QStringLiteral("invalid_name")
                           << QString();
    QTest::newRow("bell") << QJsonValue(QStringLiteral("bo\u0007b"))
                          << QStringLiteral("invalid_name") << QString();
    QTest::newRow("escape") << QJsonValue(QStringLiteral("\u001b[31mred"))
                            << QStringLiteral("invalid_name") << QString();
    QTest::newRow("newline inside")
        << QJsonValue(QStringLiteral("Bob\nAlice")) << QStringLiteral("invalid_name") << QString();
    QTest::newRow("DEL") << QJsonValue(QStringLiteral("a\u007fb")) << QStringLiteral("invalid_name")
                         << QString();
    QTest::newRow("C1 control") << QJsonValue(QStringLiteral("a\u0085b"))
                                << QStringLiteral("invalid_name") << QString();
    QTest::newRow("right-to-left override")
        << QJsonValue(QStringLiteral("\u202eecilA")) << QStringLiteral("invalid_name") << QString();
    QTest::newRow("right-to-left isolate")
        << QJsonValue(QStringLiteral("Al\u2067ice")) << QStringLiteral("invalid_name") << QString();
    QTest::newRow("zero-width space")
        << QJsonValue(QStringLiteral("Ali\u200bce")) << QStringLiteral("invalid_name") << QString();
    QTest::newRow("byte order mark")
        << QJsonValue(QStringLiteral("Ali\ufeffce")) << QStringLiteral("invalid_name") << QString();
    QTest::newRow("line separator")
        << QJsonValue(QStringLiteral("Ali\u2028ce")) << QStringLiteral("invalid_name") << QString();
    QTest::newRow("paragraph separator")
        << QJsonValue(QStringLiteral("Ali\u2029ce")) << QStringLiteral("invalid_name") << QString();
    QTest::newRow("a number") << QJsonValue(42) << QStringLiteral("bad_field") << QString();
    QTest::newRow("an array") << QJsonValue(QJsonArray { QStringLiteral("Alice") })
                              << QStringLiteral("bad_field") << QString();
    QTest::newRow("null") << QJsonValue() << QStringLiteral("bad_field") << QString();
}

void TestServerFaults::names()
{
    QFETCH(QJsonValue, name);
    QFETCH(QString, code);
    QFETCH(QString, joinedAs);

    RawClient client;
    QVERIFY(client.connectTo(serverPort()));
    client.sendObject({ { QStringLiteral("type"), QStringLiteral("join") },
                        { QStringLiteral("data"), name },
                        { QStringLiteral("protocol"), 1 } });
    const QJsonObject reply = client.waitFor(QString());
    if (code.isEmpty()) {
        QCOMPARE(stringOf(reply, "type"), QStringLiteral("welcome"));
        QCOMPARE(stringOf(reply, "name"), joinedAs);
        QCOMPARE(stringOf(pair().first.waitFor(QStringLiteral("presence")), "name"), joinedAs);
        client.sendObject(Protocol::chat(QStringLiteral("hi")));
        QCOMPARE(stringOf(pair().second.waitFor(QStringLiteral("message")), "from"), joinedAs);
    } else {
        QCOMPARE(stringOf(reply, "type"), QStringLiteral("error"));
        QCOMPARE(stringOf(reply, "code"), code);
        QVERIFY(!stringOf(reply, "data").isEmpty());
        QList<QJsonObject> before;
        QVERIFY(barrier(pair().first, &before));
        QVERIFY2(ofType(before, QStringLiteral("presence")).isEmpty(), "a refused name joined");
        // Still connected: the user may try another name.
        client.sendObject(Protocol::richJoin(QStringLiteral("Second try"), {}, 0, {}));
        QCOMPARE(stringOf(client.waitFor(QStringLiteral("welcome")), "name"),
                 QStringLiteral("Second try"));
    }
    VERIFY_UNHARMED();
}

void TestServerFaults::overLongText()
{
    QVERIFY(startServer({ QStringLiteral("--max-text"), QStringLiteral("100") }));

    // Code points, not UTF-16 units or bytes: 50 emoji and 50 letters are 100.
    const QString longest = QStringLiteral("\U0001F600").repeated(50) + QString(50, u'x');
    pair().first.sendObject(Protocol::chat(longest));
    QCOMPARE(stringOf(pair().second.waitFor(QStringLiteral("message")), "data"), longest);

    pair().first.sendObject(Protocol::chat(longest + u'y'));
    const QJsonObject error = pair().first.waitFor(QStringLiteral("error"));
    QCOMPARE(stringOf(error, "code"), QStringLiteral("invalid_text"));
    QVERIFY(stringOf(error, "data").contains(QStringLiteral("100")));
    pair().first.sendObject(Protocol::privateMessage(QStringLiteral("Bob"), QString(101, u'p')));
    QCOMPARE(stringOf(pair().first.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("invalid_text"));

    QList<QJsonObject> before;
    QVERIFY(barrier(pair().second, &before));
    QVERIFY2(ofType(before, QStringLiteral("message")).isEmpty(), "an over-long text was relayed");
    VERIFY_UNHARMED();
}

void TestServerFaults::frameTooLarge_data()
{
    QTest::addColumn<QByteArray>("bytes");

    const QByteArray big(2000, 'a');
    QTest::newRow("complete message") << R"({"type":"chat","data":")" + big + "\"}\n";
    QTest::newRow("message that never ends") << R"({"type":"chat","data":")" + big;
    QTest::newRow("line of text that never ends") << big;
}

void TestServerFaults::frameTooLarge()
{
    QFETCH(QByteArray, bytes);

    QVERIFY(startServer({ QStringLiteral("--max-frame-bytes"), QStringLiteral("1024") }));
    RawClient mallory;
    QVERIFY(mallory.joinAs(serverPort(), QStringLiteral("Mallory")));

    // Just under the limit is fine.
    const QString fits(1000 - 30, u'f');
    mallory.sendObject(Protocol::chat(fits));
    QCOMPARE(stringOf(pair().second.waitFor(QStringLiteral("message")), "data"), fits);

    const QString peer = peerInLog(mallory);
    QVERIFY(sendAll(mallory, bytes));
    QCOMPARE(stringOf(mallory.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("frame_too_large"));
    QVERIFY(mallory.waitForClosed());
    QVERIFY2(
        server().waitForOutput(peer
                                   + QStringLiteral(" Mallory closed: A message was larger than "
                                                    "1024 bytes."),
                               5000),
        qPrintable(server().output()));
    const QJsonObject left = waitForMatch(pair().first, QStringLiteral("presence"),
                                          QStringLiteral("event"), QStringLiteral("leave"));
    QCOMPARE(stringOf(left, "name"), QStringLiteral("Mallory"));
    QList<QJsonObject> before;
    QVERIFY(barrier(pair().second, &before));
    QVERIFY(ofType(before, QStringLiteral("message")).isEmpty());
    VERIFY_UNHARMED();
}

static QByteArray nested(int depth, const QByteArray &text)
{
    // The object itself is one level; each array adds one.
    return R"({"type":"chat","data":")" + text + R"(","n":)" + QByteArray(depth - 1, '[')
        + QByteArray(depth - 1, ']') + "}\n";
}

void TestServerFaults::nestingTooDeep()
{
    RawClient mallory;
    QVERIFY(mallory.joinAs(serverPort(), QStringLiteral("Mallory")));

    mallory.send(nested(64, "deep but fine"));
    QCOMPARE(stringOf(pair().second.waitFor(QStringLiteral("message")), "data"),
             QStringLiteral("deep but fine"));

    const QString peer = peerInLog(mallory);
    mallory.send(nested(65, "too deep"));
    QCOMPARE(stringOf(mallory.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("nesting_too_deep"));
    QVERIFY(mallory.waitForClosed());
    QVERIFY2(
        server().waitForOutput(peer
                                   + QStringLiteral(" Mallory closed: A message was nested more "
                                                    "than 64 levels deep."),
                               5000),
        qPrintable(server().output()));

    // A deep opening alone, before the message is even complete.
    RawClient eve;
    QVERIFY(eve.connectTo(serverPort()));
    eve.send(QByteArray(100000, '['));
    QCOMPARE(stringOf(eve.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("nesting_too_deep"));
    QVERIFY(eve.waitForClosed());

    QList<QJsonObject> before;
    QVERIFY(barrier(pair().second, &before));
    QVERIFY(ofType(before, QStringLiteral("message")).isEmpty());
    VERIFY_UNHARMED();
}

void TestServerFaults::joinTimeout()
{
    QVERIFY(startServer({ QStringLiteral("--join-timeout"), QStringLiteral("0.5") }));
    RawClient seed;
    QVERIFY(seed.joinAs(serverPort(), QStringLiteral("Seed"), false));

    QElapsedTimer clock;
    clock.start();
    RawClient silent, fumbling;
    QVERIFY(silent.connectTo(serverPort()));
    QVERIFY(fumbling.connectTo(serverPort()));
    const QString silentPeer = peerInLog(silent);
    // Keeps trying names that are refused: busy, but never joined.
    fumbling.sendObject(Protocol::join(QStringLiteral("Alice")));
    QCOMPARE(stringOf(fumbling.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("name_taken"));
    fumbling.sendObject(Protocol::join(QString()));
    QCOMPARE(stringOf(fumbling.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("invalid_name"));

    for (RawClient *client : { &silent, &fumbling }) {
        const QJsonObject error = client->waitFor(QStringLiteral("error"), 5000);
        QCOMPARE(stringOf(error, "code"), QStringLiteral("join_timeout"));
        QVERIFY(client->waitForClosed());
    }
    QVERIFY2(clock.elapsed() >= 450, qPrintable(QString::number(clock.elapsed())));
    QVERIFY2(server().waitForOutput(silentPeer
                                        + QStringLiteral("  closed: No successful join within "
                                                         "0.5 seconds."),
                                    5000),
             qPrintable(server().output()));

    // Joined clients are not affected, whether or not they talk.
    QCOMPARE(seed.socket().state(), QAbstractSocket::ConnectedState);
    VERIFY_UNHARMED();
    QCOMPARE(stringOf(seed.waitFor(QStringLiteral("message")), "from"), QStringLiteral("Alice"));
}

void TestServerFaults::idleTimeout()
{
    QVERIFY(startServer({ QStringLiteral("--idle-timeout"), QStringLiteral("1") }));
    RawClient responsive, silent, seed;
    QVERIFY(responsive.joinAs(serverPort(), QStringLiteral("Responsive")));
    QVERIFY(silent.joinAs(serverPort(), QStringLiteral("Silent")));
    QVERIFY(seed.joinAs(serverPort(), QStringLiteral("Seed"), false));
    const QString silentPeer = peerInLog(silent);

    // Three idle timeouts: long enough for the silent one to go, and for the
    // others to have been dropped too if they were going to be.
    QElapsedTimer clock;
    clock.start();
    int pongsSent = 0;
    while (clock.elapsed() < 3000) {
        const QJsonObject ping = responsive.waitFor(QStringLiteral("ping"), 100);
        if (!ping.isEmpty()) {
            responsive.sendObject(Protocol::pong(ping.value(QLatin1StringView("id")).toInteger()));
            ++pongsSent;
        }
        VERIFY_UNHARMED();
    }
    QVERIFY2(pongsSent >= 2, qPrintable(QString::number(pongsSent)));

    QVERIFY2(!silent.waitFor(QStringLiteral("ping"), 1000).isEmpty(),
             "the silent client was not pinged");
    QCOMPARE(stringOf(silent.waitFor(QStringLiteral("error"), 1000), "code"),
             QStringLiteral("idle_timeout"));
    QVERIFY(silent.waitForClosed(1000));
    QVERIFY2(server().waitForOutput(silentPeer
                                        + QStringLiteral(" Silent closed: No sign of life for 1 "
                                                         "seconds."),
                                    5000),
             qPrintable(server().output()));
    QCOMPARE(stringOf(waitForMatch(pair().first, QStringLiteral("presence"), QStringLiteral("name"),
                                   QStringLiteral("Silent")),
                      "event"),
             QStringLiteral("join"));
    QCOMPARE(stringOf(waitForMatch(pair().first, QStringLiteral("presence"), QStringLiteral("name"),
                                   QStringLiteral("Silent")),
                      "event"),
             QStringLiteral("leave"));

    QCOMPARE(responsive.socket().state(), QAbstractSocket::ConnectedState);
    QCOMPARE(seed.socket().state(), QAbstractSocket::ConnectedState);
    QVERIFY(seed.waitFor(QStringLiteral("message"), 1000).size() > 0); // still relayed to
    QVERIFY2(ofType(seed.received(), QStringLiteral("ping")).isEmpty(), "a seed client was pinged");
    QVERIFY(!seed.receivesWithin(QStringLiteral("ping"), 10));
    QVERIFY(ofType(responsive.received(), QStringLiteral("error")).isEmpty());
    pair().first.sendObject(Protocol::chat(QStringLiteral("are you both there?")));
    for (RawClient *client : { &responsive, &seed }) {
        QVERIFY(!waitForMatch(*client, QStringLiteral("message"), QStringLiteral("data"),
                              QStringLiteral("are you both there?"))
                     .isEmpty());
    }
}

void TestServerFaults::slowReaderIsDropped()
{
    QVERIFY(startServer({ QStringLiteral("--max-unsent-bytes"), QStringLiteral("65536"),
                          QStringLiteral("--max-text"), QStringLiteral("60000"),
                          QStringLiteral("--rate"), QStringLiteral("100000"),
                          QStringLiteral("--burst"), QStringLiteral("100000") }));
    RawClient reader;
    QVERIFY(reader.joinAs(serverPort(), QStringLiteral("Reader")));

    // Never read: Qt must not read on its behalf either, so its buffer stays tiny
    // and no event loop runs in this test.
    RawClient sleepy;
    sleepy.socket().setReadBufferSize(1024);
    QVERIFY(sleepy.connectTo(serverPort()));
    sleepy.sendObject(Protocol::richJoin(QStringLiteral("Sleepy"), {}, 0, {}));
    QCOMPARE(stringOf(reader.waitFor(QStringLiteral("presence")), "name"),
             QStringLiteral("Sleepy"));
    QVERIFY(!waitForMatch(pair().second, QStringLiteral("presence"), QStringLiteral("name"),
                          QStringLiteral("Sleepy"))
                 .isEmpty());
    const QString sleepyPeer = peerInLog(sleepy);

    // 60,000 characters a message; the kernel buffers take a few megabytes
    // before the server has to queue anything for Sleepy.
    constexpr int MaxMessages = 600;
    int sent = 0;
    bool dropped = false;
    while (sent < MaxMessages && !dropped) {
        const QString text =
            QStringLiteral("%1 ").arg(sent, 4, 10, QLatin1Char('0')) + QString(60000 - 5, u'z');
        QVERIFY(sendAll(pair().first, Protocol::encode(Protocol::chat(text))));
        for (RawClient *client : { &reader, &pair().second }) {
            const QJsonObject message = client->waitFor(QStringLiteral("message"));
            QVERIFY2(stringOf(message, "data") == text,
                     qPrintable(QStringLiteral("message %1 lost").arg(sent)));
        }
        ++sent;
        dropped = server().output().contains(QStringLiteral("does not read"));
    }
    QVERIFY2(
        dropped,
        qPrintable(
            QStringLiteral("not dropped after %1 messages\n%2").arg(sent).arg(server().output())));
    QVERIFY2(server().waitForOutput(sleepyPeer
                                        + QStringLiteral(" Sleepy dropped: does not read; owed "
                                                         "more than 65536 bytes"),
                                    5000),
             qPrintable(server().output()));
    QVERIFY(server().waitForOutput(sleepyPeer + QStringLiteral(" closed: slow reader"), 5000));
    const QJsonObject left = waitForMatch(reader, QStringLiteral("presence"),
                                          QStringLiteral("name"), QStringLiteral("Sleepy"));
    QCOMPARE(stringOf(left, "event"), QStringLiteral("leave"));

    // The others kept everything and go on; Sleepy finds its connection closed.
    for (int i = 0; i < 3; ++i) {
        const QString text = QStringLiteral("after %1").arg(i);
        pair().first.sendObject(Protocol::chat(text));
        QCOMPARE(stringOf(reader.waitFor(QStringLiteral("message")), "data"), text);
        QCOMPARE(stringOf(pair().second.waitFor(QStringLiteral("message")), "data"), text);
    }
    sleepy.socket().setReadBufferSize(0);
    QVERIFY(sleepy.waitForClosed(10000));
    VERIFY_UNHARMED();
}

void TestServerFaults::abruptReset_data()
{
    QTest::addColumn<bool>("joined");
    QTest::addColumn<QByteArray>("lastWords");

    QTest::newRow("joined, half a message") << true << QByteArray(R"({"type":"chat","data":"half)");
    QTest::newRow("joined, half a UTF-8 sequence")
        << true << QByteArray("{\"type\":\"chat\",\"data\":\"caf\xc3");
    QTest::newRow("joined, nothing pending") << true << QByteArray();
    QTest::newRow("not joined, half a join") << false << QByteArray(R"({"type":"join","da)");
}

void TestServerFaults::abruptReset()
{
    QFETCH(bool, joined);
    QFETCH(QByteArray, lastWords);

    RawClient crash;
    if (joined)
        QVERIFY(crash.joinAs(serverPort(), QStringLiteral("Crash")));
    else
        QVERIFY(crash.connectTo(serverPort()));
    const QString peer = peerInLog(crash);
    QVERIFY(server().waitForOutput(peer + QStringLiteral(" connected"), 5000));
    if (!lastWords.isEmpty())
        QVERIFY(sendAll(crash, lastWords));
    resetConnection(crash.socket());

    QVERIFY2(server().waitForOutput(peer + QStringLiteral(" closed: "), 5000),
             qPrintable(server().output()));
    if (joined) {
        const QJsonObject left = waitForMatch(pair().first, QStringLiteral("presence"),
                                              QStringLiteral("event"), QStringLiteral("leave"));
        QCOMPARE(stringOf(left, "name"), QStringLiteral("Crash"));
    }
    QList<QJsonObject> before;
    QVERIFY(barrier(pair().second, &before));
    QVERIFY(ofType(before, QStringLiteral("message")).isEmpty());
    VERIFY_UNHARMED();

    // The name is free again.
    RawClient again;
    QVERIFY(again.joinAs(serverPort(), QStringLiteral("Crash")));
}

void TestServerFaults::connectionBurst()
{
    constexpr int Count = 300;

    std::vector<std::unique_ptr<RawClient>> clients;
    for (int i = 0; i < Count; ++i) {
        clients.push_back(std::make_unique<RawClient>());
        clients.back()->socket().connectToHost(QHostAddress::LocalHost, serverPort());
    }
    for (int i = 0; i < Count; ++i) {
        QVERIFY2(clients.at(i)->socket().waitForConnected(10000),
                 qPrintable(QStringLiteral("connection %1: %2")
                                .arg(i)
                                .arg(clients.at(i)->socket().errorString())));
    }
    server().output(); // 600 log lines would come close to filling the pipe
    for (int i = 0; i < Count; ++i)
        clients.at(i)->sendObject(Protocol::join(QStringLiteral("burst%1").arg(i)));
    // Each one's first object is its own welcome notice.
    for (int i = 0; i < Count; ++i) {
        const QJsonObject first = clients.at(i)->waitFor(QString(), 10000);
        if (i % 50 == 0)
            server().output();
        QVERIFY2(
            stringOf(first, "data").startsWith(QStringLiteral("Welcome, burst%1! ").arg(i)),
            qPrintable(QStringLiteral("connection %1 got %2").arg(i).arg(stringOf(first, "data"))));
    }
    pair().first.sendObject(Protocol::usersRequest());
    const QJsonObject users = pair().first.waitFor(QStringLiteral("users"), 10000);
    QCOMPARE(users.value(QLatin1StringView("users")).toArray().size(), Count + 2);
    VERIFY_UNHARMED();
}

void TestServerFaults::rateLimit()
{
    constexpr double Rate = 5;
    constexpr int Burst = 5;
    QVERIFY(startServer({ QStringLiteral("--rate"), QString::number(Rate),
                          QStringLiteral("--burst"), QString::number(Burst) }));

    QElapsedTimer sinceConnect;
    sinceConnect.start();
    RawClient flooder;
    QVERIFY(flooder.joinAs(serverPort(), QStringLiteral("Flooder")));
    const QString peer = peerInLog(flooder);
    QByteArray flood;
    for (int i = 0; i < 40; ++i)
        flood += Protocol::encode(Protocol::chat(QStringLiteral("flood %1").arg(i)));
    QVERIFY(sendAll(flooder, flood));

    const QJsonObject error = flooder.waitFor(QStringLiteral("error"));
    QCOMPARE(stringOf(error, "code"), QStringLiteral("rate_limited"));
    QVERIFY(!stringOf(error, "data").isEmpty());

    // The join took a token too; the first ones that fit are relayed in order.
    // Tokens keep coming at --rate: whatever was relayed by the time the last one
    // was read here had at most that long to accrue.
    QStringList relayed;
    double lastArrival = 0;
    for (;;) {
        const QJsonObject message = pair().second.waitFor(QStringLiteral("message"), 500);
        if (message.isEmpty())
            break;
        lastArrival = sinceConnect.elapsed() / 1000.0;
        relayed.append(stringOf(message, "data"));
    }
    const int allowed = Burst + int(std::ceil(Rate * lastArrival));
    QVERIFY2(!relayed.isEmpty() && relayed.size() <= allowed,
             qPrintable(QStringLiteral("%1 relayed, %2 allowed").arg(relayed.size()).arg(allowed)));
    for (int i = 0; i < relayed.size(); ++i)
        QCOMPARE(relayed.at(i), QStringLiteral("flood %1").arg(i));
    QVERIFY2(ofType(flooder.received(), QStringLiteral("error")).isEmpty(),
             "rate_limited was repeated for one flood");

    // Not disconnected: once the bucket refills, the flooder is heard again.
    bool heard = false;
    for (int attempt = 0; attempt < 10 && !heard; ++attempt) {
        flooder.sendObject(Protocol::chat(QStringLiteral("calm now")));
        heard = !waitForMatch(pair().second, QStringLiteral("message"), QStringLiteral("data"),
                              QStringLiteral("calm now"), 1000 / int(Rate) + 100)
                     .isEmpty();
    }
    QVERIFY(heard);
    QCOMPARE(flooder.socket().state(), QAbstractSocket::ConnectedState);
    QVERIFY(!server().output().contains(peer + QStringLiteral(" closed")));
    VERIFY_UNHARMED();
}

void TestServerFaults::serverFull()
{
    QVERIFY(startServer({ QStringLiteral("--max-clients"), QStringLiteral("2") }));

    RawClient third;
    QVERIFY(third.connectTo(serverPort()));
    const QJsonObject error = third.waitFor(QStringLiteral("error"));
    QCOMPARE(stringOf(error, "code"), QStringLiteral("server_full"));
    QVERIFY(!stringOf(error, "data").isEmpty());
    QVERIFY(third.waitForClosed());
    QVERIFY2(server().waitForOutput(
                 QStringLiteral("refused a connection: server full at 2 clients"), 5000),
             qPrintable(server().output()));
    VERIFY_UNHARMED();

    // Real clients send their join at once: the refusal must still arrive,
    // not be lost to a reset.
    for (int i = 0; i < 20; ++i) {
        RawClient eager;
        QVERIFY(eager.connectTo(serverPort()));
        eager.sendObject(Protocol::richJoin(QStringLiteral("Eager"), {}, 0, {}));
        QCOMPARE(stringOf(eager.waitFor(QStringLiteral("error")), "code"),
                 QStringLiteral("server_full"));
        QVERIFY(eager.waitForClosed());
    }
    VERIFY_UNHARMED();

    // A place that frees up is given to the next one who comes.
    pair().second.socket().disconnectFromHost();
    QVERIFY(pair().second.waitForClosed());
    std::unique_ptr<RawClient> next;
    bool joined = false;
    // QTRY evaluates its condition once more after success: joining again would fail.
    const auto tryToJoin = [&] {
        if (!joined) {
            next = std::make_unique<RawClient>();
            joined = next->joinAs(serverPort(), QStringLiteral("Next"));
        }
        return joined;
    };
    QTRY_VERIFY_WITH_TIMEOUT(tryToJoin(), 5000);
    next->sendObject(Protocol::chat(QStringLiteral("I got in")));
    QCOMPARE(stringOf(waitForMatch(pair().first, QStringLiteral("message"), QStringLiteral("data"),
                                   QStringLiteral("I got in")),
                      "from"),
             QStringLiteral("Next"));
}

// The "client" field of a join is the one free text the server logs: a newline
// in it must not start a line of its own, nor an escape reach the operator's terminal.
void TestServerFaults::clientFieldCannotForgeLogLines()
{

    RawClient mallory;
    QVERIFY(mallory.connectTo(serverPort()));
    mallory.sendObject(Protocol::richJoin(
        QStringLiteral("Mallory"),
        QStringLiteral("x\n2020-01-01T00:00:00.000 FORGED\r\u001b[2J\u009b2J\u202e"), 0, {}));
    QVERIFY(!mallory.waitFor(QStringLiteral("welcome")).isEmpty());
    QVERIFY(server().waitForOutput(QStringLiteral(" joined as Mallory"), 5000));
    const QString log = server().output();
    QVERIFY2(!log.contains(QStringLiteral("\n2020-01-01T00:00:00.000 FORGED")), qPrintable(log));
    for (const QChar c : { QChar(u'\r'), QChar(0x1b), QChar(0x9b), QChar(0x202e) })
        QVERIFY2(!log.contains(c), qPrintable(QString::number(c.unicode(), 16)));
    VERIFY_UNHARMED();
}

QTEST_GUILESS_MAIN(TestServerFaults)
#include "tst_serverfaults.moc"
