// SPDX-License-Identifier: MIT
#include "hostileserver.h"
#include "protocol.h"
#include "ptyprocess.h"
#include "rawclient.h"
#include "seedprocess.h"
#include "serverprocess.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;

static QStringList cliArguments(quint16 port, const QString &name = {})
{
    QStringList arguments { u"--host"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(port) };
    if (!name.isEmpty())
        arguments << u"--name"_s << name;
    return arguments;
}

// The screen's lines so far, escape sequences removed. A carriage return
// starts the line over (the client clears it before writing over it).
static QStringList screenLines(PtyProcess &cli)
{
    QStringList lines;
    for (const QString &line : cli.text().split(u'\n')) {
        const QStringList rewrites = QString(line).remove(u'\b').split(u'\r', Qt::SkipEmptyParts);
        lines.append(rewrites.isEmpty() ? QString() : rewrites.last());
    }
    return lines;
}

static bool hasLineMatching(PtyProcess &cli, const QString &pattern)
{
    const QRegularExpression expression(pattern);
    const QStringList lines = screenLines(cli);
    return std::any_of(lines.begin(), lines.end(),
                       [&](const QString &line) { return expression.match(line).hasMatch(); });
}

class TestCliInteractive : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void typedTextSurvivesAnIncomingMessage();
    void commands();
    void asksAgainWhenTheNameIsRefused();
    void escapesFromTheNetworkAreShownNotObeyed();
    void namesInStableColoursUnlessNoColor();
    void whoOnTheSeedServerSaysItIsNotSupported();
};

void TestCliInteractive::typedTextSurvivesAnIncomingMessage()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(server.port(), u"Alice"_s)));
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> "; }),
             qPrintable(cli.text()));
    cli.write("half typed");
    QVERIFY(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> half typed"; }));

    bob.sendObject(Protocol::chat(u"hello from bob"_s));
    QVERIFY2(cli.waitFor(
                 [&] { return hasLineMatching(cli, u"^\\d\\d:\\d\\d <Bob> hello from bob$"_s); }),
             qPrintable(cli.text()));
    // The message went above; the prompt and the half-typed text are back below it.
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> half typed"; }),
             qPrintable(cli.currentLine()));

    // Editing still works where the cursor was: left twice, insert.
    cli.write("\x1b[D\x1b[D-");
    cli.write("\r");
    const QJsonObject message = bob.waitFor(u"message"_s);
    QCOMPARE(message.value(u"data"_s).toString(), u"half typ-ed"_s);
    // Own messages are echoed with the name in bold.
    QVERIFY(cli.waitForOutput("<\x1b[1mAlice\x1b[0m> half typ-ed"));

    cli.write("\x04"); // Ctrl-D on an empty line leaves
    QCOMPARE(cli.waitForExit(), 0);
    QVERIFY(!bob.waitFor(u"presence"_s).isEmpty());
}

void TestCliInteractive::commands()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));
    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(server.port(), u"Alice"_s)));
    QVERIFY(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> "; }));

    cli.write("/who\r");
    QVERIFY2(cli.waitFor([&] { return cli.text().contains(u"Online (2): Alice, Bob"_s); }),
             qPrintable(cli.text()));

    cli.write("/msg Bob psst\r");
    QJsonObject message = bob.waitFor(u"message"_s);
    QCOMPARE(message.value(u"to"_s).toString(), u"Bob"_s);
    QCOMPARE(message.value(u"data"_s).toString(), u"psst"_s);
    QVERIFY(cli.waitFor([&] { return cli.text().contains(u"[you → Bob] psst"_s); }));

    cli.write("/me waves\r");
    message = bob.waitFor(u"message"_s);
    QCOMPARE(message.value(u"data"_s).toString(), u"waves"_s);
    QVERIFY(message.value(u"action"_s).toBool());

    cli.write("/nope\r");
    QVERIFY(cli.waitFor([&] { return cli.text().contains(u"Unknown command /nope"_s); }));
    cli.write("/help\r");
    QVERIFY(cli.waitFor([&] { return cli.text().contains(u"/msg NAME TEXT"_s); }));
    QVERIFY(!bob.receivesWithin(u"message"_s, 200)); // neither became a chat message

    // The entered line is replaced by the echo; the prompt stays usable.
    QVERIFY(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> "; }));
    // A message that mentions us stands out; a word that merely contains the name does not.
    bob.sendObject(Protocol::chat(u"malice aforethought"_s));
    bob.sendObject(Protocol::chat(u"hey alice, look"_s));
    QVERIFY(cli.waitForOutput("\x1b[1;33mhey alice, look\x1b[0m"));
    QVERIFY(cli.output().contains("> malice aforethought"));

    cli.write("quit\r"); // as in the seed's client
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliInteractive::asksAgainWhenTheNameIsRefused()
{
    // The server closes a connection that has not joined after half a second;
    // a person choosing another name takes longer than that.
    ServerProcess server({ u"--join-timeout"_s, u"0.5"_s });
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(server.port())));
    QVERIFY(cli.waitFor([&] { return cli.currentLine() == u"Your name: "; }));
    cli.write("BOB\r");
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Choose another name: "; }),
             qPrintable(cli.text()));
    QVERIFY(cli.text().contains(u"already in use"_s));
    // The notice and the prompt's redraw below it may arrive in two reads.
    QVERIFY2(cli.waitFor([&] {
        return cli.text().contains(u"connects again"_s)
            && cli.currentLine() == u"Choose another name: ";
    }),
             qPrintable(cli.text()));
    cli.write("Carol\r");
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Carol #general> "; }),
             qPrintable(cli.text()));

    const QJsonObject presence = bob.waitFor(u"presence"_s);
    QCOMPARE(presence.value(u"name"_s).toString(), u"Carol"_s);
    cli.write("hi, I am Carol\r");
    QCOMPARE(bob.waitFor(u"message"_s).value(u"from"_s).toString(), u"Carol"_s);
    cli.write("/quit\r");
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliInteractive::escapesFromTheNetworkAreShownNotObeyed()
{
    HostileServer server;
    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(server.port(), u"Alice"_s)));
    QVERIFY(!server.waitForJoin().isEmpty());
    server.send({ { u"type"_s, u"welcome"_s },
                  { u"protocol"_s, 1 },
                  { u"name"_s, u"Alice"_s },
                  { u"users"_s, QJsonArray { u"Alice"_s } },
                  { u"history"_s, QJsonArray() } });
    server.send(
        { { u"type"_s, u"message"_s },
          { u"from"_s, u"\x1b]0;owned\x07Mallory"_s },
          { u"data"_s, u"\x1b[2J\x1b[Hcleared \u009b31mred \u202Egnp.exe \x1b[5mblink"_s } });
    QVERIFY(cli.waitFor([&] { return cli.text().contains(u"blink"_s); }));

    const QByteArray screen = cli.output();
    for (const QByteArray &attack :
         { QByteArray("\x1b[2J"), QByteArray("\x1b]0;"), QByteArray("\x1b[5m"), QByteArray("\x07"),
           QByteArray("\xc2\x9b"), QByteArray("\xe2\x80\xae") })
        QVERIFY2(!screen.contains(attack), attack.toPercentEncoding().constData());
    QVERIFY(cli.text().contains(u"␛]0;owned␇Mallory"_s));
    QVERIFY(cli.text().contains(u"␛[2J␛[Hcleared"_s));
    cli.write("\x04");
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliInteractive::namesInStableColoursUnlessNoColor()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    QByteArray colourOfBob;
    for (int run = 0; run < 2; ++run) {
        PtyProcess cli;
        QVERIFY(cli.start(cliArguments(server.port(), u"Alice%1"_s.arg(run))));
        QVERIFY(cli.waitFor([&] { return cli.currentLine().endsWith(u"> "_s); }));
        bob.sendObject(Protocol::chat(u"colour check"_s));
        QVERIFY(cli.waitForOutput("colour check"));
        static const QRegularExpression colouredBob(u"<\x1b\\[(\\d+)mBob\x1b\\[0m>"_s);
        const QRegularExpressionMatch match = colouredBob.match(QString::fromUtf8(cli.output()));
        QVERIFY2(match.hasMatch(), cli.output().toPercentEncoding().constData());
        if (run == 0)
            colourOfBob = match.captured(1).toUtf8();
        else
            QCOMPARE(match.captured(1).toUtf8(), colourOfBob); // a new process, the same colour
        cli.write("\x04");
        QCOMPARE(cli.waitForExit(), 0);
    }

    PtyProcess plain;
    QVERIFY(plain.start(cliArguments(server.port(), u"Dora"_s), { u"NO_COLOR=1"_s }));
    QVERIFY(plain.waitFor([&] { return plain.currentLine() == u"Dora #general> "; }));
    bob.sendObject(Protocol::chat(u"no colour"_s));
    QVERIFY(plain.waitForOutput("no colour"));
    static const QRegularExpression anyColour(u"\x1b\\[[0-9;]*(3[0-7]|9[0-7])m"_s);
    QVERIFY2(!anyColour.match(QString::fromUtf8(plain.output())).hasMatch(),
             plain.output().toPercentEncoding().constData());
    QVERIFY(plain.text().contains(u"<Bob> no colour"_s));
    plain.write("\x04");
    QCOMPARE(plain.waitForExit(), 0);
}

void TestCliInteractive::whoOnTheSeedServerSaysItIsNotSupported()
{
    SeedProcess seed;
    QVERIFY(seed.startServer());
    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(seed.port(), u"Alice"_s)));
    QVERIFY(seed.waitForLine(u"joined Alice"_s));
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> "; }, 8000),
             qPrintable(cli.text()));
    cli.write("/who\r");
    QVERIFY2(cli.waitFor([&] { return cli.text().contains(u"does not support /who"_s); }),
             qPrintable(cli.text()));
    cli.write("plain chat still works\r");
    QVERIFY(seed.waitForLine(u"chat Alice: plain chat still works"_s));
    QVERIFY(!seed.lines().contains(u"chat Alice: /who"_s));
    cli.write("quit\r");
    QCOMPARE(cli.waitForExit(), 0);
    QVERIFY2(seed.errors().isEmpty(), qPrintable(seed.errors()));
}

QTEST_GUILESS_MAIN(TestCliInteractive)
#include "tst_cliinteractive.moc"
