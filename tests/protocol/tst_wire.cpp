// SPDX-License-Identifier: MIT
// The message types of wire.h: what each writes, what decode() makes of an
// object, and the reasons it gives for one it cannot read.
#include "wire.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

class TestWire : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void seedJoinIsExactlyTheSeeds();
    void richJoinRoundTrip();
    void decodePicksTheTypeNamed_data();
    void decodePicksTheTypeNamed();
    void unknownTypeIsReported();
    void badFieldSaysWhich_data();
    void badFieldSaysWhich();
    void pingIdIsEchoedAsItCame();
    void welcomeRoundTrip();
    void welcomeSkipsUnreadableHistory();
    void presenceEventsAreNamed();
    void noticeCodeIsOptional();
    void loginJoinRoundTrip();
    void secretOfTheWrongTypeIsRefused();
    void accountWelcomeRoundTrip();
    void passwordMessages();
    void privateConversationMessages();
    void privateHistoryPagingIsStrict_data();
    void privateHistoryPagingIsStrict();
};

static QJsonObject parse(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

void TestWire::seedJoinIsExactlyTheSeeds()
{
    QCOMPARE(Wire::encode(Wire::Join { QStringLiteral("Alice") }),
             QByteArray(R"({"data":"Alice","type":"join"})"
                        "\n"));
}

void TestWire::richJoinRoundTrip()
{
    Wire::Join join;
    join.name = QStringLiteral("Alice");
    join.protocol = Protocol::Version;
    join.client = QStringLiteral("pynet-cli 0.1.0");
    join.since = 41;
    join.run = QStringLiteral("r1");
    join.resume = QStringLiteral("token");
    const auto decoded = Wire::decode<Wire::ToServer>(join.toJson());
    QVERIFY(decoded.isValid());
    const auto *back = std::get_if<Wire::Join>(&decoded.message);
    QVERIFY(back);
    QVERIFY(back->isRich());
    QCOMPARE(back->name, join.name);
    QCOMPARE(back->client, join.client);
    QCOMPARE(back->since, join.since);
    QCOMPARE(back->run, join.run);
    QCOMPARE(back->resume, join.resume);
    const auto seed = Wire::decode<Wire::ToServer>(Wire::Join { join.name }.toJson());
    QVERIFY(!std::get<Wire::Join>(seed.message).isRich());
}

void TestWire::decodePicksTheTypeNamed_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<int>("toServer"); // index in Wire::ToServer, -1: not of that list
    QTest::addColumn<int>("toClient");
    QTest::newRow("join") << QByteArray(R"({"type":"join","data":"A"})") << 0 << -1;
    QTest::newRow("chat") << QByteArray(R"({"type":"chat","data":"hi"})") << 1 << -1;
    QTest::newRow("private") << QByteArray(R"({"type":"private","to":"B","data":"x"})") << 2 << -1;
    QTest::newRow("users request") << QByteArray(R"({"type":"users"})") << 3 << 10;
    QTest::newRow("enter") << QByteArray(R"({"type":"enter","room":"#a"})") << 4 << -1;
    QTest::newRow("leave") << QByteArray(R"({"type":"leave","room":"#a"})") << 5 << 3;
    QTest::newRow("rooms request") << QByteArray(R"({"type":"rooms"})") << 6 << -1;
    QTest::newRow("rooms") << QByteArray(R"({"type":"rooms","rooms":[]})") << 6 << 4;
    QTest::newRow("topic") << QByteArray(R"({"type":"topic","room":"#a","data":"t"})") << 7 << 5;
    QTest::newRow("history") << QByteArray(R"({"type":"history","room":"#a"})") << 8 << 6;
    QTest::newRow("password") << QByteArray(R"({"type":"password","data":"n","old":"o"})") << 9
                              << -1;
    QTest::newRow("password changed")
        << QByteArray(R"({"type":"password","token":"t"})") << -1 << 11;
    QTest::newRow("moderate") << QByteArray(
        R"({"type":"moderate","room":"#a","action":"kick","target":"B"})")
                              << 10 << -1;
    QTest::newRow("moderation") << QByteArray(
        R"({"type":"moderation","room":"#a","action":"kick","by":"A"})")
                                << -1 << 12;
    QTest::newRow("conversation") << QByteArray(R"({"type":"conversation","with":"B"})") << 11
                                  << 13;
    QTest::newRow("ping") << QByteArray(R"({"type":"ping","id":1})") << 12 << 14;
    QTest::newRow("pong") << QByteArray(R"({"type":"pong","id":1})") << 13 << 15;
    QTest::newRow("message") << QByteArray(R"({"type":"message","from":"A","data":"x"})") << -1
                             << 0;
    QTest::newRow("welcome") << QByteArray(R"({"type":"welcome"})") << -1 << 1;
    QTest::newRow("room") << QByteArray(R"({"type":"room","room":"#a"})") << -1 << 2;
    QTest::newRow("presence") << QByteArray(R"({"type":"presence","event":"join","name":"A"})")
                              << -1 << 7;
    QTest::newRow("notice") << QByteArray(R"({"type":"notice","data":"x"})") << -1 << 8;
    QTest::newRow("error") << QByteArray(R"({"type":"error","code":"c","data":"x"})") << -1 << 9;
}

void TestWire::decodePicksTheTypeNamed()
{
    QFETCH(QByteArray, json);
    QFETCH(int, toServer);
    QFETCH(int, toClient);
    const QJsonObject object = QJsonDocument::fromJson(json).object();
    const auto server = Wire::decode<Wire::ToServer>(object);
    QCOMPARE(server.isValid(), toServer >= 0);
    if (toServer >= 0)
        QCOMPARE(int(server.message.index()), toServer);
    const auto client = Wire::decode<Wire::ToClient>(object);
    QCOMPARE(client.isValid(), toClient >= 0);
    if (toClient >= 0)
        QCOMPARE(int(client.message.index()), toClient);
}

void TestWire::unknownTypeIsReported()
{
    const auto decoded = Wire::decode<Wire::ToServer>(parse(R"({"type":"dance"})"));
    QCOMPARE(decoded.status, Wire::Decoded<Wire::ToServer>::Status::UnknownType);
    QCOMPARE(decoded.type, QStringLiteral("dance"));
}

void TestWire::badFieldSaysWhich_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field");
    QTest::newRow("join without a name") << QByteArray(R"({"type":"join"})") << "data";
    QTest::newRow("join with a number") << QByteArray(R"({"type":"join","data":7})") << "data";
    QTest::newRow("chat without text") << QByteArray(R"({"type":"chat"})") << "data";
    QTest::newRow("private without to") << QByteArray(R"({"type":"private","data":"x"})") << "to";
    QTest::newRow("moderate with an unknown action")
        << QByteArray(R"({"type":"moderate","room":"#a","action":"smite","target":"B"})")
        << "action";
    QTest::newRow("kick without a target")
        << QByteArray(R"({"type":"moderate","room":"#a","action":"kick"})") << "target";
    QTest::newRow("moderate with a numeric reason")
        << QByteArray(R"({"type":"moderate","room":"#a","action":"ban","target":"B","reason":1})")
        << "reason";
    QTest::newRow("private without text") << QByteArray(R"({"type":"private","to":"B"})") << "data";
}

void TestWire::badFieldSaysWhich()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, field);
    const auto decoded = Wire::decode<Wire::ToServer>(QJsonDocument::fromJson(json).object());
    QCOMPARE(decoded.status, Wire::Decoded<Wire::ToServer>::Status::BadField);
    QVERIFY2(decoded.reason.contains(QLatin1Char('"') + field + QLatin1Char('"')),
             qPrintable(decoded.reason));
}

void TestWire::pingIdIsEchoedAsItCame()
{
    const auto decoded = Wire::decode<Wire::ToServer>(parse(R"({"type":"ping","id":"abc"})"));
    const auto *ping = std::get_if<Wire::Ping>(&decoded.message);
    QVERIFY(ping);
    QCOMPARE(Wire::encode(Wire::Pong { ping->id }),
             QByteArray(R"({"id":"abc","type":"pong"})"
                        "\n"));
}

void TestWire::welcomeRoundTrip()
{
    Wire::Welcome welcome;
    welcome.server = QStringLiteral("PyNet Chat");
    welcome.version = QStringLiteral("0.1.0");
    welcome.name = QStringLiteral("Alice");
    welcome.session = QStringLiteral("s");
    welcome.run = QStringLiteral("r");
    welcome.users = { QStringLiteral("Alice"), QStringLiteral("Bob") };
    welcome.userCount = 2;
    ChatMessage said;
    said.id = 3;
    said.from = QStringLiteral("Bob");
    said.text = QStringLiteral("hello");
    welcome.history = { said };
    welcome.missed = 1;
    const auto decoded = Wire::decode<Wire::ToClient>(welcome.toJson());
    const auto *back = std::get_if<Wire::Welcome>(&decoded.message);
    QVERIFY(back);
    QCOMPARE(back->toJson(), welcome.toJson());
}

void TestWire::welcomeSkipsUnreadableHistory()
{
    const auto decoded = Wire::decode<Wire::ToClient>(
        parse(R"({"type":"welcome","history":[{"type":"message","from":"A","data":"one"},)"
              R"({"type":"message","from":3},{"type":"message","from":"B","data":"two"}]})"));
    const auto *welcome = std::get_if<Wire::Welcome>(&decoded.message);
    QVERIFY(welcome);
    QCOMPARE(welcome->history.size(), 2);
    QCOMPARE(welcome->history.at(1).text, QStringLiteral("two"));
}

void TestWire::presenceEventsAreNamed()
{
    const auto left =
        Wire::decode<Wire::ToClient>(parse(R"({"type":"presence","event":"leave","name":"A"})"));
    const auto *presence = std::get_if<Wire::Presence>(&left.message);
    QVERIFY(presence);
    QCOMPARE(presence->event, Wire::Presence::Event::Left);
    QCOMPARE(
        Wire::decode<Wire::ToClient>(parse(R"({"type":"presence","event":"dance","name":"A"})"))
            .status,
        Wire::Decoded<Wire::ToClient>::Status::BadField);
}

void TestWire::noticeCodeIsOptional()
{
    QCOMPARE(Wire::encode(Wire::Notice { QStringLiteral("hi") }),
             QByteArray(R"({"data":"hi","type":"notice"})"
                        "\n"));
    const Wire::Notice bye { QStringLiteral("bye"), QStringLiteral("shutdown") };
    QCOMPARE(bye.toJson().value(QLatin1StringView("code")), QJsonValue(QStringLiteral("shutdown")));
}

void TestWire::loginJoinRoundTrip()
{
    const auto decoded = Wire::decode<Wire::ToServer>(
        Protocol::passwordJoin(QStringLiteral("Alice"), QStringLiteral("pw"), true));
    const auto *join = std::get_if<Wire::Join>(&decoded.message);
    QVERIFY(join);
    QVERIFY(join->isLogin());
    QCOMPARE(join->password, QStringLiteral("pw"));
    QVERIFY(join->registerAccount);
    QCOMPARE(Protocol::passwordJoin(QStringLiteral("A"), QStringLiteral("pw"), true)
                 .value(QStringLiteral("register")),
             QJsonValue(true));

    const auto byToken = Wire::decode<Wire::ToServer>(
        Protocol::tokenJoin(QStringLiteral("Alice"), QStringLiteral("t")));
    const auto *tokenJoin = std::get_if<Wire::Join>(&byToken.message);
    QVERIFY(tokenJoin);
    QVERIFY(tokenJoin->isLogin());
    QCOMPARE(tokenJoin->token, QStringLiteral("t"));
    QVERIFY(!tokenJoin->registerAccount);

    // Secrets are read from rich joins only: a seed join stays a guest's.
    const auto seed =
        Wire::decode<Wire::ToServer>(parse(R"({"type":"join","data":"A","password":"pw"})"));
    QVERIFY(!std::get<Wire::Join>(seed.message).isLogin());
    // A guest's join writes no account fields.
    const QJsonObject guest = Protocol::richJoin(QStringLiteral("A"), {}, 0, {});
    QVERIFY(!guest.contains(QStringLiteral("password")));
    QVERIFY(!guest.contains(QStringLiteral("register")));
    QVERIFY(!guest.contains(QStringLiteral("token")));
}

void TestWire::secretOfTheWrongTypeIsRefused()
{
    for (const char *json : { R"({"type":"join","data":"A","protocol":1,"password":7})",
                              R"({"type":"join","data":"A","protocol":1,"token":null})" }) {
        const auto decoded = Wire::decode<Wire::ToServer>(parse(json));
        QCOMPARE(decoded.status, Wire::Decoded<Wire::ToServer>::Status::BadField);
        QVERIFY(decoded.reason.contains(QStringLiteral("must be a string")));
    }
}

void TestWire::accountWelcomeRoundTrip()
{
    Wire::Welcome welcome;
    welcome.name = QStringLiteral("Alice");
    QVERIFY(!welcome.toJson().contains(QStringLiteral("account")));
    QVERIFY(!welcome.toJson().contains(QStringLiteral("token")));
    welcome.account = true;
    welcome.token = QStringLiteral("tok");
    const auto decoded = Wire::decode<Wire::ToClient>(welcome.toJson());
    const auto *back = std::get_if<Wire::Welcome>(&decoded.message);
    QVERIFY(back);
    QVERIFY(back->account);
    QCOMPARE(back->token, QStringLiteral("tok"));
}

void TestWire::passwordMessages()
{
    QCOMPARE(Wire::encode(Wire::Password { QStringLiteral("new"), QStringLiteral("old") }),
             QByteArray(R"({"data":"new","old":"old","type":"password"})"
                        "\n"));
    const auto decoded =
        Wire::decode<Wire::ToServer>(parse(R"({"type":"password","data":"n","old":"o"})"));
    const auto *password = std::get_if<Wire::Password>(&decoded.message);
    QVERIFY(password);
    QCOMPARE(password->password, QStringLiteral("n"));
    QCOMPARE(password->old, QStringLiteral("o"));
    QCOMPARE(Wire::decode<Wire::ToServer>(parse(R"({"type":"password","data":"n"})")).status,
             Wire::Decoded<Wire::ToServer>::Status::BadField);

    QCOMPARE(Wire::encode(Wire::PasswordChanged { QStringLiteral("t") }),
             QByteArray(R"({"token":"t","type":"password"})"
                        "\n"));
    Wire::PasswordChanged changed;
    QString reason;
    QVERIFY(Wire::PasswordChanged::fromJson(parse(R"({"type":"password","token":"t2"})"), &changed,
                                            &reason));
    QCOMPARE(changed.token, QStringLiteral("t2"));
    QVERIFY(!Wire::PasswordChanged::fromJson(parse(R"({"type":"password"})"), &changed, &reason));
}

void TestWire::privateConversationMessages()
{
    // Old clients send no echo, and their bytes stay what they were.
    QCOMPARE(Wire::encode(Wire::PrivateChat { QStringLiteral("B"), QStringLiteral("x") }),
             QByteArray(R"({"data":"x","to":"B","type":"private"})"
                        "\n"));
    const auto echo = Wire::decode<Wire::ToServer>(
        parse(R"({"type":"private","to":"B","data":"x","echo":true})"));
    QVERIFY(std::get_if<Wire::PrivateChat>(&echo.message)->echo);

    ChatMessage stored;
    stored.from = QStringLiteral("A");
    stored.to = QStringLiteral("B");
    stored.text = QStringLiteral("x");
    stored.privateId = 40;
    Wire::PrivateHistory page { QStringLiteral("B"), { stored }, true };
    const auto decoded = Wire::decode<Wire::ToClient>(page.toJson());
    const auto *back = std::get_if<Wire::PrivateHistory>(&decoded.message);
    QVERIFY(back);
    QCOMPARE(back->with, QStringLiteral("B"));
    QVERIFY(back->more);
    QCOMPARE(back->messages.size(), 1);
    QCOMPARE(back->messages.constFirst().privateId, 40);
    QVERIFY(!stored.toJson().contains(QStringLiteral("id"))); // not a room id

    Wire::Welcome welcome;
    QVERIFY(!welcome.toJson().contains(QStringLiteral("admin")));
    welcome.admin = true;
    const auto admin = Wire::decode<Wire::ToClient>(welcome.toJson());
    QVERIFY(std::get_if<Wire::Welcome>(&admin.message)->admin);
}

void TestWire::privateHistoryPagingIsStrict_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("valid");
    QTest::newRow("newest") << QByteArray(R"({"type":"conversation","with":"B"})") << true;
    QTest::newRow("a page") << QByteArray(
        R"({"type":"conversation","with":"B","before":41,"limit":50})")
                            << true;
    QTest::newRow("no with") << QByteArray(R"({"type":"conversation"})") << false;
    QTest::newRow("with a number") << QByteArray(R"({"type":"conversation","with":5})") << false;
    QTest::newRow("negative before")
        << QByteArray(R"({"type":"conversation","with":"B","before":-1})") << false;
    QTest::newRow("text before") << QByteArray(
        R"({"type":"conversation","with":"B","before":"41"})")
                                 << false;
    QTest::newRow("fraction limit")
        << QByteArray(R"({"type":"conversation","with":"B","limit":2.5})") << false;
    QTest::newRow("huge before") << QByteArray(
        R"({"type":"conversation","with":"B","before":1e300})")
                                 << false;
}

void TestWire::privateHistoryPagingIsStrict()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, valid);
    const auto decoded = Wire::decode<Wire::ToServer>(QJsonDocument::fromJson(json).object());
    QCOMPARE(decoded.isValid(), valid);
    if (!valid)
        QVERIFY(!decoded.reason.isEmpty());
}

QTEST_GUILESS_MAIN(TestWire)
#include "tst_wire.moc"
