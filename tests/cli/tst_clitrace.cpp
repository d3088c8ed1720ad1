// SPDX-License-Identifier: MIT
// pynet-cli --trace: the wire on stderr, as lines for people or JSON for
// programs, never on stdout and never through the half-typed input.
#include "cliprocess.h"
#include "protocol.h"
#include "ptyprocess.h"
#include "rawclient.h"
#include "serverprocess.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;

static QStringList cliArguments(quint16 port, const QString &name)
{
    return { u"--host"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(port),
             u"--name"_s, name,           u"--trace"_s };
}

static QStringList traceLines(const QByteArray &bytes)
{
    static const QRegularExpression traceLine(
        u"^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d (read|in|out|timeline|rtt) "_s);
    QStringList lines;
    for (const QString &line : QString::fromUtf8(bytes).split(u'\n')) {
        if (traceLine.match(line).hasMatch())
            lines.append(line);
    }
    return lines;
}

class TestCliTrace : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void traceGoesToStderr();
    void traceWithJsonIsJsonLines();
    void traceStaysAboveThePrompt();
};

void TestCliTrace::traceGoesToStderr()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    CliProcess cli;
    cli.start(cliArguments(server.port(), u"Alice"_s));
    QVERIFY2(cli.waitForError("Joined"), cli.standardError().constData());
    bob.sendObject(Protocol::chat(u"hello alice"_s));
    QVERIFY(cli.waitForOutput("hello alice"));
    cli.write("hello trace\n");
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);

    const QStringList lines = traceLines(cli.standardError());
    const QString port = QString::number(server.port());
    const QStringList expected = {
        u"connecting to 127.0.0.1:"_s + port,
        u"connected to 127.0.0.1:"_s + port,
        u" B join {"_s,
        u"join sent as Alice"_s,
        u" read "_s,
        u" B welcome {"_s,
        u"welcome from "_s,
        u" B message {"_s,
        u" B chat {"_s,
        u"leaving"_s,
        u"session ended"_s,
    };
    // In this order, each once at least.
    qsizetype at = 0;
    for (const QString &part : expected) {
        while (at < lines.size() && !lines.at(at).contains(part))
            ++at;
        QVERIFY2(at < lines.size(), qPrintable(part + u"\n"_s + lines.join(u'\n')));
    }
    QVERIFY(lines.filter(u" B chat {"_s).first().contains(u"hello trace"_s));
    // The conversation on stdout is the same as without --trace.
    QCOMPARE(cli.outputLines().size(), 1);
    QVERIFY(traceLines(cli.standardOutput()).isEmpty());
}

void TestCliTrace::traceWithJsonIsJsonLines()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    CliProcess cli;
    cli.start(cliArguments(server.port(), u"Alice"_s) << u"--json"_s);
    QVERIFY(cli.waitForOutput("\"type\":\"welcome\""));
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);

    QStringList kinds;
    for (const QByteArray &line : cli.standardError().split('\n')) {
        if (!line.startsWith('{'))
            continue;
        const QJsonObject event = QJsonDocument::fromJson(line).object();
        QVERIFY2(!event.isEmpty(), line.constData());
        kinds.append(event.value(u"kind"_s).toString());
        if (event.value(u"type"_s).toString() == u"welcome"_s)
            QVERIFY(event.value(u"data"_s).toString().contains(u"\"session\""_s));
    }
    for (const QString &kind : { u"timeline"_s, u"out"_s, u"read"_s, u"in"_s })
        QVERIFY2(kinds.contains(kind), qPrintable(kind));
    // stdout still carries only the server's events.
    for (const QString &line : cli.outputLines())
        QVERIFY2(!line.contains(u"\"kind\""_s), qPrintable(line));
}

void TestCliTrace::traceStaysAboveThePrompt()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(server.port(), u"Alice"_s)));
    QVERIFY2(cli.waitForOutput(" B welcome {"), qPrintable(cli.text()));
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> "_s; }),
             qPrintable(cli.text()));
    cli.write("half typed");
    QVERIFY(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> half typed"_s; }));

    // A frame arrives while the user types: its trace goes above, the input stays.
    const qsizetype before = cli.output().size();
    bob.sendObject(Protocol::chat(u"from bob"_s));
    QVERIFY2(cli.waitForOutput(" B message {", 5000, before), qPrintable(cli.text()));
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> half typed"_s; }),
             qPrintable(cli.currentLine()));

    cli.write("\x15\x04"); // clear the line, then Ctrl-D leaves
    QCOMPARE(cli.waitForExit(), 0);
}

QTEST_GUILESS_MAIN(TestCliTrace)
#include "tst_clitrace.moc"
