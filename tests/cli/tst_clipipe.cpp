// SPDX-License-Identifier: MIT
#include "cliprocess.h"
#include "hostileserver.h"
#include "protocol.h"
#include "rawclient.h"
#include "seedprocess.h"
#include "serverprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;

static QStringList cliArguments(quint16 port, const QString &name)
{
    return { u"--host"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(port), u"--name"_s, name };
}

// Names and text no terminal should ever act on: clear screen, window title,
// blink, a C1 CSI, and a right-to-left override.
static const QString HostileName = u"\x1b]0;owned\x07Mallory"_s;
static const QString HostileText = u"\x1b[2J\x1b[Hcleared \u009b31mred\u009bm \u202Egnp.exe"_s;

static void greetAndAttack(HostileServer &server, const QString &name)
{
    server.send({ { u"type"_s, u"welcome"_s },
                  { u"protocol"_s, 1 },
                  { u"server"_s, u"Evil\x1b[5m"_s },
                  { u"version"_s, u"6.6.6"_s },
                  { u"name"_s, name },
                  { u"session"_s, u"x"_s },
                  { u"users"_s, QJsonArray { name, HostileName } },
                  { u"history"_s, QJsonArray() } });
    server.send({ { u"type"_s, u"message"_s },
                  { u"id"_s, 1 },
                  { u"time"_s, Protocol::timestampNow() },
                  { u"from"_s, HostileName },
                  { u"data"_s, HostileText } });
    server.send({ { u"type"_s, u"notice"_s }, { u"data"_s, u"\x1b[5mblinking notice"_s } });
}

static void verifyNothingForTheTerminal(const QByteArray &bytes)
{
    QVERIFY2(!bytes.contains('\x1b'), bytes.constData());
    QVERIFY2(!bytes.contains("\xc2\x9b"), bytes.constData()); // U+009B CSI
    QVERIFY2(!bytes.contains("\xe2\x80\xae"), bytes.constData()); // U+202E RLO
    QVERIFY2(!bytes.contains('\x07'), bytes.constData());
}

class TestCliPipe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sendsEveryLineInOrderThenLeaves();
    void printsTheConversationOnStdout();
    void jsonPrintsEveryEventAsOneLine();
    void neutralizesHostileNamesAndText();
    void jsonEscapesHostileCharactersLosslessly();
    void leavesWhenStdoutIsClosed();
    void leavesCleanlyOnSigterm();
    void helpAndVersion();
    void usageErrors_data();
    void usageErrors();
    void connectionRefusedExitsWith3();
    void nameRefusedWithoutTerminalExitsWith4();
    void worksWithTheSeedServer();
};

void TestCliPipe::sendsEveryLineInOrderThenLeaves()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient reader;
    QVERIFY(reader.joinAs(server.port(), u"Reader"_s));

    // More than the server's burst of 20: without pacing it would drop some.
    const int count = 30;
    QByteArray input;
    for (int i = 1; i < count; ++i)
        input += "line " + QByteArray::number(i) + "\n\n";
    input += "line " + QByteArray::number(count); // no newline at the very end

    CliProcess cli;
    cli.start(cliArguments(server.port(), u"Writer"_s));
    cli.write(input); // before the join: nothing may be lost
    cli.closeInput();
    QCOMPARE(cli.waitForExit(20000), 0);

    for (int i = 1; i <= count; ++i) {
        const QJsonObject message = reader.waitFor(u"message"_s);
        QCOMPARE(message.value(u"from"_s).toString(), u"Writer"_s);
        QCOMPARE(message.value(u"data"_s).toString(), u"line %1"_s.arg(i));
    }
    for (QJsonObject presence = reader.waitFor(u"presence"_s);;
         presence = reader.waitFor(u"presence"_s)) {
        QVERIFY2(!presence.isEmpty(), "Writer never left");
        if (presence.value(u"event"_s).toString() == u"leave")
            break;
    }
    QVERIFY(!reader.receivesWithin(u"message"_s, 100));
    QVERIFY2(!cli.standardError().contains("Too many"), cli.standardError().constData());
}

void TestCliPipe::printsTheConversationOnStdout()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    CliProcess cli;
    cli.start(cliArguments(server.port(), u"Alice"_s));
    QVERIFY2(cli.waitForError("Joined"), cli.standardError().constData());
    bob.sendObject(Protocol::chat(u"hello alice"_s));
    bob.sendObject(Protocol::chat(u"waves"_s, true));
    bob.sendObject(Protocol::privateMessage(u"Alice"_s, u"just for you"_s));
    bob.socket().disconnectFromHost();
    QVERIFY2(cli.waitForOutput("Bob left the chat."), cli.standardOutput().constData());

    const QStringList lines = cli.outputLines();
    // All of it on failure: which line is missing, and what the server saw.
    QVERIFY2(lines.size() == 4,
             qPrintable(QStringLiteral("stdout:\n%1\nstderr:\n%2\nserver:\n%3")
                            .arg(QString::fromUtf8(cli.standardOutput()),
                                 QString::fromUtf8(cli.standardError()), server.output())));
    QVERIFY2(QRegularExpression(u"^\\d\\d:\\d\\d <Bob> hello alice$"_s).match(lines[0]).hasMatch(),
             qPrintable(lines[0]));
    QVERIFY2(QRegularExpression(u"^\\d\\d:\\d\\d \\* Bob waves$"_s).match(lines[1]).hasMatch(),
             qPrintable(lines[1]));
    QVERIFY2(QRegularExpression(u"^\\d\\d:\\d\\d \\[Bob → you\\] just for you$"_s)
                 .match(lines[2])
                 .hasMatch(),
             qPrintable(lines[2]));
    QVERIFY2(QRegularExpression(u"^\\d\\d:\\d\\d -!- Bob left the chat\\.$"_s)
                 .match(lines[3])
                 .hasMatch(),
             qPrintable(lines[3]));
    // stdout is not a terminal: no colours in a log file.
    QVERIFY(!cli.standardOutput().contains('\x1b'));

    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliPipe::jsonPrintsEveryEventAsOneLine()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    CliProcess cli;
    cli.start(cliArguments(server.port(), u"Alice"_s) << u"--json"_s);
    QVERIFY(cli.waitForOutput("\"type\":\"welcome\""));
    bob.sendObject(Protocol::chat(u"hi json"_s));
    QVERIFY(cli.waitForOutput("hi json"));
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);

    const QStringList lines = cli.outputLines();
    QCOMPARE(lines.size(), 2);
    QList<QJsonObject> events;
    for (const QString &line : lines) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(line.toUtf8(), &error);
        QVERIFY2(document.isObject(), qPrintable(line));
        QVERIFY2(!line.contains(u'\n') && line.startsWith(u'{'), qPrintable(line));
        events.append(document.object());
    }
    QCOMPARE(events[0].value(u"type"_s).toString(), u"welcome"_s);
    QCOMPARE(events[0].value(u"name"_s).toString(), u"Alice"_s);
    QCOMPARE(events[1].value(u"type"_s).toString(), u"message"_s);
    QCOMPARE(events[1].value(u"from"_s).toString(), u"Bob"_s);
    QCOMPARE(events[1].value(u"data"_s).toString(), u"hi json"_s);
}

void TestCliPipe::neutralizesHostileNamesAndText()
{
    HostileServer server;
    CliProcess cli;
    cli.start(cliArguments(server.port(), u"Alice"_s));
    QCOMPARE(server.waitForJoin().value(u"data"_s).toString(), u"Alice"_s);
    greetAndAttack(server, u"Alice"_s);
    QVERIFY2(cli.waitForOutput("blinking notice"), cli.standardOutput().constData());
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);

    verifyNothingForTheTerminal(cli.standardOutput());
    verifyNothingForTheTerminal(cli.standardError());
    // Shown, not obeyed: ESC becomes the visible U+241B, BEL U+2407.
    const QString output = QString::fromUtf8(cli.standardOutput());
    QVERIFY2(output.contains(u"<␛]0;owned␇Mallory> ␛[2J␛[Hcleared"_s), qPrintable(output));
    QVERIFY2(output.contains(u"-!- ␛[5mblinking notice"_s), qPrintable(output));
}

void TestCliPipe::jsonEscapesHostileCharactersLosslessly()
{
    HostileServer server;
    CliProcess cli;
    cli.start(cliArguments(server.port(), u"Alice"_s) << u"--json"_s);
    QVERIFY(!server.waitForJoin().isEmpty());
    greetAndAttack(server, u"Alice"_s);
    QVERIFY2(cli.waitForOutput("blinking notice"), cli.standardOutput().constData());
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);

    verifyNothingForTheTerminal(cli.standardOutput());
    const QStringList lines = cli.outputLines();
    QCOMPARE(lines.size(), 3);
    const QJsonObject message = QJsonDocument::fromJson(lines[1].toUtf8()).object();
    QCOMPARE(message.value(u"from"_s).toString(), HostileName);
    QCOMPARE(message.value(u"data"_s).toString(), HostileText);
}

void TestCliPipe::leavesWhenStdoutIsClosed()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));
    // `pynet-cli | true`: the reader is gone before anything is printed.
    CliProcess cli;
    cli.process().start(u"bash"_s,
                        QStringList { u"-c"_s, u"set -o pipefail; \"$0\" \"$@\" | true"_s,
                                      QStringLiteral(PYNET_CLI_BINARY) }
                            + cliArguments(server.port(), u"Alice"_s));
    QVERIFY(cli.waitForError("Joined"));

    bob.sendObject(Protocol::chat(u"anyone reading?"_s));
    const int exitCode = cli.waitForExit();
    QVERIFY2(exitCode == 0, cli.standardError().constData());
    QVERIFY(!bob.waitFor(u"presence"_s).isEmpty()); // Alice joined...
    QCOMPARE(bob.waitFor(u"presence"_s).value(u"event"_s).toString(), u"leave"_s); // ...and left
}

void TestCliPipe::leavesCleanlyOnSigterm()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));
    CliProcess cli;
    cli.start(cliArguments(server.port(), u"Alice"_s));
    QVERIFY(cli.waitForError("Joined"));
    cli.write("last words\n");
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"last words"_s);

    cli.process().terminate();
    QCOMPARE(cli.waitForExit(), 0);
    QVERIFY(!bob.waitFor(u"presence"_s).isEmpty()); // Alice joined...
    QCOMPARE(bob.waitFor(u"presence"_s).value(u"event"_s).toString(), u"leave"_s); // ...and left
}

void TestCliPipe::helpAndVersion()
{
    CliProcess help;
    help.start({ u"--help"_s });
    QCOMPARE(help.waitForExit(), 0);
    const QByteArray text = help.standardOutput();
    for (const QByteArray &expected :
         { QByteArray("--host"), QByteArray("--port"), QByteArray("--name"), QByteArray("--json"),
           QByteArray("--no-reconnect"), QByteArray("Exit codes"),
           QByteArray("3  could not connect"), QByteArray("4  the server refused the name"),
           QByteArray("5  the connection was lost") })
        QVERIFY2(text.contains(expected), expected.constData());

    CliProcess version;
    version.start({ u"--version"_s });
    QCOMPARE(version.waitForExit(), 0);
    QCOMPARE(version.standardOutput().trimmed(), QByteArray("pynet-cli " PYNET_VERSION));
}

void TestCliPipe::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("no name without a terminal") << QStringList() << QByteArray("--name is needed");
    QTest::newRow("port zero") << QStringList { u"--name"_s, u"A"_s, u"--port"_s, u"0"_s }
                               << QByteArray("Invalid port");
    QTest::newRow("port not a number")
        << QStringList { u"--name"_s, u"A"_s, u"--port"_s, u"http"_s }
        << QByteArray("Invalid port");
    QTest::newRow("unknown option") << QStringList { u"--colour"_s } << QByteArray("colour");
    QTest::newRow("invalid name") << QStringList { u"--name"_s, u"a\tb"_s } << QByteArray("name");
}

void TestCliPipe::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, message);
    CliProcess cli;
    cli.start(arguments);
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 2);
    QVERIFY2(cli.standardError().contains(message), cli.standardError().constData());
    QVERIFY(cli.standardOutput().isEmpty());
}

void TestCliPipe::connectionRefusedExitsWith3()
{
    ServerProcess server;
    QVERIFY(server.start());
    const quint16 port = server.port();
    server.stop();
    QCOMPARE(server.process().state(), QProcess::NotRunning);

    CliProcess cli;
    cli.start(cliArguments(port, u"Alice"_s));
    QCOMPARE(cli.waitForExit(), 3);
    QVERIFY2(cli.standardError().contains("failed"), cli.standardError().constData());
}

void TestCliPipe::nameRefusedWithoutTerminalExitsWith4()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient taken;
    QVERIFY(taken.joinAs(server.port(), u"Taken"_s));

    CliProcess cli;
    cli.start(cliArguments(server.port(), u"TAKEN"_s));
    cli.write("never sent\n");
    QCOMPARE(cli.waitForExit(), 4);
    QVERIFY2(cli.standardError().contains("already in use"), cli.standardError().constData());
    QVERIFY(!taken.receivesWithin(u"message"_s, 200));
}

void TestCliPipe::worksWithTheSeedServer()
{
    SeedProcess seed;
    QVERIFY(seed.startServer());
    RawClient reader;
    QVERIFY(reader.connectTo(seed.port()));
    reader.sendObject(Protocol::join(u"Reader"_s));
    QVERIFY(seed.waitForLine(u"joined Reader"_s));

    CliProcess cli;
    cli.start(cliArguments(seed.port(), u"Writer"_s));
    // No welcome from a seed server: the session decides after two seconds.
    QVERIFY2(cli.waitForError("Joined as Writer", 8000), cli.standardError().constData());
    reader.sendObject(Protocol::chat(u"hello writer"_s));
    QVERIFY2(cli.waitForOutput("<Reader> hello writer"), cli.standardOutput().constData());

    cli.write("one\ntwo\nthree\n");
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);
    for (const QString &text : { u"one"_s, u"two"_s, u"three"_s }) {
        const QJsonObject message = reader.waitFor(u"message"_s);
        QCOMPARE(message.value(u"from"_s).toString(), u"Writer"_s);
        QCOMPARE(message.value(u"data"_s).toString(), text);
    }
    QVERIFY2(seed.errors().isEmpty(), qPrintable(seed.errors()));
}

QTEST_GUILESS_MAIN(TestCliPipe)
#include "tst_clipipe.moc"
