// SPDX-License-Identifier: MIT
#include "chatcommand.h"
#include "protocol.h"

#include <QTest>

using Kind = ChatCommand::Kind;

class TestChatCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void moderation_data();
    void moderation();
    void helpListsOnlyKnownCommands();
    void numbers();
};

void TestChatCommand::parse_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QStringList>("knownUsers");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("errorContains");

    const QStringList none;
    const QStringList online { QStringLiteral("Ann"), QStringLiteral("Ann Lee"),
                               QStringLiteral("Bob"), QStringLiteral("\u674e\u5c0f\u9f99") };
    const QString msgUsage = QStringLiteral("Usage: /msg NAME TEXT");

    QTest::newRow("empty") << QString() << none << Kind::None << QString() << QString()
                           << QString();
    QTest::newRow("blank") << QStringLiteral("  \t ") << none << Kind::None << QString()
                           << QString() << QString();
    QTest::newRow("chat") << QStringLiteral("Hello World!") << none << Kind::Chat << QString()
                          << QStringLiteral("Hello World!") << QString();
    QTest::newRow("chat keeps its spaces")
        << QStringLiteral("  indented ") << none << Kind::Chat << QString()
        << QStringLiteral("  indented ") << QString();
    QTest::newRow("chat, emoji") << QStringLiteral("\U0001F600 \u4f60\u597d") << none << Kind::Chat
                                 << QString() << QStringLiteral("\U0001F600 \u4f60\u597d")
                                 << QString();
    QTest::newRow("slash inside is chat") << QStringLiteral("and/or") << none << Kind::Chat
                                          << QString() << QStringLiteral("and/or") << QString();
    QTest::newRow("//text sends /text")
        << QStringLiteral("//me is not a command") << none << Kind::Chat << QString()
        << QStringLiteral("/me is not a command") << QString();
    QTest::newRow("// alone sends /") << QStringLiteral("//") << none << Kind::Chat << QString()
                                      << QStringLiteral("/") << QString();

    QTest::newRow("quit as in the seed")
        << QStringLiteral("quit") << none << Kind::Quit << QString() << QString() << QString();
    QTest::newRow("Quit, spaced") << QStringLiteral("  QUIT ") << none << Kind::Quit << QString()
                                  << QString() << QString();
    QTest::newRow("quit in a sentence is chat")
        << QStringLiteral("quit it") << none << Kind::Chat << QString() << QStringLiteral("quit it")
        << QString();
    QTest::newRow("/quit") << QStringLiteral("/quit") << none << Kind::Quit << QString()
                           << QString() << QString();
    QTest::newRow("/exit") << QStringLiteral("/exit") << none << Kind::Quit << QString()
                           << QString() << QString();

    QTest::newRow("/help") << QStringLiteral("/help") << none << Kind::Help << QString()
                           << QString() << QString();
    QTest::newRow("/?") << QStringLiteral("/?") << none << Kind::Help << QString() << QString()
                        << QString();
    QTest::newRow("/who") << QStringLiteral("/who") << none << Kind::Who << QString() << QString()
                          << QString();
    QTest::newRow("/users") << QStringLiteral("/users") << none << Kind::Who << QString()
                            << QString() << QString();
    QTest::newRow("/NAMES") << QStringLiteral("/NAMES") << none << Kind::Who << QString()
                            << QString() << QString();

    QTest::newRow("/me") << QStringLiteral("/me waves  twice ") << none << Kind::Action << QString()
                         << QStringLiteral("waves  twice") << QString();
    QTest::newRow("/ME") << QStringLiteral("/ME waves") << none << Kind::Action << QString()
                         << QStringLiteral("waves") << QString();
    QTest::newRow("/me without text")
        << QStringLiteral("/me   ") << none << Kind::Invalid << QString() << QString()
        << QStringLiteral("Usage: /me TEXT");

    QTest::newRow("/msg") << QStringLiteral("/msg Bob lunch?  now") << none << Kind::Private
                          << QStringLiteral("Bob") << QStringLiteral("lunch?  now") << QString();
    QTest::newRow("/query with text") << QStringLiteral("/query Bob hi") << none << Kind::Query
                                      << QStringLiteral("Bob") << QStringLiteral("hi") << QString();
    QTest::newRow("/query") << QStringLiteral("/query Bob") << none << Kind::Query
                            << QStringLiteral("Bob") << QString() << QString();
    QTest::newRow("/query name with a space")
        << QStringLiteral("/query ann lee") << online << Kind::Query << QStringLiteral("Ann Lee")
        << QString() << QString();
    QTest::newRow("/query name with a space and text")
        << QStringLiteral("/query Ann Lee hi there") << online << Kind::Query
        << QStringLiteral("Ann Lee") << QStringLiteral("hi there") << QString();
    QTest::newRow("/query without name")
        << QStringLiteral("/query  ") << none << Kind::Invalid << QString() << QString()
        << QStringLiteral("Usage: /query NAME [TEXT]");
    QTest::newRow("/msg unknown user still sent")
        << QStringLiteral("/msg Carol hi") << online << Kind::Private << QStringLiteral("Carol")
        << QStringLiteral("hi") << QString();
    QTest::newRow("/msg name with a space")
        << QStringLiteral("/msg Ann Lee are you there?") << online << Kind::Private
        << QStringLiteral("Ann Lee") << QStringLiteral("are you there?") << QString();
    QTest::newRow("/msg name with a space, other case")
        << QStringLiteral("/msg ann lee hi") << online << Kind::Private << QStringLiteral("Ann Lee")
        << QStringLiteral("hi") << QString();
    QTest::newRow("/msg shorter name")
        << QStringLiteral("/msg Ann Leeds is nice") << online << Kind::Private
        << QStringLiteral("Ann") << QStringLiteral("Leeds is nice") << QString();
    QTest::newRow("/msg CJK name")
        << QStringLiteral("/msg \u674e\u5c0f\u9f99 \u4f60\u597d") << online << Kind::Private
        << QStringLiteral("\u674e\u5c0f\u9f99") << QStringLiteral("\u4f60\u597d") << QString();
    QTest::newRow("/msg without anything")
        << QStringLiteral("/msg") << none << Kind::Invalid << QString() << QString() << msgUsage;
    QTest::newRow("/msg without text") << QStringLiteral("/msg Bob  ") << none << Kind::Invalid
                                       << QString() << QString() << msgUsage;
    // Not a message "Lee" to Ann: the whole argument is an online name.
    QTest::newRow("/msg name with a space, without text")
        << QStringLiteral("/msg Ann Lee") << online << Kind::Invalid << QString() << QString()
        << msgUsage;

    QTest::newRow("/join") << QStringLiteral("/join #dev") << none << Kind::Join
                           << QStringLiteral("#dev") << QString() << QString();
    QTest::newRow("/join without #") << QStringLiteral("/j dev") << none << Kind::Join
                                     << QStringLiteral("#dev") << QString() << QString();
    QTest::newRow("/join two rooms")
        << QStringLiteral("/join #a #b") << none << Kind::Invalid << QString() << QString()
        << QStringLiteral("Usage: /join #ROOM");
    QTest::newRow("/join nothing") << QStringLiteral("/join") << none << Kind::Invalid << QString()
                                   << QString() << QStringLiteral("Usage: /join");
    QTest::newRow("/part current")
        << QStringLiteral("/part") << none << Kind::Part << QString() << QString() << QString();
    QTest::newRow("/part named") << QStringLiteral("/part #Dev") << none << Kind::Part
                                 << QStringLiteral("#Dev") << QString() << QString();
    QTest::newRow("/rooms") << QStringLiteral("/rooms") << none << Kind::Rooms << QString()
                            << QString() << QString();
    QTest::newRow("/topic shown") << QStringLiteral("/topic") << none << Kind::Topic << QString()
                                  << QString() << QString();
    QTest::newRow("/topic set") << QStringLiteral("/topic Release on Friday") << none << Kind::Topic
                                << QString() << QStringLiteral("Release on Friday") << QString();
    QTest::newRow("/window without a number")
        << QStringLiteral("/window") << none << Kind::Invalid << QString() << QString()
        << QStringLiteral("Usage: /window N");
    QTest::newRow("/history not a number")
        << QStringLiteral("/history lots") << none << Kind::Invalid << QString() << QString()
        << QStringLiteral("Usage: /history [N] or /history @NAME [N]");
    QTest::newRow("/history of a conversation")
        << QStringLiteral("/history @bob") << none << Kind::History << QStringLiteral("bob")
        << QString() << QString();
    QTest::newRow("/history of a conversation with a spaced name")
        << QStringLiteral("/history @Ann Lee 20") << none << Kind::History
        << QStringLiteral("Ann Lee") << QString() << QString();
    QTest::newRow("/history @ alone")
        << QStringLiteral("/history @") << none << Kind::Invalid << QString() << QString()
        << QStringLiteral("Usage: /history [N] or /history @NAME [N]");

    QTest::newRow("unknown command")
        << QStringLiteral("/dance wildly") << none << Kind::Invalid << QString() << QString()
        << QStringLiteral("Unknown command /dance");
    QTest::newRow("slash alone") << QStringLiteral("/") << none << Kind::Invalid << QString()
                                 << QString() << QStringLiteral("Unknown command");
}

void TestChatCommand::parse()
{
    QFETCH(QString, line);
    QFETCH(QStringList, knownUsers);
    QFETCH(Kind, kind);
    QFETCH(QString, target);
    QFETCH(QString, text);
    QFETCH(QString, errorContains);

    const ChatCommand command = ChatCommand::parse(line, knownUsers);
    QCOMPARE(command.kind, kind);
    QCOMPARE(command.target, target);
    QCOMPARE(command.text, text);
    if (errorContains.isEmpty())
        QVERIFY2(command.error.isEmpty(), qPrintable(command.error));
    else
        QVERIFY2(command.error.contains(errorContains), qPrintable(command.error));
}

void TestChatCommand::moderation_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QStringList>("knownUsers");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QString>("errorContains");

    namespace Action = Protocol::Moderation;
    const QStringList none;
    const QStringList members { QStringLiteral("Ann"), QStringLiteral("Ann Lee"),
                                QStringLiteral("Bob") };

    QTest::newRow("/kick with a reason")
        << QStringLiteral("/kick bob spam, twice") << none << Kind::Moderate
        << QString(Action::Kick) << QStringLiteral("bob") << QStringLiteral("spam, twice")
        << QString();
    QTest::newRow("/kick without a reason")
        << QStringLiteral("/KICK  bob ") << none << Kind::Moderate << QString(Action::Kick)
        << QStringLiteral("bob") << QString() << QString();
    QTest::newRow("/kick a name with a space")
        << QStringLiteral("/kick ann lee flooding") << members << Kind::Moderate
        << QString(Action::Kick) << QStringLiteral("Ann Lee") << QStringLiteral("flooding")
        << QString();
    QTest::newRow("/kick the shorter name")
        << QStringLiteral("/kick Ann Leeds spam") << members << Kind::Moderate
        << QString(Action::Kick) << QStringLiteral("Ann") << QStringLiteral("Leeds spam")
        << QString();
    QTest::newRow("/kick a whole name, no reason")
        << QStringLiteral("/kick Ann Lee") << members << Kind::Moderate << QString(Action::Kick)
        << QStringLiteral("Ann Lee") << QString() << QString();
    QTest::newRow("/kick nobody") << QStringLiteral("/kick") << none << Kind::Invalid << QString()
                                  << QString() << QString()
                                  << QStringLiteral("Usage: /kick NAME [REASON]");
    QTest::newRow("/ban with a reason")
        << QStringLiteral("/ban Bob keeps spamming") << members << Kind::Moderate
        << QString(Action::Ban) << QStringLiteral("Bob") << QStringLiteral("keeps spamming")
        << QString();
    QTest::newRow("/ban nobody") << QStringLiteral("/ban  ") << none << Kind::Invalid << QString()
                                 << QString() << QString()
                                 << QStringLiteral("Usage: /ban NAME [REASON]");
    QTest::newRow("/mute with a reason")
        << QStringLiteral("/mute Bob calm down") << none << Kind::Moderate << QString(Action::Mute)
        << QStringLiteral("Bob") << QStringLiteral("calm down") << QString();
    // Nobody left in the room to match: the whole argument is the name.
    QTest::newRow("/unban a name with a space")
        << QStringLiteral("/unban Carl Jung") << none << Kind::Moderate << QString(Action::Unban)
        << QStringLiteral("Carl Jung") << QString() << QString();
    QTest::newRow("/unmute") << QStringLiteral("/unmute Bob") << none << Kind::Moderate
                             << QString(Action::Unmute) << QStringLiteral("Bob") << QString()
                             << QString();
    QTest::newRow("/op") << QStringLiteral("/op Bob") << none << Kind::Moderate
                         << QString(Action::Op) << QStringLiteral("Bob") << QString() << QString();
    QTest::newRow("/deop") << QStringLiteral("/deop Ann Lee") << members << Kind::Moderate
                           << QString(Action::Deop) << QStringLiteral("Ann Lee") << QString()
                           << QString();
    QTest::newRow("/invite") << QStringLiteral("/invite Dora") << members << Kind::Moderate
                             << QString(Action::Invite) << QStringLiteral("Dora") << QString()
                             << QString();
    QTest::newRow("/op nobody") << QStringLiteral("/op") << none << Kind::Invalid << QString()
                                << QString() << QString() << QStringLiteral("Usage: /op NAME");
    QTest::newRow("/invite nobody")
        << QStringLiteral("/invite") << none << Kind::Invalid << QString() << QString() << QString()
        << QStringLiteral("Usage: /invite NAME");

    QTest::newRow("/mode +i") << QStringLiteral("/mode +i") << none << Kind::Moderate
                              << QString(Action::InviteOnly) << QString() << QString() << QString();
    QTest::newRow("/mode -i") << QStringLiteral("/mode -i") << none << Kind::Moderate
                              << QString(Action::Open) << QString() << QString() << QString();
    QTest::newRow("/mode +t") << QStringLiteral("/MODE  +t ") << none << Kind::Moderate
                              << QString(Action::LockTopic) << QString() << QString() << QString();
    QTest::newRow("/mode -t") << QStringLiteral("/mode -t") << none << Kind::Moderate
                              << QString(Action::UnlockTopic) << QString() << QString()
                              << QString();
    QTest::newRow("/mode alone shows them") << QStringLiteral("/mode") << none << Kind::Modes
                                            << QString() << QString() << QString() << QString();
    QTest::newRow("/mode of a mode it does not know")
        << QStringLiteral("/mode +k secret") << none << Kind::Invalid << QString() << QString()
        << QString() << QStringLiteral("Usage: /mode [+i|-i|+t|-t]");
    QTest::newRow("/mode two at once")
        << QStringLiteral("/mode +it") << none << Kind::Invalid << QString() << QString()
        << QString() << QStringLiteral("Usage: /mode");
}

void TestChatCommand::moderation()
{
    QFETCH(QString, line);
    QFETCH(QStringList, knownUsers);
    QFETCH(Kind, kind);
    QFETCH(QString, action);
    QFETCH(QString, target);
    QFETCH(QString, reason);
    QFETCH(QString, errorContains);

    const ChatCommand command = ChatCommand::parse(line, knownUsers);
    QCOMPARE(command.kind, kind);
    QCOMPARE(command.action, action);
    QCOMPARE(command.target, target);
    QCOMPARE(command.text, reason);
    if (errorContains.isEmpty())
        QVERIFY2(command.error.isEmpty(), qPrintable(command.error));
    else
        QVERIFY2(command.error.contains(errorContains), qPrintable(command.error));
    // Every action parsed is one the protocol has, with a target when it needs one.
    if (kind == Kind::Moderate) {
        QVERIFY(Protocol::Moderation::isAction(command.action));
        QCOMPARE(Protocol::Moderation::takesTarget(command.action), !command.target.isEmpty());
    }
}

void TestChatCommand::helpListsOnlyKnownCommands()
{
    const QStringList lines = ChatCommand::helpLines();
    QVERIFY(lines.size() >= 5);
    for (const QString &line : lines) {
        const QString command = line.section(u' ', 0, 0);
        QVERIFY2(command.startsWith(u'/'), qPrintable(line));
        const ChatCommand parsed = ChatCommand::parse(command);
        QVERIFY2(!parsed.error.startsWith(QStringLiteral("Unknown")), qPrintable(line));
    }
}

void TestChatCommand::numbers()
{
    QCOMPARE(ChatCommand::parse(QStringLiteral("/window 2")).number, 2);
    QCOMPARE(ChatCommand::parse(QStringLiteral("/win 10")).kind, Kind::Window);
    QCOMPARE(ChatCommand::parse(QStringLiteral("/history 50")).number, 50);
    QCOMPARE(ChatCommand::parse(QStringLiteral("/history")).number, 0);
    QCOMPARE(ChatCommand::parse(QStringLiteral("/history @Ann Lee 20")).number, 20);
    QCOMPARE(ChatCommand::parse(QStringLiteral("/history @bob")).number, 0);
    QCOMPARE(ChatCommand::parse(QStringLiteral("/window 0")).kind, Kind::Invalid);
}

QTEST_GUILESS_MAIN(TestChatCommand)
#include "tst_chatcommand.moc"
