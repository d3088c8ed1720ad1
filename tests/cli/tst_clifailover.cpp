// SPDX-License-Identifier: MIT
#include "blackhole.h"
#include "cliprocess.h"
#include "postgrescluster.h"
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"

#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

// A port nothing listens on: a server's, once it has gone.
static quint16 refusingPort()
{
    ServerProcess gone;
    if (!gone.start())
        return 0;
    const quint16 port = gone.port();
    gone.stop();
    return port;
}

static QString local(quint16 port)
{
    return u"127.0.0.1:%1"_s.arg(port);
}

// pynet-cli --host a,b: what it accepts, where it goes, what it says.
class TestCliFailover : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void malformedListsAreUsageErrors_data();
    void malformedListsAreUsageErrors();
    void helpShowsTheList();
    void movesOnWhenTheFirstRefuses();
    void movesOnWhenTheFirstDoesNotAnswer();
    void connectTimeoutOutOfRangeIsAUsageError_data();
    void connectTimeoutOutOfRangeIsAUsageError();
    void anEntryWithoutPortTakesPort();
    void allRefusingExitsWith3NamingEach();
    void failsOverWhenTheServerIsKilled();
};

void TestCliFailover::malformedListsAreUsageErrors_data()
{
    QTest::addColumn<QString>("hosts");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("empty entry") << u"a:5050,,b:5050"_s << QByteArray("empty entry");
    QTest::newRow("trailing comma") << u"a:5050,"_s << QByteArray("empty entry");
    QTest::newRow("port out of range")
        << u"a:5050,b:70000"_s << QByteArray("\"70000\" is not a port");
    QTest::newRow("port not a number") << u"a:x"_s << QByteArray("is not a port");
    QTest::newRow("unclosed bracket") << u"[::1:5050"_s << QByteArray("no closing ]");
    QTest::newRow("IPv6 port without brackets") << u"fe80::1::2:5050"_s << QByteArray("[::1]:5050");
    QTest::newRow("empty") << QString() << QByteArray("no server given");
}

void TestCliFailover::malformedListsAreUsageErrors()
{
    QFETCH(QString, hosts);
    QFETCH(QByteArray, message);
    CliProcess cli;
    cli.start({ u"--host"_s, hosts, u"--name"_s, u"Alice"_s });
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 2);
    QVERIFY2(cli.standardError().contains("Invalid --host: "), cli.standardError().constData());
    QVERIFY2(cli.standardError().contains(message), cli.standardError().constData());
    QVERIFY(cli.standardOutput().isEmpty());
}

void TestCliFailover::helpShowsTheList()
{
    CliProcess cli;
    cli.start({ u"--help"_s });
    QCOMPARE(cli.waitForExit(), 0);
    const QByteArray text = cli.standardOutput();
    QVERIFY2(text.contains("--host a:5050,b:5050"), text.constData());
    QVERIFY(text.contains("[::1]:5050"));
}

void TestCliFailover::movesOnWhenTheFirstRefuses()
{
    const quint16 refusing = refusingPort();
    QVERIFY(refusing != 0);
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    CliProcess cli;
    // The IPv6 form too: nothing listens on ::1 at that port either.
    cli.start({ u"--host"_s,
                u"%1, [::1]:%2,%3"_s.arg(local(refusing)).arg(refusing).arg(local(server.port())),
                u"--name"_s, u"Alice"_s });
    QVERIFY2(cli.waitForError("Joined"), cli.standardError().constData());
    const QString errors = QString::fromUtf8(cli.standardError());
    QVERIFY2(errors.contains(u"Connecting to %1, [::1]:%2, %3 as Alice"_s.arg(local(refusing))
                                 .arg(refusing)
                                 .arg(local(server.port()))),
             qPrintable(errors));
    QVERIFY2(
        errors.contains(u"%1 failed (Connection refused); trying [::1]:%2…"_s.arg(local(refusing))
                            .arg(refusing)),
        qPrintable(errors));
    QVERIFY2(errors.contains(u"[::1]:%1 failed ("_s.arg(refusing)), qPrintable(errors));
    QVERIFY2(errors.contains(u"; trying %1…"_s.arg(local(server.port()))), qPrintable(errors));
    QVERIFY2(errors.contains(u"Joined PyNet Chat %1 at %2 as Alice."_s.arg(
                 QStringLiteral(PYNET_VERSION), local(server.port()))),
             qPrintable(errors));
    cli.write("over the second\n");
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"over the second"_s);
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliFailover::movesOnWhenTheFirstDoesNotAnswer()
{
    BlackHole silent;
    QVERIFY(silent.port() != 0);
    ServerProcess server;
    QVERIFY(server.start());
    CliProcess cli;
    cli.start({ u"--host"_s, u"%1,%2"_s.arg(local(silent.port()), local(server.port())),
                u"--connect-timeout"_s, u"0.5"_s, u"--name"_s, u"Alice"_s });
    // Well before the default of 10 s.
    QVERIFY2(cli.waitForError("Joined", 5000), cli.standardError().constData());
    const QString errors = QString::fromUtf8(cli.standardError());
    QVERIFY2(errors.contains(u"%1 failed (No answer within 0.5 s); trying %2…"_s.arg(
                 local(silent.port()), local(server.port()))),
             qPrintable(errors));
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliFailover::connectTimeoutOutOfRangeIsAUsageError_data()
{
    QTest::addColumn<QString>("seconds");
    QTest::newRow("zero") << u"0"_s;
    QTest::newRow("negative") << u"-1"_s;
    QTest::newRow("over an hour") << u"3601"_s;
    QTest::newRow("not a number") << u"soon"_s;
}

void TestCliFailover::connectTimeoutOutOfRangeIsAUsageError()
{
    QFETCH(QString, seconds);
    CliProcess cli;
    cli.start({ u"--connect-timeout"_s, seconds, u"--name"_s, u"Alice"_s });
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 2);
    QVERIFY2(cli.standardError().contains(
                 u"Invalid --connect-timeout: %1 (0.1 to 3600 seconds)"_s.arg(seconds).toUtf8()),
             cli.standardError().constData());
}

void TestCliFailover::anEntryWithoutPortTakesPort()
{
    const quint16 refusing = refusingPort();
    QVERIFY(refusing != 0);
    ServerProcess server;
    QVERIFY(server.start());
    CliProcess cli;
    cli.start({ u"--host"_s, u"%1,127.0.0.1"_s.arg(local(refusing)), u"--port"_s,
                QString::number(server.port()), u"--name"_s, u"Alice"_s });
    QVERIFY2(cli.waitForError("Joined"), cli.standardError().constData());
    QVERIFY2(cli.standardError().contains(u" at %1 as Alice"_s.arg(local(server.port())).toUtf8()),
             cli.standardError().constData());
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliFailover::allRefusingExitsWith3NamingEach()
{
    const quint16 first = refusingPort();
    const quint16 second = refusingPort();
    QVERIFY(first != 0 && second != 0);
    CliProcess cli;
    cli.start(
        { u"--host"_s, u"%1,%2"_s.arg(local(first), local(second)), u"--name"_s, u"Alice"_s });
    QCOMPARE(cli.waitForExit(), 3);
    const QString errors = QString::fromUtf8(cli.standardError());
    QVERIFY2(errors.contains(u"Connection to %1, %2 failed: %1: Connection refused; %2: "
                             "Connection refused"_s.arg(local(first), local(second))),
             qPrintable(errors));
}

void TestCliFailover::failsOverWhenTheServerIsKilled()
{
    // Two nodes of one cluster: one database.
    PostgresCluster postgres; // a SQLite file is one server's alone
    QString error;
    QVERIFY2(postgres.start(&error), qPrintable(error));
    QVERIFY2(postgres.createDatabase(u"cluster"_s, &error), qPrintable(error));
    const QStringList shared { u"--database"_s, postgres.url(u"cluster"_s) };
    auto first = std::make_unique<ServerProcess>(shared);
    ServerProcess second(shared);
    QVERIFY(first->start());
    QVERIFY(second.start());
    RawClient bob;
    QVERIFY(bob.joinAs(second.port(), u"Bob"_s));

    CliProcess cli;
    cli.start({ u"--host"_s, u"%1,%2"_s.arg(local(first->port()), local(second.port())),
                u"--name"_s, u"Alice"_s });
    QVERIFY2(cli.waitForError(u"at %1 as Alice"_s.arg(local(first->port())).toUtf8()),
             cli.standardError().constData());
    {
        RawClient carol;
        QVERIFY(carol.joinAs(first->port(), u"Carol"_s));
        cli.write("said on the first\n");
        QCOMPARE(carol.waitFor(u"message"_s).value(u"data"_s).toString(), u"said on the first"_s);
    }

    first->kill();
    QVERIFY2(cli.waitForError("Connection lost"), cli.standardError().constData());
    QVERIFY2(cli.waitForError(u"Reconnecting to %1 in "_s.arg(local(second.port())).toUtf8()),
             cli.standardError().constData());
    QVERIFY2(cli.waitForError(u"Reconnected to %1 as Alice."_s.arg(local(second.port())).toUtf8(),
                              15000),
             cli.standardError().constData());
    cli.write("said on the second\n");
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"said on the second"_s);
    bob.sendObject(Protocol::chat(u"hello again"_s));
    QVERIFY2(cli.waitForOutput("<Bob> hello again"), cli.standardOutput().constData());
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);
}

QTEST_GUILESS_MAIN(TestCliFailover)
#include "tst_clifailover.moc"
