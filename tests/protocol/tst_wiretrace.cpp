// SPDX-License-Identifier: MIT
// The wire trace of ChatClient: which reads, frames, timeline steps and round
// trips it reports, against fake servers that control every byte split, and
// that tracing leaves the bytes on the wire alone.
#include "acceptjoin.h"
#include "chatclient.h"
#include "protocol.h"
#include "serverprocess.h"
#include "wireevent.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>

using Kind = WireEvent::Kind;

static const QByteArray welcome =
    R"({"type":"welcome","protocol":1,"server":"Fake","version":"0","name":"Alice",)"
    R"("session":"s","run":"r","users":["Alice","Bob"],"history":[],"missed":0})"
    "\n";
static const QByteArray presence =
    R"({"type":"presence","event":"join","name":"Carol","time":"2024-01-01T00:00:00.000Z",)"
    R"("text":"Carol joined the chat."})"
    "\n";

static QByteArray message(const QString &text, int id)
{
    return Protocol::encode(
        QJsonObject { { QStringLiteral("type"), QStringLiteral("message") },
                      { QStringLiteral("from"), QStringLiteral("Bob") },
                      { QStringLiteral("text"), text },
                      { QStringLiteral("id"), id },
                      { QStringLiteral("time"), QStringLiteral("2024-01-01T00:00:00.000Z") } });
}

// A client session with its trace collected.
class Traced
{
public:
    explicit Traced(bool trace = true)
    {
        client.setClientName(QStringLiteral("tst_wiretrace"));
        client.setKeepAliveInterval(0);
        client.setTraceEnabled(trace);
        QObject::connect(&client, &ChatClient::wireEvent,
                         [this](const WireEvent &event) { events.append(event); });
    }

    QList<WireEvent> of(Kind kind) const
    {
        QList<WireEvent> result;
        for (const WireEvent &event : events) {
            if (event.kind == kind)
                result.append(event);
        }
        return result;
    }
    QStringList timeline() const
    {
        QStringList result;
        for (const WireEvent &event : of(Kind::Timeline))
            result.append(event.text);
        return result;
    }
    // Where the n-th event of kind is in events, or -1.
    qsizetype indexOf(Kind kind, int n = 0) const
    {
        for (qsizetype i = 0; i < events.size(); ++i) {
            if (events.at(i).kind == kind && n-- == 0)
                return i;
        }
        return -1;
    }
    bool hasTimeline(const QString &start) const
    {
        const QStringList steps = timeline();
        return std::any_of(steps.cbegin(), steps.cend(),
                           [&](const QString &step) { return step.startsWith(start); });
    }

    ChatClient client;
    QList<WireEvent> events;
};

using TestSupport::acceptJoin;

class TestWireTrace : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void textForm();
    void readThatCompletesTwoFrames();
    void frameSplitAcrossReads();
    void framesOutAgainstARealServer();
    void roundTripFromPingToPong();
    void timelineOfSeedDetectionAndReconnect();
    void traceOffChangesNothingOnTheWire();
};

void TestWireTrace::textForm()
{
    WireEvent frame = WireEvent::frame(Kind::FrameIn, R"({"type":"chat","text":"a\u001b[2Jb"})",
                                       QStringLiteral("chat"));
    frame.time = QDateTime(QDate(2024, 5, 6), QTime(14, 2, 11, 207));
    QCOMPARE(frame.toText(),
             QStringLiteral(
                 R"(14:02:11.207 in            36 B chat {"type":"chat","text":"a\u001b[2Jb"})"));

    // Nothing a person sees in a line may act on their terminal.
    const WireEvent garbage =
        WireEvent::frame(Kind::FrameIn, "\x1b[31mred", QStringLiteral("(not JSON)"));
    QVERIFY(!garbage.toText().contains(QChar(0x1b)));
    QVERIFY(garbage.toText().contains(QChar(0x241b)));

    const WireEvent read = WireEvent::read(QByteArray(57, 'x'), 20, 1, 12);
    QVERIFY2(read.toText().contains(QStringLiteral(" 57 B 1 frame complete, the first split across "
                                                   "reads (20 bytes came before), then 12 bytes of "
                                                   "a split frame held for the next read")),
             qPrintable(read.toText()));

    // A frame keeps a bounded copy of its bytes, and says so.
    const WireEvent big = WireEvent::frame(
        Kind::FrameIn, QByteArray(WireEvent::MaxRawBytes + 10, 'a'), QStringLiteral("(not JSON)"));
    QCOMPARE(big.raw.size(), WireEvent::MaxRawBytes);
    QCOMPARE(big.bytes, WireEvent::MaxRawBytes + 10);
    QVERIFY(big.isTruncated());

    const QJsonObject json = WireEvent::roundTrip(1.25).toJson();
    QCOMPARE(json.value(QStringLiteral("kind")).toString(), QStringLiteral("rtt"));
    QCOMPARE(json.value(QStringLiteral("ms")).toDouble(), 1.25);
}

void TestWireTrace::readThatCompletesTwoFrames()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Traced session;
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray join;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &join);
    QVERIFY(peer);
    // The join went out as one frame, exactly its bytes.
    const QList<WireEvent> out = session.of(Kind::FrameOut);
    QCOMPARE(out.size(), 1);
    QCOMPARE(out.first().type, QStringLiteral("join"));
    QCOMPARE(out.first().raw, join);
    QCOMPARE(out.first().bytes, join.size());

    peer->write(welcome + presence); // one write, one read on loopback
    QTRY_COMPARE(session.client.status(), ChatClient::Status::Joined);
    QTRY_VERIFY(session.client.users().contains(QStringLiteral("Carol")));
    const QList<WireEvent> reads = session.of(Kind::Read);
    QCOMPARE(reads.size(), 1);
    QCOMPARE(reads.first().bytes, welcome.size() + presence.size());
    QCOMPARE(reads.first().raw, welcome + presence);
    QCOMPARE(reads.first().frames, 2);
    QCOMPARE(reads.first().carriedBytes, 0);
    QCOMPARE(reads.first().leftoverBytes, 0);

    // The read, then its frames in order, each followed by what it caused.
    const qsizetype at = session.indexOf(Kind::Read);
    QVERIFY(at >= 0);
    QCOMPARE(session.events.at(at + 1).kind, Kind::FrameIn);
    QCOMPARE(session.events.at(at + 1).type, QStringLiteral("welcome"));
    QCOMPARE(session.events.at(at + 1).bytes, welcome.size() - 1); // without the delimiter
    QCOMPARE(session.events.at(at + 2).kind, Kind::Timeline);
    QVERIFY(session.events.at(at + 2).text.startsWith(QStringLiteral("welcome from Fake 0")));
    const QList<WireEvent> in = session.of(Kind::FrameIn);
    QCOMPARE(in.size(), 2);
    QCOMPARE(in.at(1).type, QStringLiteral("presence"));
    QCOMPARE(in.at(1).raw, presence.chopped(1));
}

void TestWireTrace::frameSplitAcrossReads()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Traced session;
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray join;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &join);
    QVERIFY(peer);
    peer->write(welcome);
    QTRY_COMPARE(session.client.status(), ChatClient::Status::Joined);
    session.events.clear();

    const QByteArray first = message(QStringLiteral("first"), 1);
    const QByteArray second = message(QStringLiteral("second"), 2);
    // 20 bytes of the first; its rest and 10 of the second; the second's rest.
    const QList<QByteArray> parts = { first.left(20), first.mid(20) + second.left(10),
                                      second.mid(10) };
    for (qsizetype i = 0; i < parts.size(); ++i) {
        peer->write(parts.at(i));
        QTRY_COMPARE(session.of(Kind::Read).size(), i + 1);
    }
    const QList<WireEvent> reads = session.of(Kind::Read);
    QCOMPARE(reads.at(0).bytes, 20);
    QCOMPARE(reads.at(0).frames, 0);
    QCOMPARE(reads.at(0).leftoverBytes, 20);
    QCOMPARE(reads.at(1).frames, 1);
    QCOMPARE(reads.at(1).carriedBytes, 20);
    QCOMPARE(reads.at(1).leftoverBytes, 10);
    QCOMPARE(reads.at(2).frames, 1);
    QCOMPARE(reads.at(2).carriedBytes, 10);
    QCOMPARE(reads.at(2).leftoverBytes, 0);

    // Each frame whole, once, after the read that completed it.
    const QList<WireEvent> in = session.of(Kind::FrameIn);
    QCOMPARE(in.size(), 2);
    QCOMPARE(in.at(0).type, QStringLiteral("message"));
    QCOMPARE(in.at(0).raw, first.chopped(1));
    QCOMPARE(in.at(1).raw, second.chopped(1));
    QCOMPARE(session.indexOf(Kind::FrameIn, 0), session.indexOf(Kind::Read, 1) + 1);
    QCOMPARE(session.indexOf(Kind::FrameIn, 1), session.indexOf(Kind::Read, 2) + 1);
    QVERIFY(reads.at(0).toText().contains(QStringLiteral("no frame complete: 20 bytes held")));
}

void TestWireTrace::framesOutAgainstARealServer()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    Traced session;
    session.client.connectToServer(QStringLiteral("127.0.0.1"), server.port(),
                                   QStringLiteral("Alice"));
    QTRY_COMPARE(session.client.status(), ChatClient::Status::Joined);
    QVERIFY(session.client.sendChat(QStringLiteral("hello wire")).isAccepted());
    QVERIFY(session.client.requestUsers().isAccepted());
    QTRY_VERIFY(!session.of(Kind::FrameIn).isEmpty()
                && session.of(Kind::FrameIn).constLast().type == QStringLiteral("users"));

    QStringList outTypes;
    for (const WireEvent &event : session.of(Kind::FrameOut))
        outTypes.append(event.type);
    QCOMPARE(
        outTypes,
        (QStringList { QStringLiteral("join"), QStringLiteral("chat"), QStringLiteral("users") }));
    const WireEvent chat = session.of(Kind::FrameOut).at(1);
    QCOMPARE(chat.raw, Protocol::encode(Protocol::chat(QStringLiteral("hello wire"))));
    QCOMPARE(chat.bytes, chat.raw.size());

    // The connection's timeline, in order.
    const QStringList steps = session.timeline();
    const QStringList starts = { QStringLiteral("connecting to 127.0.0.1:"),
                                 QStringLiteral("connected to 127.0.0.1:"),
                                 QStringLiteral("join sent as Alice"),
                                 QStringLiteral("welcome from PyNet Chat") };
    qsizetype from = 0;
    for (const QString &start : starts) {
        while (from < steps.size() && !steps.at(from).startsWith(start))
            ++from;
        QVERIFY2(from < steps.size(),
                 qPrintable(start + QStringLiteral(" in: ") + steps.join(u'|')));
    }

    // Every byte the client read is in a Read event.
    qint64 read = 0;
    for (const WireEvent &event : session.of(Kind::Read))
        read += event.bytes;
    qint64 framed = 0;
    for (const WireEvent &event : session.of(Kind::FrameIn))
        framed += event.bytes + 1; // our server ends each frame with '\n'
    QCOMPARE(read, framed);
}

void TestWireTrace::roundTripFromPingToPong()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Traced session;
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray received;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &received);
    QVERIFY(peer);
    QCOMPARE(session.client.pingServer().status, SendResult::Status::NotConnected);
    peer->write(welcome);
    QTRY_COMPARE(session.client.status(), ChatClient::Status::Joined);
    QCOMPARE(session.client.lastRoundTripMs(), -1.0);

    received.clear();
    QVERIFY(session.client.pingServer().isAccepted());
    QTRY_VERIFY((received += peer->readAll()).contains('\n'));
    const QJsonObject ping = QJsonDocument::fromJson(received).object();
    QCOMPARE(ping.value(QStringLiteral("type")).toString(), QStringLiteral("ping"));
    // A pong with another id times nothing; the one for our ping, 150 ms late, does.
    peer->write(Protocol::encode(Protocol::pong(999)));
    QTest::qWait(150);
    QVERIFY(session.of(Kind::RoundTrip).isEmpty());
    peer->write(Protocol::encode(
        QJsonObject { { QStringLiteral("type"), QStringLiteral("pong") },
                      { QStringLiteral("id"), ping.value(QStringLiteral("id")) } }));
    QTRY_COMPARE(session.of(Kind::RoundTrip).size(), 1);
    const double ms = session.of(Kind::RoundTrip).first().roundTripMs;
    QVERIFY2(ms >= 150 && ms < 5000, qPrintable(QString::number(ms)));
    QCOMPARE(session.client.lastRoundTripMs(), ms);
    QVERIFY(session.of(Kind::RoundTrip)
                .first()
                .toText()
                .contains(QStringLiteral("ms from ping to pong")));
}

void TestWireTrace::timelineOfSeedDetectionAndReconnect()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    Traced session;
    session.client.setWelcomeTimeout(200);
    session.client.setReconnectDelays(50, 100);
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray join;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &join);
    QVERIFY(peer);
    // A seed server welcomes nobody.
    QTRY_VERIFY(session.hasTimeline(QStringLiteral("no welcome within 200 ms: a seed server")));
    QCOMPARE(session.client.status(), ChatClient::Status::Joined);

    peer->close();
    QTRY_VERIFY(session.hasTimeline(QStringLiteral("reconnect attempt 1 in ")));
    QVERIFY(session.hasTimeline(QStringLiteral("connection closed")));
    QByteArray rejoin;
    std::unique_ptr<QTcpSocket> second = acceptJoin(fake, &rejoin);
    QVERIFY(second);
    QVERIFY(session.hasTimeline(QStringLiteral("reconnect attempt 1: connecting to 127.0.0.1:")));
    // The back-off's delay in words is the one the session used.
    const QString scheduled =
        session.timeline().filter(QStringLiteral("reconnect attempt 1 in ")).first();
    const int delay = scheduled.section(u' ', 4, 4).toInt();
    QVERIFY2(delay >= 25 && delay <= 50, qPrintable(scheduled));

    session.client.disconnectFromServer();
    QTRY_VERIFY(session.hasTimeline(QStringLiteral("session ended")));
}

// The bytes a fake server receives from one scripted session.
static QByteArray scriptedSession(bool trace, int *events)
{
    QTcpServer fake;
    if (!fake.listen(QHostAddress::LocalHost))
        return {};
    Traced session(trace);
    session.client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                                   QStringLiteral("Alice"));
    QByteArray received;
    std::unique_ptr<QTcpSocket> peer = acceptJoin(fake, &received);
    if (!peer)
        return {};
    peer->write(welcome);
    if (!QTest::qWaitFor([&] { return session.client.status() == ChatClient::Status::Joined; }))
        return {};
    peer->write(R"({"type":"ping","id":"server-1"})"
                "\n");
    if (!QTest::qWaitFor([&] { return (received += peer->readAll()).contains("pong"); }))
        return {};
    session.client.sendChat(QStringLiteral("one"));
    session.client.sendAction(QStringLiteral("waves"));
    session.client.sendPrivate(QStringLiteral("Bob"), QStringLiteral("psst"));
    session.client.requestUsers();
    session.client.pingServer();
    if (!QTest::qWaitFor(
            [&] { return (received += peer->readAll()).contains(R"("type":"ping")"); }))
        return {};
    session.client.disconnectFromServer();
    if (!QTest::qWaitFor([&] {
            received += peer->readAll();
            return peer->state() != QAbstractSocket::ConnectedState;
        }))
        return {};
    received += peer->readAll();
    *events = int(session.events.size());
    return received;
}

void TestWireTrace::traceOffChangesNothingOnTheWire()
{
    int eventsOff = -1;
    int eventsOn = -1;
    const QByteArray off = scriptedSession(false, &eventsOff);
    const QByteArray on = scriptedSession(true, &eventsOn);
    QVERIFY(off.contains(R"({"id":"server-1","type":"pong"})"));
    QVERIFY(off.contains(R"("type":"ping")"));
    QCOMPARE(off.count('\n'), 7); // join, pong, chat, action, private, users, ping
    QCOMPARE(on, off);
    QCOMPARE(eventsOff, 0);
    QVERIFY(eventsOn > 10);
}

QTEST_GUILESS_MAIN(TestWireTrace)
#include "tst_wiretrace.moc"
