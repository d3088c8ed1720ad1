// SPDX-License-Identifier: MIT
#include "protocol.h"
#include "rawclient.h"
#include "serverfixture.h"
#include "servertest.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace ServerTest;

namespace {

struct HttpReply
{
    int status = 0; // 0: no answer
    QByteArray body;
};

// One GET over a raw socket: the test needs no event loop and no HTTP library.
HttpReply httpGet(quint16 port, const QByteArray &path)
{
    HttpReply reply;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return reply;
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray received;
    qsizetype headerEnd = -1;
    qsizetype length = -1;
    while (socket.waitForReadyRead(5000) || socket.bytesAvailable() > 0) {
        received += socket.readAll();
        if (headerEnd < 0 && (headerEnd = received.indexOf("\r\n\r\n")) >= 0) {
            static const QRegularExpression contentLength(
                QStringLiteral("^content-length:\\s*(\\d+)"),
                QRegularExpression::CaseInsensitiveOption | QRegularExpression::MultilineOption);
            const QRegularExpressionMatch match =
                contentLength.match(QString::fromLatin1(received.left(headerEnd)));
            length = match.hasMatch() ? match.captured(1).toLongLong() : -1;
        }
        if (headerEnd >= 0 && length >= 0 && received.size() >= headerEnd + 4 + length)
            break;
    }
    if (headerEnd < 0 || !received.startsWith("HTTP/1.1 "))
        return reply;
    reply.status = received.mid(9, 3).toInt();
    reply.body = received.mid(headerEnd + 4);
    return reply;
}

// The value of one sample, "pynet_joins_total" or "pynet_closes_total{reason=\"x\"}";
// -1 when the output has no such line.
double sampleValue(const QByteArray &text, const QByteArray &sample)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(sample + ' '))
            return line.mid(sample.size() + 1).toDouble();
    }
    return -1;
}

// The TCP ports process pid listens on: its sockets' inodes, found in /proc/net.
QSet<quint16> listeningPorts(qint64 pid)
{
    QSet<QByteArray> inodes;
    const QDir descriptors(QStringLiteral("/proc/%1/fd").arg(pid));
    for (const QFileInfo &link : descriptors.entryInfoList(QDir::System | QDir::NoDotAndDotDot)) {
        const QString target = link.symLinkTarget().section(QLatin1Char('/'), -1);
        if (target.startsWith(QLatin1StringView("socket:[")))
            inodes.insert(target.mid(8).chopped(1).toLatin1());
    }
    QSet<quint16> ports;
    for (const char *table : { "/proc/net/tcp", "/proc/net/tcp6" }) {
        QFile file(QString::fromLatin1(table));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        file.readLine(); // the header
        for (QByteArray line = file.readLine(); !line.isEmpty(); line = file.readLine()) {
            const QList<QByteArray> fields = line.simplified().split(' ');
            constexpr int LocalAddress = 1, State = 3, Inode = 9;
            if (fields.size() <= Inode || fields.at(State) != "0A" // LISTEN
                || !inodes.contains(fields.at(Inode)))
                continue;
            const QByteArray &local = fields.at(LocalAddress); // "0100007F:1F90"
            ports.insert(quint16(local.mid(local.lastIndexOf(':') + 1).toUInt(nullptr, 16)));
        }
    }
    return ports;
}

// A port nobody listens on just now, for a server to be given.
quint16 freePort()
{
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    return probe.serverPort();
}

} // namespace

// --metrics: what a Prometheus scrape sees after users join, chat, flood and
// stop reading, that it never sees a name or a message, and that it is off
// unless asked for.
class TestServerMetrics : public ServerFixture
{
    Q_OBJECT

private Q_SLOTS:
    void offByDefault();
    void countsJoinsMessagesAndCloses();
    void countsSlowReaderDropped();
    void healthAnswersWithoutJoining();
    void unusableAddressIsAStartError_data();
    void unusableAddressIsAStartError();

private:
    [[nodiscard]] bool startWithMetrics(const QStringList &arguments = {});
    QByteArray scrape();
    double metric(const char *sample) { return sampleValue(scrape(), sample); }

    quint16 m_metricsPort = 0;
};

bool TestServerMetrics::startWithMetrics(const QStringList &arguments)
{
    if (!startServer(QStringList { QStringLiteral("--metrics"), QStringLiteral("127.0.0.1:0") }
                     + arguments))
        return false;
    static const QRegularExpression url(
        QStringLiteral("metrics at http://127\\.0\\.0\\.1:(\\d+)/metrics"));
    const QRegularExpressionMatch match = url.match(server().output());
    m_metricsPort = match.hasMatch() ? match.captured(1).toUShort() : 0;
    return m_metricsPort != 0;
}

QByteArray TestServerMetrics::scrape()
{
    const HttpReply reply = httpGet(m_metricsPort, "/metrics");
    return reply.status == 200 ? reply.body : QByteArray();
}

void TestServerMetrics::offByDefault()
{
    // The fixture's server, started with no --metrics: its chat port is all it listens on.
    QCOMPARE(listeningPorts(server().pid()), QSet<quint16> { serverPort() });
    QVERIFY(!server().output().contains(QStringLiteral("metrics at")));

    QProcess help;
    help.start(QStringLiteral(PYNET_SERVER_BINARY), { QStringLiteral("--help") });
    QVERIFY(help.waitForFinished(10000));
    const QString text = QString::fromUtf8(help.readAllStandardOutput()).simplified();
    QVERIFY2(text.contains(QStringLiteral("--metrics <address:port>")), qPrintable(text));
    QVERIFY(text.contains(QStringLiteral("Default: off.")));

    // With it, exactly one port more.
    QVERIFY(startWithMetrics());
    QCOMPARE(listeningPorts(server().pid()), (QSet<quint16> { serverPort(), m_metricsPort }));
}

void TestServerMetrics::countsJoinsMessagesAndCloses()
{
    // A bucket of five that hardly refills: which messages the limit drops is certain.
    QVERIFY(startWithMetrics({ QStringLiteral("--rate"), QStringLiteral("0.01"),
                               QStringLiteral("--burst"), QStringLiteral("5"),
                               QStringLiteral("--join-timeout"), QStringLiteral("3") }));
    const QByteArray before = scrape();
    QCOMPARE(sampleValue(before, "pynet_joins_total"), 0.0);
    QCOMPARE(sampleValue(before, "pynet_clients"), 0.0);
    QCOMPARE(sampleValue(before, "pynet_rooms"), 1.0); // #general

    RawClient alice, bob;
    QVERIFY(alice.joinAs(serverPort(), QStringLiteral("AliceSecretName")));
    QVERIFY(bob.joinAs(serverPort(), QStringLiteral("BobSecretName")));
    QByteArray aliceSent;
    for (int i = 0; i < 3; ++i)
        aliceSent += Protocol::encode(Protocol::chat(QStringLiteral("xyzzy words %1").arg(i)));
    alice.send(aliceSent);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(stringOf(bob.waitFor(QStringLiteral("message")), "data"),
                 QStringLiteral("xyzzy words %1").arg(i));

    // One join token, four chats relayed, six dropped by the limit.
    RawClient flooder;
    QVERIFY(flooder.joinAs(serverPort(), QStringLiteral("FlooderSecretName")));
    QByteArray flood;
    for (int i = 0; i < 10; ++i)
        flood += Protocol::encode(Protocol::chat(QStringLiteral("plugh flood %1").arg(i)));
    flooder.send(flood);
    QCOMPARE(stringOf(flooder.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("rate_limited"));
    QVERIFY(!waitForMatch(bob, QStringLiteral("message"), QStringLiteral("data"),
                          QStringLiteral("plugh flood 3"))
                 .isEmpty());

    QTRY_COMPARE(metric("pynet_joins_total"), 3.0);
    QCOMPARE(metric("pynet_clients"), 3.0);
    QCOMPARE(metric("pynet_users"), 3.0);
    // Joins 3, Alice's chats 3, the flood 10.
    QCOMPARE(metric("pynet_messages_received_total"), 16.0);
    QCOMPARE(metric("pynet_rate_limited_total"), 6.0);
    // Alice's three to Bob; four of the flood to Alice and Bob each.
    QTRY_COMPARE(metric("pynet_messages_delivered_total"), 11.0);
    QVERIFY(metric("pynet_bytes_received_total") >= double(aliceSent.size() + flood.size()));
    QVERIFY(metric("pynet_bytes_sent_total") > 0);
    QCOMPARE(metric("pynet_threads"), double(threadCount(server().pid())));
    QVERIFY(metric("pynet_storage_commit_seconds_count") >= 1);
    QCOMPARE(metric("pynet_storage_commit_seconds_bucket{le=\"+Inf\"}"),
             metric("pynet_storage_commit_seconds_count"));
    QCOMPARE(metric("pynet_storage_backlog"), 0.0);

    // Bob hangs up; a connection that never joins is timed out.
    bob.socket().disconnectFromHost();
    RawClient silent;
    QVERIFY(silent.connectTo(serverPort()));
    QTRY_COMPARE(metric("pynet_closes_total{reason=\"disconnected\"}"), 1.0);
    QVERIFY(silent.waitForClosed(10000));
    QTRY_COMPARE(metric("pynet_closes_total{reason=\"join_timeout\"}"), 1.0);
    QTRY_COMPARE(metric("pynet_clients"), 2.0);
    QCOMPARE(metric("pynet_users"), 2.0);

    // Names and text are the clients'; the scrape carries only numbers and our labels.
    const QByteArray text = scrape();
    for (const char *secret : { "alice", "bob", "flooder", "secret", "xyzzy", "plugh", "test" })
        QVERIFY2(!text.toLower().contains(secret), secret);
    static const QRegularExpression line(
        QStringLiteral("^(# (HELP|TYPE) pynet_\\w+ "
                       ".+|pynet_\\w+(\\{(reason|le)=\"[a-z_0-9.+Inf]+\"\\})? [0-9.e+-]+)$"));
    for (const QByteArray &sample : text.trimmed().split('\n'))
        QVERIFY2(line.match(QString::fromLatin1(sample)).hasMatch(), sample.constData());
}

void TestServerMetrics::countsSlowReaderDropped()
{
    // A small send buffer and cap: a client that stops reading is dropped in a few messages.
    QVERIFY(startWithMetrics({ QStringLiteral("--max-unsent-bytes"), QStringLiteral("4096"),
                               QStringLiteral("--send-buffer"), QStringLiteral("4096"),
                               QStringLiteral("--max-text"), QStringLiteral("60000"),
                               QStringLiteral("--rate"), QStringLiteral("100000"),
                               QStringLiteral("--burst"), QStringLiteral("100000") }));
    RawClient talker;
    QVERIFY(talker.joinAs(serverPort(), QStringLiteral("Talker")));
    // Never read: Qt must not read on its behalf either.
    RawClient sleepy;
    sleepy.socket().setReadBufferSize(1024);
    QVERIFY(sleepy.connectTo(serverPort()));
    sleepy.sendObject(Protocol::richJoin(QStringLiteral("Sleepy"), {}, 0, {}));
    QTRY_COMPARE(metric("pynet_joins_total"), 2.0);

    constexpr int MaxMessages = 300;
    int sent = 0;
    while (sent < MaxMessages && metric("pynet_slow_readers_dropped_total") == 0) {
        talker.send(Protocol::encode(Protocol::chat(QString(59990, u'z'))));
        QVERIFY(talker.socket().waitForBytesWritten(5000) || talker.socket().bytesToWrite() == 0);
        ++sent;
    }
    QTRY_COMPARE(metric("pynet_slow_readers_dropped_total"), 1.0);
    QCOMPARE(metric("pynet_closes_total{reason=\"slow_reader\"}"), 1.0);
    QTRY_COMPARE(metric("pynet_clients"), 1.0);
    QCOMPARE(metric("pynet_closes_total{reason=\"disconnected\"}"), 0.0);
    sleepy.socket().setReadBufferSize(0);
}

void TestServerMetrics::healthAnswersWithoutJoining()
{
    QVERIFY(startWithMetrics());
    const HttpReply health = httpGet(m_metricsPort, "/health");
    QCOMPARE(health.status, 200);
    QCOMPARE(health.body, QByteArray("ok\n"));
    QCOMPARE(httpGet(m_metricsPort, "/nothing-here").status, 404);
    // Asking is not a connection to the chat.
    QCOMPARE(metric("pynet_clients"), 0.0);
    QCOMPARE(metric("pynet_closes_total{reason=\"disconnected\"}"), 0.0);
}

void TestServerMetrics::unusableAddressIsAStartError_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("no port") << QStringLiteral("127.0.0.1") << 2
                             << QStringLiteral("--metrics: \"127.0.0.1\" is not ADDRESS:PORT");
    QTest::newRow("not an address")
        << QStringLiteral("localhost:9100") << 2 << QStringLiteral("is not ADDRESS:PORT");
    QTest::newRow("port too large")
        << QStringLiteral("127.0.0.1:70000") << 2 << QStringLiteral("is not ADDRESS:PORT");
    QTest::newRow("port taken") << QStringLiteral("127.0.0.1:TAKEN") << 1
                                << QStringLiteral("cannot listen for --metrics on 127.0.0.1 port");
    QTest::newRow("not ours") << QStringLiteral("192.0.2.1:%1").arg(freePort()) << 1
                              << QStringLiteral("cannot listen for --metrics on 192.0.2.1");
}

void TestServerMetrics::unusableAddressIsAStartError()
{
    QFETCH(QString, address);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    QTcpServer taken;
    QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
    address.replace(QStringLiteral("TAKEN"), QString::number(taken.serverPort()));
    QProcess process;
    process.start(QStringLiteral(PYNET_SERVER_BINARY),
                  { QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                    QStringLiteral("0"), QStringLiteral("--database"), QStringLiteral("none"),
                    QStringLiteral("--metrics"), address });
    QVERIFY(process.waitForFinished(10000));
    const QString errors = QString::fromUtf8(process.readAllStandardError());
    QCOMPARE(process.exitCode(), exitCode);
    QVERIFY2(errors.contains(message), qPrintable(errors));
    QVERIFY2(!errors.contains(QStringLiteral("listening on")), qPrintable(errors));
}

QTEST_GUILESS_MAIN(TestServerMetrics)
#include "tst_servermetrics.moc"
