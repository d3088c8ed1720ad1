// SPDX-License-Identifier: MIT
#include "protocol.h"
#include "rawclient.h"
#include "serverfixture.h"
#include "servertest.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

using namespace ServerTest;

namespace {

// A seed client's scripted session: two objects in one write, then one object
// split over three writes.
const QByteArray SeedJoin = R"({"type":"join","data":"Seed"})";
const QByteArray TwoInOne = R"({"type":"chat","data":"two in one"})";
const QByteArray Split = R"({"type":"chat","data":"one object, three reads"})";
const QList<QByteArray> SplitPieces = { Split.left(10), Split.mid(10, 15), Split.mid(25) };

// Everything a client received, byte for byte.
class Capture
{
public:
    bool connectTo(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        return m_socket.waitForConnected(5000);
    }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    bool waitFor(const QByteArray &text)
    {
        QDeadlineTimer deadline(5000);
        while (!m_bytes.contains(text) && !deadline.hasExpired()) {
            m_socket.waitForReadyRead(50);
            m_bytes += m_socket.readAll();
        }
        return m_bytes.contains(text);
    }
    // What legitimately differs between two runs (times, the run and session
    // tokens) replaced by placeholders.
    QByteArray normalized() const
    {
        static const QRegularExpression varying(
            QStringLiteral("\"(time|run|session)\":\"[^\"]*\""));
        QString text = QString::fromUtf8(m_bytes);
        text.replace(varying, QStringLiteral("\"\\1\":\"*\""));
        return text.toUtf8();
    }
    QTcpSocket &socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_bytes;
};

// Whether one of the process's threads has this name, as top -H and ps -L show it.
bool hasThreadNamed(qint64 pid, const QByteArray &name)
{
    const QString tasks = QStringLiteral("/proc/%1/task/").arg(pid);
    for (const QString &task : QDir(tasks).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks + task + QStringLiteral("/comm"));
        if (comm.open(QIODevice::ReadOnly) && comm.readAll() == name + '\n')
            return true;
    }
    return false;
}

} // namespace

// --trace: the lines a person reads to see reads, frames and threads, and that
// tracing changes nothing a client receives.
class TestServerTrace : public ServerFixture
{
    Q_OBJECT

private Q_SLOTS:
    void readsFramesAndThreads();
    void jsonFormat();
    void filterByConnectionAndType();
    void longFramesAreShortenedWithTheirLength();
    void traceOffChangesNothingOnTheWire();

private:
    // A text trace line (after its timestamp) present in the server's output.
    bool hasLine(const QString &line);
    QByteArray scriptedSession(bool trace);
};

bool TestServerTrace::hasLine(const QString &line)
{
    const QRegularExpression pattern(QStringLiteral("^\\S+ trace ")
                                         + QRegularExpression::escape(line) + QStringLiteral("$"),
                                     QRegularExpression::MultilineOption);
    return pattern.match(server().output()).hasMatch();
}

void TestServerTrace::readsFramesAndThreads()
{
    QVERIFY(startServer({ QStringLiteral("--trace") }));
    RawClient bob;
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob"))); // conn-1
    QTRY_VERIFY(hasLine(QStringLiteral("conn-1 [main] thread-started live=1")));

    RawClient seed; // conn-2
    QVERIFY(seed.connectTo(serverPort()));
    QTRY_VERIFY(hasLine(QStringLiteral("conn-2 [main] thread-started live=2")));
    // Named for top -H and ps -L too.
    QTRY_VERIFY(hasThreadNamed(server().pid(), "conn-2"));

    // Two objects in one write: one read that completes two frames.
    seed.send(SeedJoin + TwoInOne);
    QTRY_VERIFY(hasLine(QStringLiteral("conn-2 [conn-2] read bytes=%1 frames=2 waiting=0")
                            .arg(SeedJoin.size() + TwoInOne.size())));
    QTRY_VERIFY(hasLine(QStringLiteral("conn-2 [conn-2] in type=join bytes=%1 data=%2")
                            .arg(SeedJoin.size())
                            .arg(QString::fromLatin1(SeedJoin))));
    QTRY_VERIFY(hasLine(QStringLiteral("conn-2 [conn-2] in type=chat bytes=%1 data=%2")
                            .arg(TwoInOne.size())
                            .arg(QString::fromLatin1(TwoInOne))));
    // Committed first, then its fan-out: one recipient (Bob), by the storage thread.
    QTRY_VERIFY(QRegularExpression(
                    QStringLiteral("trace server \\[storage\\] commit writes=\\d+ us=\\d+\n"))
                    .match(server().output())
                    .hasMatch());
    QTRY_VERIFY(hasLine(QStringLiteral("conn-2 [storage] fanout type=message id=1 recipients=1")));
    // The walk is the sender's thread's, or the main thread's when its sweep
    // finds the walk owed first: the storage thread only commits and appends.
    QTRY_VERIFY(QRegularExpression(QStringLiteral("fanout type=message id=1 recipients=1\\n"
                                                  "(.*\\n)*\\S+ trace (conn-2 \\[conn-2\\]|"
                                                  "server \\[main\\]) walk "))
                    .match(server().output())
                    .hasMatch());
    QVERIFY(!QRegularExpression(QStringLiteral("\\[storage\\] walk "))
                 .match(server().output())
                 .hasMatch());
    QTRY_VERIFY(hasLine(QStringLiteral(
        "conn-2 [conn-2] walk members=2 written=1 left-to-owner=0 held-back=0 coalesce-us=0")));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("message")), "data"),
             QStringLiteral("two in one"));

    // One object over three writes, each sent once the server has read the one
    // before: the frame completes in the read that ends it.
    qsizetype waiting = 0;
    for (qsizetype i = 0; i < SplitPieces.size(); ++i) {
        seed.send(SplitPieces.at(i));
        const bool last = i == SplitPieces.size() - 1;
        waiting = last ? 0 : waiting + SplitPieces.at(i).size();
        QTRY_VERIFY(hasLine(QStringLiteral("conn-2 [conn-2] read bytes=%1 frames=%2 waiting=%3")
                                .arg(SplitPieces.at(i).size())
                                .arg(last ? 1 : 0)
                                .arg(waiting)));
    }
    QTRY_VERIFY(hasLine(QStringLiteral("conn-2 [conn-2] in type=chat bytes=%1 data=%2")
                            .arg(Split.size())
                            .arg(QString::fromLatin1(Split))));
    QTRY_VERIFY(hasLine(QStringLiteral("conn-2 [storage] fanout type=message id=2 recipients=1")));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("message")), "data"),
             QStringLiteral("one object, three reads"));

    // A pong is a frame out, written once what came before it is stored (by the
    // storage thread); its newline is shown escaped.
    bob.send(R"({"type":"ping","id":7})"
             "\n");
    QTRY_VERIFY(hasLine(QStringLiteral(
        R"(conn-1 [storage] out type=pong how=written bytes=23 data={"id":7,"type":"pong"}\x0a)")));

    seed.socket().disconnectFromHost();
    QTRY_VERIFY(hasLine(QStringLiteral(R"(conn-2 [conn-2] closed reason="disconnected")")));
    QTRY_VERIFY(hasLine(QStringLiteral("conn-2 [main] thread-finished live=1")));
}

void TestServerTrace::jsonFormat()
{
    QVERIFY(startServer({ QStringLiteral("--trace-format"), QStringLiteral("json") }));
    RawClient bob;
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    RawClient seed;
    QVERIFY(seed.connectTo(serverPort()));
    seed.send(SeedJoin + TwoInOne);
    QVERIFY(!bob.waitFor(QStringLiteral("message")).isEmpty());

    auto find = [this](const QString &event, const QString &type) {
        for (const QString &line : server().output().split(QLatin1Char('\n'))) {
            if (!line.startsWith(QLatin1Char('{')))
                continue; // the log's own lines
            const QJsonObject object = QJsonDocument::fromJson(line.toUtf8()).object();
            if (stringOf(object, "event") == event && object.value(QLatin1String("conn")) == 2
                && (type.isEmpty() || stringOf(object, "type") == type))
                return object;
        }
        return QJsonObject();
    };
    QJsonObject read;
    QTRY_VERIFY(!(read = find(QStringLiteral("read"), {})).isEmpty());
    QCOMPARE(read.value(QLatin1String("bytes")).toInt(), SeedJoin.size() + TwoInOne.size());
    QCOMPARE(read.value(QLatin1String("frames")).toInt(), 2);
    QCOMPARE(stringOf(read, "thread"), QStringLiteral("conn-2"));
    QVERIFY(!stringOf(read, "t").isEmpty());

    QJsonObject in;
    QTRY_VERIFY(!(in = find(QStringLiteral("in"), QStringLiteral("chat"))).isEmpty());
    QCOMPARE(in.value(QLatin1String("bytes")).toInt(), TwoInOne.size());
    QCOMPARE(stringOf(in, "data").toLatin1(), TwoInOne);

    QJsonObject started;
    QTRY_VERIFY(!(started = find(QStringLiteral("thread-started"), {})).isEmpty());
    QCOMPARE(started.value(QLatin1String("live")).toInt(), 2);
    QCOMPARE(stringOf(started, "thread"), QStringLiteral("main"));
}

void TestServerTrace::filterByConnectionAndType()
{
    QVERIFY(startServer({ QStringLiteral("--trace-filter"), QStringLiteral("conn=2,type=chat") }));
    RawClient bob;
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    RawClient seed;
    QVERIFY(seed.connectTo(serverPort()));
    seed.send(SeedJoin + TwoInOne);
    QVERIFY(!bob.waitFor(QStringLiteral("message")).isEmpty());
    QTRY_VERIFY(hasLine(QStringLiteral("conn-2 [conn-2] in type=chat bytes=%1 data=%2")
                            .arg(TwoInOne.size())
                            .arg(QString::fromLatin1(TwoInOne))));
    // Lines without a frame type pass the type filter.
    QVERIFY(hasLine(QStringLiteral("conn-2 [conn-2] read bytes=%1 frames=2 waiting=0")
                        .arg(SeedJoin.size() + TwoInOne.size())));
    const QString output = server().output();
    QVERIFY2(!output.contains(QStringLiteral("trace conn-1 ")), qPrintable(output));
    QVERIFY2(!output.contains(QStringLiteral("type=join")), qPrintable(output));
    QVERIFY2(!output.contains(QStringLiteral("type=notice")), qPrintable(output));
}

void TestServerTrace::longFramesAreShortenedWithTheirLength()
{
    QVERIFY(startServer({ QStringLiteral("--trace") }));
    RawClient bob;
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("Bob")));
    const QByteArray text(1000, 'x');
    const QByteArray chat = R"({"type":"chat","data":")" + text + R"("})";
    bob.send(chat);
    QTRY_VERIFY(hasLine(QStringLiteral("conn-1 [conn-1] in type=chat bytes=%1 shown=200 data=%2")
                            .arg(chat.size())
                            .arg(QString::fromLatin1(chat.left(200)))));
}

// The same session with and without trace; returns what both clients received.
QByteArray TestServerTrace::scriptedSession(bool trace)
{
    if (!startServer(trace ? QStringList { QStringLiteral("--trace") } : QStringList {}))
        return "the server did not start";
    Capture bob;
    Capture seed;
    if (!bob.connectTo(serverPort()))
        return "bob did not connect";
    bob.send(R"({"type":"join","data":"Bob","protocol":1,"client":"test"})"
             "\n");
    if (!bob.waitFor(R"("type":"welcome")") || !seed.connectTo(serverPort()))
        return "bob did not join";
    seed.send(SeedJoin + TwoInOne);
    if (!seed.waitFor("Welcome, Seed") || !bob.waitFor("two in one"))
        return "the seed client's first write did not arrive";
    for (const QByteArray &piece : SplitPieces) {
        seed.send(piece);
        seed.socket().waitForBytesWritten(1000);
    }
    if (!bob.waitFor("one object, three reads"))
        return "the split object did not arrive";
    bob.send(R"({"type":"chat","data":"hello seed"})"
             "\n"
             R"({"type":"ping","id":7})"
             "\n");
    if (!seed.waitFor("hello seed") || !bob.waitFor(R"("type":"pong")"))
        return "bob's reply did not arrive";
    return "bob:\n" + bob.normalized() + "\nseed:\n" + seed.normalized();
}

void TestServerTrace::traceOffChangesNothingOnTheWire()
{
    const QByteArray off = scriptedSession(false);
    const QByteArray on = scriptedSession(true);
    QVERIFY2(off.startsWith("bob:"), off.constData());
    QVERIFY(server().output().contains(QStringLiteral(" trace conn-2 [conn-2] read ")));
    QCOMPARE(on, off);
}

QTEST_GUILESS_MAIN(TestServerTrace)
#include "tst_servertrace.moc"
