// SPDX-License-Identifier: MIT
// History that survives the server: restarts, kill -9, catch-up across them,
// and a database the server cannot use.
#include "postgrescluster.h"
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "servertest.h"

#include <QJsonArray>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

using namespace ServerTest;

class TestServerHistory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void historyAndRoomsSurviveARestart_data() { backends(); }
    void historyAndRoomsSurviveARestart();
    void killDashNineLosesNothingAnyoneSaw_data() { backends(); }
    void killDashNineLosesNothingAnyoneSaw();
    void catchUpAcrossARestartShowsEachMissedMessageOnce_data() { backends(); }
    void catchUpAcrossARestartShowsEachMissedMessageOnce();
    void postgresqlLostWhileRunning();
    void unusableDatabaseStopsTheStart_data();
    void unusableDatabaseStopsTheStart();

private:
    static void backends();
    std::unique_ptr<ServerProcess> startOnDatabase(const QStringList &extra = {});
    QString database() const { return m_database; }

    PostgresCluster m_postgres;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_database; // this test's: a new SQLite file, or a new PostgreSQL database
    int m_databases = 0;
};

void TestServerHistory::backends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

void TestServerHistory::initTestCase()
{
    QString error;
    QVERIFY2(m_postgres.start(&error), qPrintable(error));
}

void TestServerHistory::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_database = QStringLiteral("sqlite:%1/pynet.db").arg(m_dir->path());
    const bool postgresql = QTest::currentDataTag()
        && QLatin1StringView(QTest::currentDataTag()) == QLatin1StringView("postgresql");
    if (postgresql
        || QLatin1StringView(QTest::currentTestFunction())
            == QLatin1StringView("postgresqlLostWhileRunning")) {
        const QString name = QStringLiteral("history%1").arg(++m_databases);
        QString error;
        QVERIFY2(m_postgres.createDatabase(name, &error), qPrintable(error));
        m_database = m_postgres.url(name);
    }
}

std::unique_ptr<ServerProcess> TestServerHistory::startOnDatabase(const QStringList &extra)
{
    auto server = std::make_unique<ServerProcess>(
        QStringList { QStringLiteral("--database"), database(), QStringLiteral("--rate"),
                      QStringLiteral("1000"), QStringLiteral("--burst"), QStringLiteral("1000") }
        + extra);
    if (!server->start()) {
        qWarning().noquote() << server->output();
        return {};
    }
    return server;
}

static QList<qint64> idsOf(const QJsonArray &messages)
{
    QList<qint64> ids;
    for (const QJsonValue &value : messages)
        ids.append(value.toObject().value(QLatin1StringView("id")).toInteger());
    return ids;
}

// The whole stored history of a room, oldest first, paging back from the newest.
static QList<qint64> storedIds(RawClient &client, const QString &room)
{
    QList<qint64> ids;
    qint64 before = 0;
    for (;;) {
        QJsonObject request { { QStringLiteral("type"), QStringLiteral("history") },
                              { QStringLiteral("room"), room },
                              { QStringLiteral("limit"), 200 } };
        if (before > 0)
            request.insert(QStringLiteral("before"), before);
        client.sendObject(request);
        const QJsonObject page = client.waitFor(QStringLiteral("history"));
        const QList<qint64> older = idsOf(page.value(QLatin1StringView("history")).toArray());
        ids = older + ids;
        if (older.isEmpty() || !page.value(QLatin1StringView("more")).toBool())
            return ids;
        before = older.first();
    }
}

void TestServerHistory::historyAndRoomsSurviveARestart()
{
    QList<qint64> sent;
    QString run;
    {
        auto server = startOnDatabase();
        QVERIFY(server);
        RawClient alice, bob;
        QVERIFY(alice.joinAs(server->port(), QStringLiteral("Alice")));
        QVERIFY(bob.connectTo(server->port()));
        bob.sendObject(Protocol::richJoin(QStringLiteral("Bob"), {}, 0, {}));
        run = stringOf(bob.waitFor(QStringLiteral("welcome")), "run");
        for (RawClient *client : { &alice, &bob }) {
            client->sendObject(Protocol::enter(QStringLiteral("#dev")));
            QVERIFY(!client->waitFor(QStringLiteral("room")).isEmpty());
        }
        alice.sendObject({ { QStringLiteral("type"), QStringLiteral("topic") },
                           { QStringLiteral("room"), QStringLiteral("#dev") },
                           { QStringLiteral("data"), QStringLiteral("Kept") } });
        QVERIFY(!bob.waitFor(QStringLiteral("topic")).isEmpty());
        for (int i = 0; i < 20; ++i) {
            alice.sendObject(
                Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("line %1").arg(i)));
            const QJsonObject message = bob.waitFor(QStringLiteral("message"));
            QCOMPARE(stringOf(message, "data"), QStringLiteral("line %1").arg(i));
            sent.append(message.value(QLatin1StringView("id")).toInteger());
        }
        QCOMPARE(server->stop(), 0);
    }

    auto server = startOnDatabase();
    QVERIFY(server);
    RawClient carol;
    QVERIFY(carol.connectTo(server->port()));
    carol.sendObject(Protocol::richJoin(QStringLiteral("Carol"), {}, 0, {}));
    // Ids count in the database, so a client's since stays good.
    QCOMPARE(stringOf(carol.waitFor(QStringLiteral("welcome")), "run"), run);
    carol.sendObject(Protocol::enter(QStringLiteral("#dev")));
    const QJsonObject room = carol.waitFor(QStringLiteral("room"));
    QCOMPARE(stringOf(room, "topic"), QStringLiteral("Kept"));
    QCOMPARE(idsOf(room.value(QLatin1StringView("history")).toArray()), sent);
    carol.sendObject({ { QStringLiteral("type"), QStringLiteral("rooms") } });
    bool listed = false;
    for (const QJsonValue &value :
         carol.waitFor(QStringLiteral("rooms")).value(QLatin1StringView("rooms")).toArray())
        listed = listed || stringOf(value.toObject(), "room") == QStringLiteral("#dev");
    QVERIFY(listed);

    // New messages go on counting from where the last run stopped.
    RawClient dave;
    QVERIFY(dave.joinAs(server->port(), QStringLiteral("Dave")));
    dave.sendObject(Protocol::enter(QStringLiteral("#dev")));
    QVERIFY(!dave.waitFor(QStringLiteral("room")).isEmpty());
    carol.sendObject(
        Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("after the restart")));
    const QJsonObject next = dave.waitFor(QStringLiteral("message"));
    QVERIFY(next.value(QLatin1StringView("id")).toInteger() > sent.last());
}

// Everything a client was shown had been committed first: after a kill -9 in
// the middle of a burst, the history holds every id it saw.
void TestServerHistory::killDashNineLosesNothingAnyoneSaw()
{
    QList<qint64> seen;
    {
        auto server = startOnDatabase();
        QVERIFY(server);
        RawClient alice, bob;
        QVERIFY(alice.joinAs(server->port(), QStringLiteral("Alice")));
        QVERIFY(bob.joinAs(server->port(), QStringLiteral("Bob")));
        for (int i = 0; i < 500; ++i)
            alice.sendObject(Protocol::chat(QStringLiteral("burst %1").arg(i)));
        // Kill while the burst is still being relayed.
        for (;;) {
            const QJsonObject message = bob.waitFor(QStringLiteral("message"));
            QVERIFY(!message.isEmpty());
            seen.append(message.value(QLatin1StringView("id")).toInteger());
            if (seen.size() == 100)
                break;
        }
        server->kill();
        while (bob.socket().state() == QAbstractSocket::ConnectedState
               && bob.socket().waitForReadyRead(2000)) { }
        for (;;) { // what was already on its way
            const QJsonObject message = bob.waitFor(QStringLiteral("message"), 0);
            if (message.isEmpty())
                break;
            seen.append(message.value(QLatin1StringView("id")).toInteger());
        }
    }

    auto server = startOnDatabase();
    QVERIFY(server);
    RawClient carol;
    QVERIFY(carol.joinAs(server->port(), QStringLiteral("Carol")));
    const QList<qint64> stored = storedIds(carol, QStringLiteral("#general"));
    const QSet<qint64> kept(stored.begin(), stored.end());
    for (const qint64 id : std::as_const(seen))
        QVERIFY2(kept.contains(id),
                 qPrintable(QStringLiteral("id %1 was seen, not stored").arg(id)));
    QVERIFY(std::is_sorted(stored.begin(), stored.end()));
}

void TestServerHistory::catchUpAcrossARestartShowsEachMissedMessageOnce()
{
    qint64 lastSeen = 0;
    QString run;
    {
        auto server = startOnDatabase();
        QVERIFY(server);
        RawClient alice, bob;
        QVERIFY(alice.joinAs(server->port(), QStringLiteral("Alice")));
        QVERIFY(bob.connectTo(server->port()));
        bob.sendObject(Protocol::richJoin(QStringLiteral("Bob"), {}, 0, {}));
        run = stringOf(bob.waitFor(QStringLiteral("welcome")), "run");
        for (RawClient *client : { &alice, &bob }) {
            client->sendObject(Protocol::enter(QStringLiteral("#dev")));
            QVERIFY(!client->waitFor(QStringLiteral("room")).isEmpty());
        }
        alice.sendObject(Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("seen")));
        lastSeen =
            bob.waitFor(QStringLiteral("message")).value(QLatin1StringView("id")).toInteger();
        QVERIFY(lastSeen > 0);
        bob.socket().disconnectFromHost();
        // Said while Bob is away, in both of his rooms.
        for (int i = 0; i < 5; ++i) {
            alice.sendObject(
                Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("dev %1").arg(i)));
            alice.sendObject(Protocol::chat(QStringLiteral("general %1").arg(i)));
        }
        RawClient carol; // in both rooms, to know all ten are relayed, so stored
        QVERIFY(carol.joinAs(server->port(), QStringLiteral("Carol")));
        carol.sendObject(Protocol::enter(QStringLiteral("#dev")));
        QVERIFY(!carol.waitFor(QStringLiteral("room")).isEmpty());
        QTRY_COMPARE(storedIds(carol, QStringLiteral("#dev")).size(), 6);
        QCOMPARE(server->stop(), 0);
    }

    auto server = startOnDatabase();
    QVERIFY(server);
    RawClient bob;
    QVERIFY(bob.connectTo(server->port()));
    bob.sendObject(Protocol::richJoin(QStringLiteral("Bob"), {}, lastSeen, {}, run));
    const QJsonObject welcome = bob.waitFor(QStringLiteral("welcome"));
    QStringList general;
    for (const QJsonValue &value : welcome.value(QLatin1StringView("history")).toArray())
        general.append(stringOf(value.toObject(), "data"));
    QCOMPARE(general,
             (QStringList { QStringLiteral("general 0"), QStringLiteral("general 1"),
                            QStringLiteral("general 2"), QStringLiteral("general 3"),
                            QStringLiteral("general 4") }));
    QCOMPARE(welcome.value(QLatin1StringView("missed")).toInteger(), 0);
    bob.sendObject(Protocol::enter(QStringLiteral("#dev"), lastSeen));
    const QJsonObject room = bob.waitFor(QStringLiteral("room"));
    QStringList dev;
    for (const QJsonValue &value : room.value(QLatin1StringView("history")).toArray())
        dev.append(stringOf(value.toObject(), "data"));
    QCOMPARE(
        dev,
        (QStringList { QStringLiteral("dev 0"), QStringLiteral("dev 1"), QStringLiteral("dev 2"),
                       QStringLiteral("dev 3"), QStringLiteral("dev 4") }));
    QCOMPARE(room.value(QLatin1StringView("missed")).toInteger(), 0);
}

// The chat goes on while PostgreSQL is away, and what was said meanwhile is
// stored once it is back.
void TestServerHistory::postgresqlLostWhileRunning()
{
    auto server = startOnDatabase();
    QVERIFY(server);
    RawClient alice, bob;
    QVERIFY(alice.joinAs(server->port(), QStringLiteral("Alice")));
    QVERIFY(bob.joinAs(server->port(), QStringLiteral("Bob")));
    alice.sendObject(Protocol::chat(QStringLiteral("before")));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("message")), "data"), QStringLiteral("before"));

    QString error;
    QVERIFY2(m_postgres.stop(QStringLiteral("fast"), &error), qPrintable(error));
    QList<qint64> during;
    for (int i = 0; i < 5; ++i) {
        alice.sendObject(Protocol::chat(QStringLiteral("during %1").arg(i)));
        const QJsonObject message = bob.waitFor(QStringLiteral("message"), 10000);
        QCOMPARE(stringOf(message, "data"), QStringLiteral("during %1").arg(i));
        during.append(message.value(QLatin1StringView("id")).toInteger());
    }
    QVERIFY2(server->waitForOutput(QStringLiteral("cannot store messages"), 10000),
             qPrintable(server->output()));

    QVERIFY2(m_postgres.start(&error), qPrintable(error));
    // Stored once it is back: the history, read from the database, has them all.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QList<qint64> stored = storedIds(alice, QStringLiteral("#general"));
            for (const qint64 id : std::as_const(during)) {
                if (!stored.contains(id))
                    return false;
            }
            return true;
        }(),
        40000);
    alice.sendObject(Protocol::chat(QStringLiteral("after")));
    const QJsonObject after = bob.waitFor(QStringLiteral("message"), 10000);
    QVERIFY(after.value(QLatin1StringView("id")).toInteger() > during.last());
}

void TestServerHistory::unusableDatabaseStopsTheStart_data()
{
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("says"); // part of the error
    QTest::newRow("missing directory") << QStringLiteral("sqlite:/nonexistent/pynet/pynet.db")
                                       << QStringLiteral("/nonexistent/pynet");
    QTest::newRow("not a database")
        << QStringLiteral("sqlite:%1/garbage.db") << QStringLiteral("garbage.db");
    QTest::newRow("postgresql not there")
        << QStringLiteral("postgresql://nobody@127.0.0.1:1/pynet") << QStringLiteral("127.0.0.1");
}

void TestServerHistory::unusableDatabaseStopsTheStart()
{
    QFETCH(QString, database);
    QFETCH(QString, says);
    database = database.arg(m_dir->path());
    QFile garbage(m_dir->filePath(QStringLiteral("garbage.db")));
    QVERIFY(garbage.open(QIODevice::WriteOnly));
    garbage.write(QByteArray(8192, 'x'));
    garbage.close();

    ServerProcess server({ QStringLiteral("--database"), database });
    QVERIFY(!server.start(20000));
    QVERIFY(server.process().state() == QProcess::NotRunning
            || server.process().waitForFinished(10000));
    QCOMPARE(server.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(server.process().exitCode(), 3);
    QVERIFY2(server.output().contains(says), qPrintable(server.output()));
}

QTEST_GUILESS_MAIN(TestServerHistory)
#include "tst_serverhistory.moc"
