// SPDX-License-Identifier: MIT
#include "cliprocess.h"
#include "protocol.h"
#include "ptyprocess.h"
#include "rawclient.h"
#include "serverprocess.h"

#include <QProcessEnvironment>
#include <QTest>

#include <utility>

using namespace Qt::StringLiterals;

static QStringList cliArguments(quint16 port, const QString &name, const QStringList &extra = {})
{
    return QStringList { u"--host"_s,           u"127.0.0.1"_s, u"--port"_s,
                         QString::number(port), u"--name"_s,    name }
    + extra;
}

// A CLI in pipe mode whose environment holds the password, as a script runs it.
static void startWithPassword(CliProcess &cli, const QStringList &arguments,
                              const QString &password)
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(u"PYNET_PASSWORD"_s, password);
    cli.process().setProcessEnvironment(environment);
    cli.start(arguments);
}

class TestCliAccounts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void registersInAPipeThenLogsIn();
    void wrongPasswordInAPipeExitsWith6();
    void loginWithoutPasswordInAPipeExitsWith6();
    void registeredNameRefusedToAGuestInAPipe();
    void asksForThePasswordWithoutEcho();
    void guestWithARegisteredNameIsAskedForItsPassword();
    void changesThePassword();
    void traceHidesThePassword();
    void showsAPrivateConversationsHistory();
};

void TestCliAccounts::registersInAPipeThenLogsIn()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    CliProcess first;
    startWithPassword(first, cliArguments(server.port(), u"alice"_s, { u"--register"_s }),
                      u"correct horse"_s);
    first.write("hello as an account\n");
    first.closeInput();
    QCOMPARE(first.waitForExit(20000), 0);
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"hello as an account"_s);

    // --register again is a login: the account exists.
    CliProcess second;
    startWithPassword(second, cliArguments(server.port(), u"alice"_s, { u"--login"_s }),
                      u"correct horse"_s);
    second.write("back again\n");
    second.closeInput();
    QCOMPARE(second.waitForExit(20000), 0);
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"back again"_s);
}

void TestCliAccounts::wrongPasswordInAPipeExitsWith6()
{
    ServerProcess server;
    QVERIFY(server.start());
    CliProcess owner;
    startWithPassword(owner, cliArguments(server.port(), u"alice"_s, { u"--register"_s }),
                      u"correct horse"_s);
    owner.closeInput();
    QCOMPARE(owner.waitForExit(20000), 0);

    CliProcess cli;
    startWithPassword(cli, cliArguments(server.port(), u"alice"_s, { u"--login"_s }),
                      u"wrong horse"_s);
    QCOMPARE(cli.waitForExit(20000), 6);
    QVERIFY2(!cli.standardError().isEmpty(), "no reason given");
    QVERIFY(!cli.standardError().contains("wrong horse"));
}

void TestCliAccounts::loginWithoutPasswordInAPipeExitsWith6()
{
    ServerProcess server;
    QVERIFY(server.start());
    CliProcess cli;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(u"PYNET_PASSWORD"_s);
    cli.process().setProcessEnvironment(environment);
    cli.start(cliArguments(server.port(), u"alice"_s, { u"--login"_s }));
    QCOMPARE(cli.waitForExit(), 6);
    QVERIFY2(cli.standardError().contains("PYNET_PASSWORD"), cli.standardError().constData());
}

void TestCliAccounts::registeredNameRefusedToAGuestInAPipe()
{
    ServerProcess server;
    QVERIFY(server.start());
    CliProcess owner;
    startWithPassword(owner, cliArguments(server.port(), u"alice"_s, { u"--register"_s }),
                      u"correct horse"_s);
    owner.closeInput();
    QCOMPARE(owner.waitForExit(20000), 0);

    CliProcess guest;
    guest.start(cliArguments(server.port(), u"Alice"_s));
    QCOMPARE(guest.waitForExit(20000), 4);
    QVERIFY2(guest.standardError().contains("registered"), guest.standardError().constData());
}

void TestCliAccounts::asksForThePasswordWithoutEcho()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    QVERIFY(bob.joinAs(server.port(), u"Bob"_s));

    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(server.port(), u"alice"_s, { u"--register"_s })));
    QVERIFY2(cli.waitFor([&] { return cli.currentLine().startsWith(u"Password for alice"_s); }),
             qPrintable(cli.text()));
    cli.write("sesame-open\r");
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"The same password again: "_s; }),
             qPrintable(cli.text()));
    cli.write("sesame-open\r");
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"alice #general> "_s; }, 20000),
             qPrintable(cli.text()));
    QVERIFY2(!cli.output().contains("sesame"), cli.output().constData());
    QCOMPARE(bob.waitFor(u"presence"_s).value(u"name"_s).toString(), u"alice"_s);

    cli.write("/quit\r");
    QCOMPARE(cli.waitForExit(), 0);
    QVERIFY(!cli.output().contains("sesame"));
}

void TestCliAccounts::guestWithARegisteredNameIsAskedForItsPassword()
{
    ServerProcess server;
    QVERIFY(server.start());
    CliProcess owner;
    startWithPassword(owner, cliArguments(server.port(), u"alice"_s, { u"--register"_s }),
                      u"correct horse"_s);
    owner.closeInput();
    QCOMPARE(owner.waitForExit(20000), 0);

    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(server.port(), u"alice"_s)));
    QVERIFY2(cli.waitFor([&] {
        return cli.currentLine() == u"Password for alice (Enter: choose another name): "_s;
    }),
             qPrintable(cli.text()));
    cli.write("wrong horse\r");
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Password for alice: "_s; }, 20000),
             qPrintable(cli.text()));
    cli.write("correct horse\r");
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"alice #general> "_s; }, 20000),
             qPrintable(cli.text()));
    cli.write("/quit\r");
    QCOMPARE(cli.waitForExit(), 0);
}

void TestCliAccounts::changesThePassword()
{
    ServerProcess server;
    QVERIFY(server.start());
    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(server.port(), u"alice"_s, { u"--login"_s }),
                      { u"PYNET_PASSWORD=first-password"_s }));
    // Not registered yet: --login alone does not create the account.
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Password for alice: "_s; }, 20000),
             qPrintable(cli.text()));
    cli.write("\x04"); // Ctrl-D: no password, no login
    QCOMPARE(cli.waitForExit(), 6);

    PtyProcess owner;
    QVERIFY(owner.start(cliArguments(server.port(), u"alice"_s, { u"--register"_s }),
                        { u"PYNET_PASSWORD=first-password"_s }));
    QVERIFY2(owner.waitFor([&] { return owner.currentLine() == u"alice #general> "_s; }, 20000),
             qPrintable(owner.text()));
    owner.write("/password\r");
    QVERIFY(owner.waitFor([&] { return owner.currentLine() == u"Current password: "_s; }));
    owner.write("first-password\r");
    QVERIFY(owner.waitFor([&] { return owner.currentLine() == u"New password: "_s; }));
    owner.write("second-password\r");
    QVERIFY(owner.waitFor([&] { return owner.currentLine() == u"The same password again: "_s; }));
    owner.write("second-password\r");
    QVERIFY2(owner.waitFor([&] { return owner.text().contains(u"Password changed"_s); }, 20000),
             qPrintable(owner.text()));
    QVERIFY(!owner.output().contains("-password"));
    owner.write("/quit\r");
    QCOMPARE(owner.waitForExit(), 0);

    CliProcess old;
    startWithPassword(old, cliArguments(server.port(), u"alice"_s, { u"--login"_s }),
                      u"first-password"_s);
    QCOMPARE(old.waitForExit(20000), 6);
    CliProcess renewed;
    startWithPassword(renewed, cliArguments(server.port(), u"alice"_s, { u"--login"_s }),
                      u"second-password"_s);
    renewed.closeInput();
    QCOMPARE(renewed.waitForExit(20000), 0);
}

void TestCliAccounts::traceHidesThePassword()
{
    ServerProcess server;
    QVERIFY(server.start());
    CliProcess cli;
    startWithPassword(cli,
                      cliArguments(server.port(), u"alice"_s, { u"--register"_s, u"--trace"_s }),
                      u"correct horse"_s);
    QVERIFY2(cli.waitForError("welcome", 20000), cli.standardError().constData());
    cli.closeInput();
    QCOMPARE(cli.waitForExit(20000), 0);
    const QByteArray trace = cli.standardError();
    QVERIFY2(trace.contains("\"password\":\"***\""), trace.constData());
    QVERIFY(!trace.contains("correct horse"));
    QVERIFY2(trace.contains("\"token\":\"***\""), trace.constData());
}

// /history @NAME pages back through a conversation the server kept.
void TestCliAccounts::showsAPrivateConversationsHistory()
{
    ServerProcess server;
    QVERIFY(server.start());
    RawClient bob;
    RawClient earlier; // alice, from another client
    for (const auto &[client, name] :
         { std::pair { &bob, u"bob"_s }, std::pair { &earlier, u"alice"_s } }) {
        QVERIFY(client->connectTo(server.port()));
        client->sendObject(Protocol::passwordJoin(name, u"correct horse"_s, true));
        QVERIFY(!client->waitFor(u"welcome"_s, 20000).isEmpty());
    }
    earlier.sendObject(Protocol::privateMessage(u"bob"_s, u"first from alice"_s));
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"first from alice"_s);
    bob.sendObject(Protocol::privateMessage(u"alice"_s, u"then bob"_s));
    QCOMPARE(earlier.waitFor(u"message"_s).value(u"data"_s).toString(), u"then bob"_s);
    earlier.socket().disconnectFromHost();
    QVERIFY(earlier.waitForClosed());

    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(server.port(), u"alice"_s, { u"--login"_s }),
                      { u"PYNET_PASSWORD=correct horse"_s }));
    QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"alice #general> "_s; }, 20000),
             qPrintable(cli.text()));
    cli.write("/history @bob 1\r");
    QVERIFY2(cli.waitFor([&] { return cli.text().contains(u"/history @bob shows more."_s); }),
             qPrintable(cli.text()));
    QVERIFY(cli.text().contains(u"Older private messages with bob:"_s));
    QVERIFY(cli.text().contains(u"then bob"_s));
    QVERIFY(!cli.text().contains(u"first from alice"_s));
    cli.write("/history @bob\r");
    QVERIFY2(cli.waitFor([&] {
        return cli.text().contains(u"That is the beginning of your conversation with bob."_s);
    }),
             qPrintable(cli.text()));
    // Our own line, shown as ours, to bob.
    QVERIFY2(cli.text().contains(u"[you → bob] first from alice"_s), qPrintable(cli.text()));
    QCOMPARE(cli.text().count(u"then bob"_s), 1);
    cli.write("/history @nobody\r");
    QVERIFY2(cli.waitFor([&] { return cli.text().contains(u"nobody has no account"_s); }),
             qPrintable(cli.text()));
    cli.write("/quit\r");
    QCOMPARE(cli.waitForExit(), 0);
}

QTEST_GUILESS_MAIN(TestCliAccounts)
#include "tst_cliaccounts.moc"
