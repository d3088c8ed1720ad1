// SPDX-License-Identifier: MIT
#include "cliprocess.h"
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "tcpproxy.h"

#include <QTest>

using namespace Qt::StringLiterals;

static QStringList cliArguments(quint16 port, const QString &name)
{
    return { u"--host"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(port), u"--name"_s, name };
}

// Waits for a presence event about name.
static bool waitForPresence(RawClient &client, const QString &event, const QString &name)
{
    for (;;) {
        const QJsonObject presence = client.waitFor(u"presence"_s, 10000);
        if (presence.isEmpty())
            return false;
        if (presence.value(u"event"_s).toString() == event
            && presence.value(u"name"_s).toString() == name)
            return true;
    }
}

class TestCliReconnect : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void comesBackAfterAServerRestart();
    void showsWhatWasMissedAfterADrop();
    void catchesUpAfterAServerRestart();
    void noReconnectExitsWith5();
};

void TestCliReconnect::comesBackAfterAServerRestart()
{
    auto first = std::make_unique<ServerProcess>();
    QVERIFY(first->start());
    const quint16 port = first->port();

    CliProcess cli;
    cli.start(cliArguments(port, u"Alice"_s));
    QVERIFY(cli.waitForError("Joined"));
    first->stop(); // SIGTERM: the server says goodbye, then exits
    QCOMPARE(first->process().state(), QProcess::NotRunning);
    QVERIFY2(cli.waitForError("Connection lost"), cli.standardError().constData());
    QVERIFY(cli.waitForError("Reconnecting in"));
    cli.write("typed while the server was down\n"); // kept until the session is back

    ServerProcess second({ u"--port"_s, QString::number(port) });
    QVERIFY2(second.start(), qPrintable(second.output()));
    QCOMPARE(second.port(), port);
    RawClient bob;
    QVERIFY(bob.joinAs(port, u"Bob"_s));
    QVERIFY2(cli.waitForError("Reconnected as Alice", 15000), cli.standardError().constData());

    const QJsonObject message = bob.waitFor(u"message"_s);
    QCOMPARE(message.value(u"from"_s).toString(), u"Alice"_s);
    QCOMPARE(message.value(u"data"_s).toString(), u"typed while the server was down"_s);
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliReconnect::showsWhatWasMissedAfterADrop()
{
    ServerProcess server;
    QVERIFY(server.start());
    TcpProxy link(server.port());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    CliProcess cli;
    cli.start(cliArguments(link.port(), u"Alice"_s));
    QVERIFY(cli.waitForError("Joined"));
    bob.sendObject(Protocol::chat(u"before the drop"_s));
    QVERIFY(cli.waitForOutput("<Bob> before the drop"));
    cli.write("mine before the drop\n");
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"mine before the drop"_s);

    // The server stays up; only Alice's link goes down.
    link.cutAll();
    QVERIFY(waitForPresence(bob, u"leave"_s, u"Alice"_s));
    bob.sendObject(Protocol::chat(u"while you were away"_s));
    QVERIFY2(cli.waitForError("Reconnected as Alice", 15000), cli.standardError().constData());
    QVERIFY(cli.waitForOutput("<Bob> while you were away"));
    QVERIFY(cli.standardError().contains("While you were away:"));
    // Nothing shown twice; our own words were never news.
    QCOMPARE(cli.standardOutput().count("before the drop"), 1);
    QVERIFY(!cli.standardOutput().contains("mine before the drop"));
    QCOMPARE(link.connectionCount(), 2);

    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliReconnect::catchesUpAfterAServerRestart()
{
    auto first = std::make_unique<ServerProcess>();
    QVERIFY(first->start());
    TcpProxy link(first->port());
    CliProcess cli;
    cli.start(cliArguments(link.port(), u"Alice"_s));
    QVERIFY(cli.waitForError("Joined"));
    {
        RawClient bob;
        QVERIFY(bob.joinAs(first->port(), u"Bob"_s));
        for (int i = 1; i <= 3; ++i)
            bob.sendObject(Protocol::chat(u"old run %1"_s.arg(i)));
        QVERIFY(cli.waitForOutput("<Bob> old run 3"));
    }

    // The server restarts; while it is away, the client's attempts fail.
    link.setAccepting(false);
    first->stop();
    QVERIFY(cli.waitForError("Connection lost"));
    ServerProcess second;
    QVERIFY(second.start());
    link.setTargetPort(second.port());
    RawClient bob;
    QVERIFY(bob.joinAs(second.port(), u"Bob"_s));
    RawClient witness;
    QVERIFY(witness.joinAs(second.port(), u"Witness"_s));
    bob.sendObject(Protocol::chat(u"said in the new run"_s));
    QVERIFY(!witness.waitFor(u"message"_s).isEmpty()); // the server has it
    link.setAccepting(true);

    // Its message ids start again at 1, below what Alice saw before: still news.
    QVERIFY2(cli.waitForError("Reconnected as Alice", 20000), cli.standardError().constData());
    QVERIFY2(cli.waitForOutput("<Bob> said in the new run"), cli.standardOutput().constData());
    QVERIFY(cli.standardError().contains("While you were away:"));
    QCOMPARE(cli.standardOutput().count("old run 1"), 1);
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliReconnect::noReconnectExitsWith5()
{
    ServerProcess server;
    QVERIFY(server.start());
    CliProcess cli;
    cli.start(cliArguments(server.port(), u"Alice"_s) << u"--no-reconnect"_s);
    QVERIFY(cli.waitForError("Joined"));
    server.kill();
    QCOMPARE(cli.waitForExit(), 5);
    QVERIFY2(cli.standardError().contains("Connection lost"), cli.standardError().constData());
    QVERIFY(!cli.standardError().contains("Reconnecting"));
}

QTEST_GUILESS_MAIN(TestCliReconnect)
#include "tst_clireconnect.moc"
