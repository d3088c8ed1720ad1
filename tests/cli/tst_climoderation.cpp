// SPDX-License-Identifier: MIT
// pynet-cli's moderation commands: what /kick, /op and /mode send, how the
// announcements, refusals and operator marks look, against a scripted server
// and then against the real one, where alice owns #dev and puts bob out.
#include "cliprocess.h"
#include "hostileserver.h"
#include "protocol.h"
#include "ptyprocess.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "wire.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;

static QStringList cliArguments(quint16 port, const QString &name, const QStringList &extra = {})
{
    return QStringList { u"--host"_s,           u"127.0.0.1"_s, u"--port"_s,
                         QString::number(port), u"--name"_s,    name }
    + extra;
}

static QJsonObject welcome(const QString &name)
{
    return { { u"type"_s, u"welcome"_s },
             { u"protocol"_s, 1 },
             { u"name"_s, name },
             { u"room"_s, u"#general"_s },
             { u"users"_s, QJsonArray { name, u"bob"_s, u"carol"_s } },
             { u"history"_s, QJsonArray() } };
}

// The next object of type the CLI sent to the scripted server after the first skip.
static QJsonObject sentAfter(HostileServer &server, const QString &type, qsizetype *seen)
{
    QJsonObject found;
    [[maybe_unused]] const bool came = QTest::qWaitFor(
        [&] {
            const QList<QJsonObject> received = server.received();
            for (; *seen < received.size(); ++*seen) {
                if (received.at(*seen).value(u"type"_s).toString() == type) {
                    found = received.at((*seen)++);
                    return true;
                }
            }
            return false;
        },
        5000);
    return found;
}

// A raw client's enter; false on an error or no answer.
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

class TestCliModeration : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void commandsSendModerate();
    void announcementsRefusalsAndMarks();
    void jsonPassesModerationThrough();
    void ownerKicksBobOutOfTheRoom();

private:
    bool startInDev(HostileServer &server, PtyProcess &cli, qsizetype *seen);
};

// alice at the prompt, in #dev, which she owns and carol operates.
bool TestCliModeration::startInDev(HostileServer &server, PtyProcess &cli, qsizetype *seen)
{
    if (!cli.start(cliArguments(server.port(), u"alice"_s)) || server.waitForJoin().isEmpty())
        return false;
    server.send(welcome(u"alice"_s));
    if (!cli.waitFor([&] { return cli.currentLine() == u"alice #general> "_s; }))
        return false;
    cli.write("/join #dev\r");
    if (sentAfter(server, u"enter"_s, seen).value(u"room"_s) != u"#dev"_s)
        return false;
    Wire::RoomState dev;
    dev.room = u"#dev"_s;
    dev.users = { u"alice"_s, u"bob"_s, u"carol"_s };
    dev.userCount = 3;
    dev.owner = u"alice"_s;
    dev.operators = { u"carol"_s };
    server.send(dev.toJson());
    return cli.waitFor([&] { return cli.currentLine() == u"alice #dev> "_s; });
}

void TestCliModeration::commandsSendModerate()
{
    HostileServer server;
    PtyProcess cli;
    qsizetype seen = 0;
    QVERIFY2(startInDev(server, cli, &seen), qPrintable(cli.text()));

    struct Expected
    {
        QByteArray typed;
        QString action;
        QString target;
        QString reason;
    };
    const QList<Expected> cases {
        { "/kick bob spam, twice", u"kick"_s, u"bob"_s, u"spam, twice"_s },
        { "/ban bob", u"ban"_s, u"bob"_s, {} },
        { "/unban bob", u"unban"_s, u"bob"_s, {} },
        { "/mute carol calm down", u"mute"_s, u"carol"_s, u"calm down"_s },
        { "/unmute carol", u"unmute"_s, u"carol"_s, {} },
        { "/op bob", u"op"_s, u"bob"_s, {} },
        { "/deop carol", u"deop"_s, u"carol"_s, {} },
        { "/invite dora", u"invite"_s, u"dora"_s, {} },
        { "/mode +i", u"invite_only"_s, {}, {} },
        { "/mode -i", u"open"_s, {}, {} },
        { "/mode +t", u"lock_topic"_s, {}, {} },
        { "/mode -t", u"unlock_topic"_s, {}, {} },
    };
    for (const Expected &expected : cases) {
        cli.write(expected.typed + '\r');
        const QJsonObject sent = sentAfter(server, u"moderate"_s, &seen);
        QVERIFY2(!sent.isEmpty(), expected.typed.constData());
        QCOMPARE(sent.value(u"room"_s).toString(), u"#dev"_s);
        QCOMPARE(sent.value(u"action"_s).toString(), expected.action);
        QCOMPARE(sent.value(u"target"_s).toString(), expected.target);
        QCOMPARE(sent.value(u"reason"_s).toString(), expected.reason);
    }
    cli.write("/kick\r");
    QVERIFY2(cli.waitFor([&] { return cli.text().contains(u"Usage: /kick NAME [REASON]"_s); }),
             qPrintable(cli.text()));
    cli.write("\x04");
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliModeration::announcementsRefusalsAndMarks()
{
    HostileServer server;
    PtyProcess cli;
    qsizetype seen = 0;
    QVERIFY2(startInDev(server, cli, &seen), qPrintable(cli.text()));

    cli.write("/who\r");
    QCOMPARE(sentAfter(server, u"users"_s, &seen).value(u"room"_s).toString(), u"#dev"_s);
    server.send(Wire::Users { u"#dev"_s, { u"bob"_s, u"carol"_s, u"alice"_s } }.toJson());
    QVERIFY2(
        cli.waitFor([&] { return cli.text().contains(u"In #dev (3): ~alice, bob, @carol"_s); }),
        qPrintable(cli.text()));

    Wire::Moderated op;
    op.room = u"#dev"_s;
    op.action = u"op"_s;
    op.by = u"alice"_s;
    op.target = u"bob"_s;
    op.text = u"alice made bob an operator of #dev"_s;
    server.send(op.toJson());
    QVERIFY2(cli.waitFor([&] { return cli.text().contains(u"-!- alice made bob an operator"_s); }),
             qPrintable(cli.text()));
    cli.write("/who\r");
    sentAfter(server, u"users"_s, &seen);
    server.send(Wire::Users { u"#dev"_s, { u"bob"_s, u"carol"_s, u"alice"_s } }.toJson());
    QVERIFY2(cli.waitFor([&] { return cli.text().contains(u"~alice, @bob, @carol"_s); }),
             qPrintable(cli.text()));

    // /mode shows what the room answer and the announcements said.
    Wire::Moderated locked;
    locked.room = u"#dev"_s;
    locked.action = u"lock_topic"_s;
    locked.by = u"carol"_s;
    locked.text = u"carol locked the topic of #dev"_s;
    server.send(locked.toJson());
    QVERIFY(cli.waitFor([&] { return cli.text().contains(u"carol locked the topic"_s); }));
    cli.write("/mode\r");
    QVERIFY2(cli.waitFor([&] {
        return cli.text().contains(
            u"#dev: owner alice; operators carol, bob; open to all (-i); only operators set the "
            "topic (+t)."_s);
    }),
             qPrintable(cli.text()));

    // From a room not shown, the line names it first, as messages do.
    cli.write("/window 1\r");
    QVERIFY(cli.waitFor([&] { return cli.currentLine() == u"alice #general> "_s; }));
    Wire::Moderated kick;
    kick.room = u"#dev"_s;
    kick.action = u"kick"_s;
    kick.by = u"carol"_s;
    kick.target = u"bob"_s;
    kick.reason = u"spam"_s;
    kick.text = u"carol kicked bob from #dev (spam)"_s;
    server.send(kick.toJson());
    QVERIFY2(cli.waitFor([&] {
        return cli.text().contains(u"#dev -!- carol kicked bob from #dev (spam)"_s);
    }),
             qPrintable(cli.text()));

    server.send(Wire::Error { u"not_operator"_s, u"You are not an operator of #dev."_s }.toJson());
    QVERIFY2(cli.waitFor([&] {
        return cli.text().contains(u"Refused: You are not an operator of #dev."_s);
    }),
             qPrintable(cli.text()));

    // Put out ourselves: the announcement, then the server's leave.
    Wire::Moderated ban = kick;
    ban.action = u"ban"_s;
    ban.target = u"alice"_s;
    ban.text = u"carol banned alice from #dev (spam)"_s;
    server.send(ban.toJson());
    server.send({ { u"type"_s, u"leave"_s }, { u"room"_s, u"#dev"_s } });
    QVERIFY2(cli.waitFor([&] { return cli.text().contains(u"You are no longer in #dev."_s); }),
             qPrintable(cli.text()));
    QVERIFY(cli.text().contains(u"carol banned alice from #dev (spam)"_s));
    cli.write("\x04");
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliModeration::jsonPassesModerationThrough()
{
    HostileServer server;
    CliProcess cli;
    cli.start(cliArguments(server.port(), u"alice"_s, { u"--json"_s }));
    QVERIFY(!server.waitForJoin().isEmpty());
    server.send(welcome(u"alice"_s));
    Wire::Moderated kick;
    kick.room = u"#general"_s;
    kick.action = u"kick"_s;
    kick.by = u"carol"_s;
    kick.target = u"bob"_s;
    kick.reason = u"spam"_s;
    kick.time = u"2026-12-02T16:00:00Z"_s;
    kick.text = u"carol kicked bob from #general (spam)"_s;
    server.send(kick.toJson());
    QVERIFY2(cli.waitForOutput(R"("type":"moderation")"), cli.standardOutput().constData());
    cli.closeInput();
    cli.waitForExit();
    for (const QByteArray &line : cli.standardOutput().split('\n')) {
        const QJsonObject event = QJsonDocument::fromJson(line).object();
        if (event.value(u"type"_s) == u"moderation"_s) {
            QCOMPARE(event, kick.toJson());
            return;
        }
    }
    QFAIL(cli.standardOutput().constData());
}

void TestCliModeration::ownerKicksBobOutOfTheRoom()
{
    ServerProcess server;
    QVERIFY(server.start());
    {
        RawClient probe;
        QVERIFY(probe.joinAs(server.port(), u"probe"_s));
        QVERIFY(enter(probe, u"#probe"_s));
        probe.sendObject(Wire::Moderate { { u"#probe"_s, u"open"_s } }.toJson());
        const QJsonObject answer = probe.waitFor(QString());
        if (answer.value(u"code"_s) == u"unknown_type"_s)
            QSKIP("This server does not moderate yet.");
    }

    PtyProcess alice;
    QVERIFY(alice.start(cliArguments(server.port(), u"alice"_s, { u"--register"_s }),
                        { u"PYNET_PASSWORD=correct horse"_s }));
    QVERIFY2(alice.waitFor([&] { return alice.currentLine() == u"alice #general> "_s; }, 20000),
             qPrintable(alice.text()));
    alice.write("/join #dev\r");
    QVERIFY2(alice.waitFor([&] { return alice.currentLine() == u"alice #dev> "_s; }, 20000),
             qPrintable(alice.text()));

    PtyProcess bob;
    QVERIFY(bob.start(cliArguments(server.port(), u"bob"_s, { u"--room"_s, u"#dev"_s })));
    QVERIFY2(bob.waitFor([&] { return bob.currentLine() == u"bob #dev> "_s; }, 20000),
             qPrintable(bob.text()));
    QVERIFY2(alice.waitFor([&] { return alice.text().contains(u"bob joined #dev"_s); }),
             qPrintable(alice.text()));

    // A guest is nobody's operator: refused, and bob stays where he is.
    bob.write("/kick alice because\r");
    QVERIFY2(bob.waitFor([&] { return bob.text().contains(u"Refused: "_s); }),
             qPrintable(bob.text()));

    alice.write("/who\r");
    QVERIFY2(alice.waitFor([&] { return alice.text().contains(u"~alice, bob"_s); }),
             qPrintable(alice.text()));

    alice.write("/kick bob spam\r");
    QVERIFY2(bob.waitFor([&] {
        return bob.text().contains(u"kicked bob"_s) && bob.text().contains(u"(spam)"_s);
    }),
             qPrintable(bob.text()));
    QVERIFY2(bob.waitFor([&] { return bob.text().contains(u"You are no longer in #dev."_s); }),
             qPrintable(bob.text()));
    QVERIFY2(bob.waitFor([&] { return bob.currentLine() == u"bob #general> "_s; }),
             qPrintable(bob.text()));
    QVERIFY2(alice.waitFor([&] { return alice.text().contains(u"kicked bob"_s); }),
             qPrintable(alice.text()));

    // Locked, the topic is the operators': bob, back in #dev, may not set it.
    const qsizetype before = alice.output().size();
    alice.write("/mode +t\r");
    QVERIFY2(alice.waitForOutput("-!-", 5000, before), qPrintable(alice.text())); // announced
    bob.write("/join #dev\r");
    QVERIFY2(bob.waitFor([&] { return bob.currentLine() == u"bob #dev> "_s; }, 20000),
             qPrintable(bob.text()));
    bob.write("/mode\r");
    QVERIFY2(bob.waitFor([&] {
        return bob.text().contains(u"#dev: owner alice; open to all (-i); only operators set "
                                   "the topic (+t)."_s);
    }),
             qPrintable(bob.text()));
    bob.write("/topic mine now\r");
    QVERIFY2(bob.waitFor([&] { return bob.text().count(u"Refused: "_s) >= 2; }),
             qPrintable(bob.text()));

    bob.write("/quit\r");
    QCOMPARE(bob.waitForExit(), 0);
    alice.write("/quit\r");
    QCOMPARE(alice.waitForExit(), 0);
}

QTEST_GUILESS_MAIN(TestCliModeration)
#include "tst_climoderation.moc"
