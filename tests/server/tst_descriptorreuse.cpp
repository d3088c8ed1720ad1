// SPDX-License-Identifier: MIT
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "servertest.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <memory>
#include <vector>

using namespace Protocol;

// Connection churn on one server: clients vanish with a reset while others
// connect and join at once, with the room busy. The kernel hands each new
// connection the lowest free descriptor number, so the numbers of connections
// that have just gone (and of their threads' wake-up eventfds) are reused at
// once. Whatever still holds such a number in the server would read a new
// client's join or write to the wrong person.
class TestDescriptorReuse : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void resetsWhileOthersJoin();
    void nameOfAVanishedClientIsFreeAtOnce_data();
    void nameOfAVanishedClientIsFreeAtOnce();
};

namespace {

// A client that checks every byte it reads: whole lines, each a JSON object
// meant for it (its own welcome, the room's messages and presence, pings).
class StrictClient : public QObject
{
public:
    StrictClient(const QString &name, const QSet<QString> *talkers)
        : m_name(name), m_talkers(talkers)
    {
        connect(&m_socket, &QTcpSocket::connected, this, [this] {
            m_socket.write(encode(richJoin(m_name, QStringLiteral("test"), 0, {})));
        });
        connect(&m_socket, &QTcpSocket::readyRead, this, &StrictClient::readAvailable);
        connect(&m_socket, &QTcpSocket::disconnected, this, [this] {
            if (!m_resetting && !m_stoppedReading)
                fail(QStringLiteral("the server closed the connection"));
        });
    }

    // The socket's destructor may still emit disconnected(), when the members
    // its slots write have already been destroyed.
    ~StrictClient() override { m_socket.disconnect(this); }

    // Connects and sends the join as soon as the connection is up.
    void open(quint16 port) { m_socket.connectToHost(QHostAddress::LocalHost, port); }

    // Ends with RST (SO_LINGER {1, 0}), whatever the server still sends.
    void reset()
    {
        m_resetting = true;
        ServerTest::resetConnection(m_socket);
    }

    // Reads no more: the server's writes to it back up until it drops the client.
    void stopReading()
    {
        m_stoppedReading = true;
        m_socket.setReadBufferSize(4096);
    }

    void say(const QString &text) { m_socket.write(encode(chat(text))); }

    const QString &name() const { return m_name; }
    bool isWelcomed() const { return m_welcomed; }
    const QString &fault() const { return m_fault; }
    int messages() const { return m_messages; }

private:
    void fail(const QString &why)
    {
        if (m_fault.isEmpty())
            m_fault = m_name + QStringLiteral(": ") + why;
    }

    void readAvailable()
    {
        if (m_stoppedReading && m_welcomed)
            return;
        m_pending += m_socket.readAll();
        for (qsizetype end = m_pending.indexOf('\n'); end >= 0; end = m_pending.indexOf('\n')) {
            const QByteArray line = m_pending.left(end);
            m_pending.remove(0, end + 1);
            check(line);
        }
    }

    void check(const QByteArray &line)
    {
        QJsonParseError error {};
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !document.isObject()) {
            fail(QStringLiteral("stray bytes: %1")
                     .arg(QString::fromLatin1(line.left(80).toPercentEncoding())));
            return;
        }
        const QJsonObject object = document.object();
        const QString type = object.value(Field::Type).toString();
        if (type == Type::Welcome) {
            if (m_welcomed)
                fail(QStringLiteral("a second welcome"));
            else if (object.value(Field::Name).toString() != m_name)
                fail(QStringLiteral("the welcome of %1").arg(object.value(Field::Name).toString()));
            m_welcomed = true;
        } else if (!m_welcomed) {
            fail(QStringLiteral("%1 before the welcome").arg(QString::fromUtf8(line.left(200))));
        } else if (type == Type::Message) {
            const QString from = object.value(Field::From).toString();
            if (!m_talkers->contains(from) || from == m_name || object.contains(Field::To))
                fail(QStringLiteral("a message not meant for it: %1")
                         .arg(QString::fromUtf8(line.left(200))));
            ++m_messages;
        } else if (type == Type::Ping) {
            m_socket.write(
                encode({ { Field::Type, Type::Pong }, { Field::Id, object.value(Field::Id) } }));
        } else if (type != Type::Presence) {
            fail(QStringLiteral("unexpected: %1").arg(QString::fromUtf8(line.left(200))));
        }
    }

    const QString m_name;
    const QSet<QString> *m_talkers;
    QTcpSocket m_socket;
    QByteArray m_pending;
    QString m_fault;
    int m_messages = 0;
    bool m_welcomed = false;
    bool m_resetting = false;
    bool m_stoppedReading = false;
};

using Clients = std::vector<std::unique_ptr<StrictClient>>;

QString firstFault(const Clients &clients)
{
    for (const auto &client : clients) {
        if (!client->fault().isEmpty())
            return client->fault();
    }
    return {};
}

int welcomed(const Clients &clients)
{
    int count = 0;
    for (const auto &client : clients)
        count += client->isWelcomed() ? 1 : 0;
    return count;
}

} // namespace

// Each round resets a batch of joined clients while as many new ones connect
// and join at once; three talkers keep the room busy meanwhile, so other
// threads are writing to the clients that vanish. Every newcomer must be
// welcomed, as itself, and nobody may read a byte meant for someone else.
void TestDescriptorReuse::resetsWhileOthersJoin()
{
    const int Rounds = qEnvironmentVariableIntValue("PYNET_REUSE_ROUNDS")
        ? qEnvironmentVariableIntValue("PYNET_REUSE_ROUNDS")
        : 12;
    constexpr int Batch = 24;
    constexpr int TalkIntervalMs = 2;
    // A small kernel buffer: a client that stops reading soon has writes queued
    // to it. The cap leaves a reading client (slow under the sanitizers, with
    // 500 lines a second to read) half a second of slack before it would be
    // dropped as a slow reader.
    ServerProcess server({ QStringLiteral("--rate"), QStringLiteral("100000"),
                           QStringLiteral("--burst"), QStringLiteral("100000"),
                           QStringLiteral("--max-unsent-bytes"), QStringLiteral("262144"),
                           QStringLiteral("--send-buffer"), QStringLiteral("4096") });
    QVERIFY2(server.start(), qPrintable(server.output()));

    QSet<QString> talkerNames;
    Clients talkers;
    for (int i = 0; i < 3; ++i) {
        talkerNames.insert(QStringLiteral("Talker%1").arg(i));
        talkers.push_back(
            std::make_unique<StrictClient>(QStringLiteral("Talker%1").arg(i), &talkerNames));
        talkers.back()->open(server.port());
    }
    QTRY_COMPARE_WITH_TIMEOUT(welcomed(talkers), int(talkers.size()), 5000);

    int said = 0;
    QTimer talk;
    connect(&talk, &QTimer::timeout, this, [&] {
        // 1 KB lines, as in the benchmark.
        talkers[size_t(said % 3)]->say(
            QStringLiteral("line %1 %2").arg(said).arg(QString(1000, u'x')));
        ++said;
    });
    talk.start(TalkIntervalMs);

    int serial = 0;
    Clients current;
    for (int i = 0; i < Batch; ++i) {
        current.push_back(
            std::make_unique<StrictClient>(QStringLiteral("Client%1").arg(serial++), &talkerNames));
        current.back()->open(server.port());
    }
    QTRY_COMPARE_WITH_TIMEOUT(welcomed(current), Batch, 5000);

    int joins = 0;
    for (int round = 0; round < Rounds; ++round) {
        // Reset and connect interleaved: each new connection finds a number just freed.
        Clients next;
        for (int i = 0; i < Batch; ++i) {
            current[size_t(i)]->reset();
            next.push_back(std::make_unique<StrictClient>(QStringLiteral("Client%1").arg(serial++),
                                                          &talkerNames));
            next.back()->open(server.port());
        }
        // A quarter stop reading: the server's writes to them back up, so they
        // reset with a full send buffer and the write notifier armed.
        for (int i = 0; i < Batch; i += 4)
            next[size_t(i)]->stopReading();
        QTRY_VERIFY2_WITH_TIMEOUT(welcomed(next) == Batch || !firstFault(next).isEmpty(),
                                  qPrintable(QStringLiteral("round %1: %2 of %3 welcomed")
                                                 .arg(round)
                                                 .arg(welcomed(next))
                                                 .arg(Batch)),
                                  5000);
        QVERIFY2(firstFault(next).isEmpty(), qPrintable(firstFault(next)));
        QVERIFY2(firstFault(current).isEmpty(), qPrintable(firstFault(current)));
        QVERIFY2(firstFault(talkers).isEmpty(), qPrintable(firstFault(talkers)));
        joins += Batch;
        current = std::move(next);
    }
    talk.stop();
    QVERIFY2(firstFault(talkers).isEmpty(), qPrintable(firstFault(talkers)));
    // The room really was busy while the connections came and went.
    QTRY_VERIFY_WITH_TIMEOUT(current.back()->messages() > 0, 5000);
    const QString log = server.output();
    qInfo().noquote() << QStringLiteral("%1 resets and %1 joins in %2 rounds, %3 lines said; "
                                        "the server saw %4 resets and dropped %5 slow readers")
                             .arg(joins)
                             .arg(Rounds)
                             .arg(said)
                             .arg(log.count(QStringLiteral("reset by peer")))
                             .arg(log.count(QStringLiteral("closed: slow reader")));
}

void TestDescriptorReuse::nameOfAVanishedClientIsFreeAtOnce_data()
{
    QTest::addColumn<bool>("rich");
    QTest::newRow("rich") << true;
    QTest::newRow("seed") << false;
}

// A client whose connection died comes straight back under its name, before
// the server's thread for the old connection has read the reset. The name is
// not taken by anyone who could still use it, so the new join is welcomed.
// (A generator that ignored the name_taken reply saw these joins as never
// answered, and the server closed them at the join timeout.)
void TestDescriptorReuse::nameOfAVanishedClientIsFreeAtOnce()
{
    QFETCH(bool, rich);
    constexpr int Returns = 150;
    ServerProcess server({ QStringLiteral("--rate"), QStringLiteral("100000"),
                           QStringLiteral("--burst"), QStringLiteral("100000") });
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient watcher;
    QVERIFY(watcher.joinAs(server.port(), QStringLiteral("watcher")));
    const QString welcomeType = rich ? QStringLiteral("welcome") : QStringLiteral("notice");
    std::unique_ptr<RawClient> again;
    for (int i = 0; i < Returns; ++i) {
        const QString name = QStringLiteral("returner%1").arg(i);
        RawClient old;
        QVERIFY(old.joinAs(server.port(), name, rich));
        again = std::make_unique<RawClient>(); // the one before leaves normally
        QVERIFY(again->connectTo(server.port()));
        ServerTest::resetConnection(old.socket());
        again->sendObject(rich ? richJoin(name, QStringLiteral("test"), 0, {}) : join(name));
        const QJsonObject answer = again->waitFor(QString());
        QVERIFY2(answer.value(QLatin1StringView("type")).toString() == welcomeType,
                 qPrintable(QStringLiteral("return %1 of %2 was answered %3")
                                .arg(i + 1)
                                .arg(Returns)
                                .arg(QString::fromUtf8(
                                    QJsonDocument(answer).toJson(QJsonDocument::Compact)))
                            + server.output().right(2500)));
    }
    // Every old connection and every returner but the last left; the last is still in.
    watcher.sendObject(usersRequest());
    const QJsonObject users = watcher.waitFor(QStringLiteral("users"));
    QVERIFY(users.value(QLatin1StringView("users"))
                .toArray()
                .contains(QStringLiteral("returner%1").arg(Returns - 1)));
    QTRY_COMPARE_WITH_TIMEOUT(server.output().count(QStringLiteral(" left")), 2 * Returns - 1,
                              5000);
}

QTEST_GUILESS_MAIN(TestDescriptorReuse)
#include "tst_descriptorreuse.moc"
