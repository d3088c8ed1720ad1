// SPDX-License-Identifier: MIT
// pynet-cli in rooms, against the real server: --room in pipe mode and with
// --json, and /join, /window, /topic, /part at the prompt as a person types them.
#include "cliprocess.h"
#include "protocol.h"
#include "ptyprocess.h"
#include "rawclient.h"
#include "serverprocess.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;

static QStringList cliArguments(quint16 port, const QString &name)
{
    return { u"--host"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(port), u"--name"_s, name };
}

// A raw client in room; false when the server does not speak rooms yet.
static bool enter(RawClient &client, const QString &room)
{
    client.sendObject({ { u"type"_s, u"enter"_s }, { u"room"_s, room } });
    for (;;) {
        const QJsonObject answer = client.waitFor(QString());
        if (answer.isEmpty() || answer.value(u"type"_s) == u"error"_s)
            return false;
        if (answer.value(u"type"_s) == u"room"_s)
            return true;
    }
}

class TestCliRooms : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void pipeLinesGoToTheRoomOption();
    void jsonEventsCarryTheRoom();
    void joinSwitchAndPartAtThePrompt();

private:
    ServerProcess *m_server = nullptr;
};

void TestCliRooms::init()
{
    m_server = new ServerProcess;
    QVERIFY(m_server->start());
    RawClient probe;
    QVERIFY(probe.joinAs(m_server->port(), u"Probe"_s));
    if (!enter(probe, u"#probe"_s))
        QSKIP("This server does not speak rooms yet.");
}

void TestCliRooms::cleanup()
{
    delete m_server;
    m_server = nullptr;
}

void TestCliRooms::pipeLinesGoToTheRoomOption()
{
    RawClient reader;
    QVERIFY(reader.joinAs(m_server->port(), u"Reader"_s));
    QVERIFY(enter(reader, u"#dev"_s));

    CliProcess cli;
    QStringList arguments = cliArguments(m_server->port(), u"Writer"_s);
    arguments << u"--room"_s << u"#dev"_s;
    cli.start(arguments);
    cli.write("one\ntwo\n"); // before the join and the enter: both wait for them
    cli.closeInput();
    QCOMPARE(cli.waitForExit(20000), 0);
    for (const QString &text : { u"one"_s, u"two"_s }) {
        const QJsonObject message = reader.waitFor(u"message"_s);
        QCOMPARE(message.value(u"room"_s).toString(), u"#dev"_s);
        QCOMPARE(message.value(u"data"_s).toString(), text);
    }
}

void TestCliRooms::jsonEventsCarryTheRoom()
{
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), u"Bob"_s));
    QVERIFY(enter(bob, u"#dev"_s));
    bob.sendObject(
        { { u"type"_s, u"chat"_s }, { u"room"_s, u"#dev"_s }, { u"data"_s, u"before"_s } });
    QVERIFY(bob.waitFor(u"never"_s, 200).isEmpty()); // let the server store it

    CliProcess cli;
    QStringList arguments = cliArguments(m_server->port(), u"Alice"_s);
    arguments << u"--json"_s << u"--room"_s << u"#dev"_s;
    cli.start(arguments);
    QVERIFY2(cli.waitForOutput(R"("type":"room")"), cli.standardOutput().constData());
    cli.closeInput();
    QCOMPARE(cli.waitForExit(20000), 0);
    bool sawRoom = false;
    for (const QByteArray &line : cli.standardOutput().split('\n')) {
        const QJsonObject event = QJsonDocument::fromJson(line).object();
        if (event.value(u"type"_s) == u"room"_s) {
            sawRoom = true;
            QCOMPARE(event.value(u"room"_s).toString(), u"#dev"_s);
            QVERIFY(line.contains("before"));
        }
        if (event.value(u"type"_s) == u"welcome"_s)
            QCOMPARE(event.value(u"room"_s).toString(), u"#general"_s);
    }
    QVERIFY(sawRoom);
}

void TestCliRooms::joinSwitchAndPartAtThePrompt()
{
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), u"Bob"_s));
    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(m_server->port(), u"Alice"_s)));
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> "; }),
             qPrintable(cli.text()));

    cli.write("/join #dev\r");
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Alice #dev> "; }),
             qPrintable(cli.text()));
    QVERIFY(cli.text().contains(u"You are in #dev"_s));
    QVERIFY(enter(bob, u"#dev"_s));
    cli.write("hello dev\r");
    QJsonObject message = bob.waitFor(u"message"_s);
    QCOMPARE(message.value(u"room"_s).toString(), u"#dev"_s);
    QCOMPARE(message.value(u"data"_s).toString(), u"hello dev"_s);

    // A line from a room that is not the current one carries the room's name.
    bob.sendObject(Protocol::chat(u"over in general"_s));
    QVERIFY2(cli.waitFor([&] {
        return QRegularExpression(u"\\d\\d:\\d\\d #general <Bob> over in general"_s)
            .match(cli.text())
            .hasMatch();
    }),
             qPrintable(cli.text()));

    cli.write("/topic Release Friday\r");
    QVERIFY2(cli.waitFor([&] {
        return cli.text().contains(u"Alice set the topic of #dev: Release Friday"_s);
    }),
             qPrintable(cli.text()));

    cli.write("/window 1\r");
    QVERIFY(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> "; }));
    cli.write("\x18"); // Ctrl-X: the next room
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Alice #dev> "; }),
             qPrintable(cli.text()));
    cli.write("/window 3\r");
    QVERIFY(cli.waitFor([&] { return cli.text().contains(u"There is no window 3"_s); }));

    cli.write("/part\r");
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> "; }),
             qPrintable(cli.text()));
    QVERIFY(cli.text().contains(u"You left #dev."_s));
    cli.write("/quit\r");
    QCOMPARE(cli.waitForExit(), 0);
}

QTEST_GUILESS_MAIN(TestCliRooms)
#include "tst_clirooms.moc"
