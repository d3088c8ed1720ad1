// SPDX-License-Identifier: MIT
#include "chatmessage.h"
#include "protocol.h"
#include "timestamp.h"
#include "validation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QScopeGuard>
#include <QTest>

#include <ctime>

class TestChatMessage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void wireFormat();
    void seedMessage();
    void wrongFieldTypes_data();
    void wrongFieldTypes();
    void optionalFieldsOfTheWrongTypeAreIgnored();
    void timestampNowIsIsoUtcWithMilliseconds();
    void timestampWrite_data();
    void timestampWrite();
};

static ChatMessage message(qint64 id, const QDateTime &time, const QString &from, const QString &to,
                           const QString &text, bool action)
{
    ChatMessage result;
    result.id = id;
    result.time = time;
    result.from = from;
    result.to = to;
    result.text = text;
    result.action = action;
    return result;
}

void TestChatMessage::roundTrip_data()
{
    QTest::addColumn<qint64>("id");
    QTest::addColumn<QDateTime>("time");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("action");

    const QDateTime time(QDate(2026, 11, 23), QTime(17, 40, 1, 123), Qt::UTC);
    QTest::newRow("room") << qint64(42) << time << QStringLiteral("Alice") << QString()
                          << QStringLiteral("Hello World!") << false;
    QTest::newRow("private") << qint64(44) << time << QStringLiteral("Alice")
                             << QStringLiteral("Ann Lee") << QStringLiteral("lunch?") << false;
    QTest::newRow("action") << qint64(43) << time << QStringLiteral("Zo\u00eb") << QString()
                            << QStringLiteral("waves") << true;
    QTest::newRow("seed: no id, no time") << qint64(0) << QDateTime() << QStringLiteral("Bob")
                                          << QString() << QStringLiteral("hi") << false;
    QTest::newRow("largest exact id, multi-line, emoji, CJK")
        << qint64(9'007'199'254'740'991) << time << QStringLiteral("\u674e\u5c0f\u9f99")
        << QString() << QStringLiteral("line \"one\"\n\U0001F600 \u4f60\u597d \\ {}") << false;
    QTest::newRow("one millisecond later") << qint64(1) << time.addMSecs(1) << QStringLiteral("Bob")
                                           << QString() << QStringLiteral("x") << false;
}

void TestChatMessage::roundTrip()
{
    QFETCH(qint64, id);
    QFETCH(QDateTime, time);
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(QString, text);
    QFETCH(bool, action);

    const ChatMessage original = message(id, time, from, to, text, action);
    // Through the wire: encoded, framed, parsed.
    const Validation::ParsedFrame parsed =
        Validation::parseFrame(Protocol::encode(original.toJson()).trimmed());
    QVERIFY2(parsed.isValid(), qPrintable(parsed.errorText));
    QCOMPARE(parsed.object.value(u"type").toString(), QStringLiteral("message"));

    ChatMessage copy;
    QString reason;
    QVERIFY2(ChatMessage::fromJson(parsed.object, &copy, &reason), qPrintable(reason));
    QCOMPARE(copy.id, id);
    QCOMPARE(copy.time, time);
    QCOMPARE(copy.time.isValid(), time.isValid());
    QCOMPARE(copy.from, from);
    QCOMPARE(copy.to, to);
    QCOMPARE(copy.isPrivate(), !to.isEmpty());
    QCOMPARE(copy.text, text);
    QCOMPARE(copy.action, action);
}

// What PROTOCOL.md shows, field for field.
void TestChatMessage::wireFormat()
{
    const ChatMessage chat =
        message(42, QDateTime(QDate(2026, 11, 23), QTime(17, 40, 1, 123), Qt::UTC),
                QStringLiteral("Alice"), QString(), QStringLiteral("Hello World!"), false);
    const QJsonObject expected =
        QJsonDocument::fromJson(R"({"type":"message","id":42,"time":"2026-11-23T17:40:01.123Z",)"
                                R"("from":"Alice","data":"Hello World!"})")
            .object();
    QCOMPARE(chat.toJson(), expected);

    const ChatMessage seedShaped =
        message(0, {}, QStringLiteral("Alice"), {}, QStringLiteral("Hello World!"), false);
    QCOMPARE(seedShaped.toJson(),
             QJsonDocument::fromJson(R"({"type":"message","from":"Alice","data":"Hello World!"})")
                 .object());
}

// A message exactly as the seed's server relays it.
void TestChatMessage::seedMessage()
{
    const Validation::ParsedFrame parsed = Validation::parseFrame(
        R"({"type": "message", "from": "Zo\u00eb", "data": "\ud83d\ude00 Hello World!"})");
    QVERIFY(parsed.isValid());
    ChatMessage received;
    QString reason;
    QVERIFY(ChatMessage::fromJson(parsed.object, &received, &reason));
    QCOMPARE(received.from, QStringLiteral("Zo\u00eb"));
    QCOMPARE(received.text, QStringLiteral("\U0001F600 Hello World!"));
    QCOMPARE(received.id, 0);
    QVERIFY(!received.time.isValid());
    QVERIFY(!received.isPrivate());
    QVERIFY(!received.action);
}

void TestChatMessage::wrongFieldTypes_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field");

    QTest::newRow("from missing") << QByteArray(R"({"type":"message","data":"hi"})")
                                  << QStringLiteral("from");
    QTest::newRow("from number") << QByteArray(R"({"type":"message","from":7,"data":"hi"})")
                                 << QStringLiteral("from");
    QTest::newRow("from null") << QByteArray(R"({"type":"message","from":null,"data":"hi"})")
                               << QStringLiteral("from");
    QTest::newRow("from object") << QByteArray(
        R"({"type":"message","from":{"name":"Bob"},"data":"hi"})")
                                 << QStringLiteral("from");
    QTest::newRow("data missing") << QByteArray(R"({"type":"message","from":"Bob"})")
                                  << QStringLiteral("data");
    QTest::newRow("data array") << QByteArray(R"({"type":"message","from":"Bob","data":["hi"]})")
                                << QStringLiteral("data");
    QTest::newRow("data bool") << QByteArray(R"({"type":"message","from":"Bob","data":true})")
                               << QStringLiteral("data");
}

void TestChatMessage::wrongFieldTypes()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, field);

    const ChatMessage before =
        message(5, {}, QStringLiteral("kept"), {}, QStringLiteral("kept"), true);
    ChatMessage received = before;
    QString reason;
    QVERIFY(!ChatMessage::fromJson(QJsonDocument::fromJson(json).object(), &received, &reason));
    QVERIFY2(reason.contains(u'"' + field + u'"'), qPrintable(reason));
    // A refused message leaves the caller's copy alone.
    QCOMPARE(received.from, before.from);
    QCOMPARE(received.text, before.text);
    QCOMPARE(received.id, before.id);
}

// Extensions are optional; a server sending nonsense in them still gets its text shown.
void TestChatMessage::optionalFieldsOfTheWrongTypeAreIgnored()
{
    const QJsonObject object =
        QJsonDocument::fromJson(R"({"type":"message","id":"42","time":17,"from":"Bob",)"
                                R"("data":"hi","action":"yes"})")
            .object();
    ChatMessage received;
    QString reason;
    QVERIFY2(ChatMessage::fromJson(object, &received, &reason), qPrintable(reason));
    QCOMPARE(received.id, 0);
    QVERIFY(!received.time.isValid());
    QVERIFY(!received.action);
    QCOMPARE(received.text, QStringLiteral("hi"));

    const QJsonObject badTime =
        QJsonDocument::fromJson(R"({"type":"message","time":"yesterday","from":"Bob","data":"hi"})")
            .object();
    QVERIFY(ChatMessage::fromJson(badTime, &received, &reason));
    QVERIFY(!received.time.isValid());
}

QTEST_GUILESS_MAIN(TestChatMessage)
// Presence messages carry it: the same text QDateTime::toString(Qt::ISODateWithMs) gives.
void TestChatMessage::timestampNowIsIsoUtcWithMilliseconds()
{
    const QDateTime before = QDateTime::currentDateTimeUtc();
    const QString stamp = Protocol::timestampNow();
    const QDateTime after = QDateTime::currentDateTimeUtc();
    const QDateTime parsed = QDateTime::fromString(stamp, Qt::ISODateWithMs);
    QVERIFY2(parsed.isValid(), qPrintable(stamp));
    QCOMPARE(parsed.timeSpec(), Qt::UTC);
    QCOMPARE(stamp, parsed.toString(Qt::ISODateWithMs));
    QVERIFY2(before.msecsTo(parsed) >= 0 && parsed.msecsTo(after) >= 0, qPrintable(stamp));
}

// The formatter behind timestampNow() and the server's log lines.
void TestChatMessage::timestampWrite_data()
{
    QTest::addColumn<qint64>("msecs");
    QTest::addColumn<QString>("utc");
    QTest::addColumn<QString>("local"); // in TZ=IST-5:30, half an hour off any whole hour

    QTest::newRow("the epoch") << qint64(0) << QStringLiteral("1970-01-01T00:00:00.000")
                               << QStringLiteral("1970-01-01T05:30:00.000");
    QTest::newRow("a leap day's last millisecond")
        << qint64(1709251199999) << QStringLiteral("2024-02-29T23:59:59.999")
        << QStringLiteral("2024-03-01T05:29:59.999");
    QTest::newRow("before the epoch") << qint64(-1) << QStringLiteral("1969-12-31T23:59:59.999")
                                      << QStringLiteral("1970-01-01T05:29:59.999");
    QTest::newRow("past 2038") << qint64(4102444800007) << QStringLiteral("2100-01-01T00:00:00.007")
                               << QStringLiteral("2100-01-01T05:30:00.007");
}

void TestChatMessage::timestampWrite()
{
    QFETCH(qint64, msecs);
    QFETCH(QString, utc);
    QFETCH(QString, local);

    const QByteArray zone = qgetenv("TZ");
    const bool hadZone = qEnvironmentVariableIsSet("TZ");
    const auto restore = qScopeGuard([&] {
        if (hadZone)
            qputenv("TZ", zone);
        else
            qunsetenv("TZ");
        ::tzset();
    });
    qputenv("TZ", "IST-5:30");
    ::tzset();

    char text[Timestamp::Length + 1];
    text[Timestamp::Length] = '#'; // must stay: nothing is written past Length
    Timestamp::write(text, msecs, Timestamp::Zone::Utc);
    QCOMPARE(QString::fromLatin1(text, sizeof(text)), utc + u'#');
    QCOMPARE(QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC).toString(Qt::ISODateWithMs),
             utc + u'Z');
    Timestamp::write(text, msecs, Timestamp::Zone::Local);
    QCOMPARE(QString::fromLatin1(text, sizeof(text)), local + u'#');
}

#include "tst_chatmessage.moc"
