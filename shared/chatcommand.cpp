// SPDX-License-Identifier: MIT
#include "chatcommand.h"

#include "protocol.h"

static ChatCommand invalid(const QString &error)
{
    ChatCommand command;
    command.kind = ChatCommand::Kind::Invalid;
    command.error = error;
    return command;
}

static ChatCommand withText(ChatCommand::Kind kind, const QString &text, const QString &target = {})
{
    ChatCommand command;
    command.kind = kind;
    command.text = text;
    command.target = target;
    return command;
}

// Splits "/msg" arguments into recipient and text.
static ChatCommand parsePrivate(const QString &arguments, const QStringList &knownUsers)
{
    const QString usage = QStringLiteral("Usage: /msg NAME TEXT");
    QString best;
    for (const QString &user : knownUsers) {
        // "/msg Ann Lee" names someone online and forgot the text; it is not
        // "Lee" for Ann.
        if (arguments.compare(user, Qt::CaseInsensitive) == 0)
            return invalid(usage);
        const bool matches = arguments.size() > user.size()
            && arguments.startsWith(user, Qt::CaseInsensitive)
            && arguments.at(user.size()).isSpace();
        if (matches && user.size() > best.size())
            best = user;
    }
    QString target = best;
    if (target.isEmpty())
        target = arguments.section(u' ', 0, 0, QString::SectionSkipEmpty);
    const QString text = arguments.mid(target.size()).trimmed();
    if (target.isEmpty() || text.isEmpty())
        return invalid(usage);
    return withText(ChatCommand::Kind::Private, text, target);
}

// "/query NAME [TEXT]": like /msg, but the text may be left out.
static ChatCommand parseQuery(const QString &arguments, const QStringList &knownUsers)
{
    if (arguments.isEmpty())
        return invalid(QStringLiteral("Usage: /query NAME [TEXT]"));
    for (const QString &user : knownUsers) {
        if (arguments.compare(user, Qt::CaseInsensitive) == 0)
            return withText(ChatCommand::Kind::Query, {}, user);
    }
    if (!arguments.contains(u' '))
        return withText(ChatCommand::Kind::Query, {}, arguments);
    ChatCommand command = parsePrivate(arguments, knownUsers);
    if (command.kind == ChatCommand::Kind::Private)
        command.kind = ChatCommand::Kind::Query;
    else
        command.error = QStringLiteral("Usage: /query NAME [TEXT]");
    return command;
}

// "dev" is taken for "#dev", as irssi users type it either way.
static QString roomArgument(const QString &argument)
{
    if (argument.isEmpty() || argument.startsWith(u'#'))
        return argument;
    return u'#' + argument;
}

// "/kick Ann Lee spam": the longest online name the arguments start with, as
// /msg finds it, then the reason; without a match, the first word is the name.
static ChatCommand parseModerationWithReason(const QString &action, const QString &arguments,
                                             const QStringList &knownUsers, const QString &usage)
{
    if (arguments.isEmpty())
        return invalid(usage);
    QString best;
    for (const QString &user : knownUsers) {
        const bool matches = arguments.startsWith(user, Qt::CaseInsensitive)
            && (arguments.size() == user.size() || arguments.at(user.size()).isSpace());
        if (matches && user.size() > best.size())
            best = user;
    }
    const QString target =
        best.isEmpty() ? arguments.section(u' ', 0, 0, QString::SectionSkipEmpty) : best;
    ChatCommand command =
        withText(ChatCommand::Kind::Moderate, arguments.mid(target.size()).trimmed(), target);
    command.action = action;
    return command;
}

// "/op Ann Lee": no reason follows, so the whole argument is the name, online or not.
static ChatCommand parseModerationOfName(const QString &action, const QString &arguments,
                                         const QString &usage)
{
    if (arguments.isEmpty())
        return invalid(usage);
    ChatCommand command = withText(ChatCommand::Kind::Moderate, {}, arguments);
    command.action = action;
    return command;
}

// irssi's channel modes, the two that rooms have: +i invite only, +t topic locked.
static ChatCommand parseMode(const QString &arguments)
{
    if (arguments.isEmpty())
        return withText(ChatCommand::Kind::Modes, {});
    namespace Action = Protocol::Moderation;
    QString action;
    if (arguments == u"+i")
        action = Action::InviteOnly;
    else if (arguments == u"-i")
        action = Action::Open;
    else if (arguments == u"+t")
        action = Action::LockTopic;
    else if (arguments == u"-t")
        action = Action::UnlockTopic;
    else
        return invalid(QStringLiteral("Usage: /mode [+i|-i|+t|-t]: +i invite only, +t only "
                                      "operators set the topic; - turns it off."));
    ChatCommand command = withText(ChatCommand::Kind::Moderate, {});
    command.action = action;
    return command;
}

static ChatCommand withNumber(ChatCommand::Kind kind, const QString &arguments, bool required,
                              const QString &usage)
{
    ChatCommand command = withText(kind, {});
    if (arguments.isEmpty() && !required)
        return command;
    bool ok = false;
    command.number = arguments.toInt(&ok);
    if (!ok || command.number < 1)
        return invalid(usage);
    return command;
}

// "/history [N]" for the room, "/history @NAME [N]" for a private
// conversation; a name may hold spaces, so N is the last word when it is a number.
static ChatCommand parseHistory(const QString &arguments)
{
    const QString usage = QStringLiteral("Usage: /history [N] or /history @NAME [N]");
    if (!arguments.startsWith(u'@'))
        return withNumber(ChatCommand::Kind::History, arguments, false, usage);
    QString target = arguments.mid(1).trimmed();
    QString number;
    if (const qsizetype space = target.lastIndexOf(u' '); space > 0) {
        bool isNumber = false;
        target.mid(space + 1).toInt(&isNumber);
        if (isNumber) {
            number = target.mid(space + 1);
            target = target.left(space).trimmed();
        }
    }
    if (target.isEmpty())
        return invalid(usage);
    ChatCommand command = withNumber(ChatCommand::Kind::History, number, false, usage);
    if (command.kind == ChatCommand::Kind::History)
        command.target = target;
    return command;
}

ChatCommand ChatCommand::parse(const QString &line, const QStringList &knownUsers)
{
    const QString trimmed = line.trimmed();
    if (trimmed.isEmpty())
        return {};
    if (trimmed.compare(QLatin1StringView("quit"), Qt::CaseInsensitive) == 0)
        return withText(Kind::Quit, {});
    if (!trimmed.startsWith(u'/'))
        return withText(Kind::Chat, line);
    if (trimmed.startsWith(QLatin1StringView("//")))
        return withText(Kind::Chat, trimmed.mid(1)); // "//etc" sends "/etc"

    const qsizetype space = trimmed.indexOf(u' ');
    const QString name = trimmed.mid(1, space < 0 ? -1 : space - 1).toLower();
    const QString arguments = space < 0 ? QString() : trimmed.mid(space + 1).trimmed();

    if (name == u"help" || name == u"?")
        return withText(Kind::Help, {});
    if (name == u"who" || name == u"users" || name == u"names")
        return withText(Kind::Who, {});
    if (name == u"quit" || name == u"exit")
        return withText(Kind::Quit, {});
    if (name == u"me") {
        if (arguments.isEmpty())
            return invalid(QStringLiteral("Usage: /me TEXT"));
        return withText(Kind::Action, arguments);
    }
    if (name == u"join" || name == u"j") {
        if (arguments.isEmpty() || arguments.contains(u' '))
            return invalid(QStringLiteral("Usage: /join #ROOM"));
        return withText(Kind::Join, {}, roomArgument(arguments));
    }
    if (name == u"part" || name == u"leave") {
        if (arguments.contains(u' '))
            return invalid(QStringLiteral("Usage: /part [#ROOM]"));
        return withText(Kind::Part, {}, roomArgument(arguments));
    }
    if (name == u"rooms" || name == u"list")
        return withText(Kind::Rooms, {});
    if (name == u"topic")
        return withText(Kind::Topic, arguments);
    if (name == u"history")
        return parseHistory(arguments);
    if (name == u"window" || name == u"win")
        return withNumber(Kind::Window, arguments, true, QStringLiteral("Usage: /window N"));
    if (name == u"password" || name == u"passwd") {
        if (!arguments.isEmpty())
            return invalid(QStringLiteral("Type /password alone: it asks for the old and the new "
                                          "password without showing them."));
        return withText(Kind::Password, {});
    }
    namespace Action = Protocol::Moderation;
    for (const QLatin1StringView action : { Action::Kick, Action::Ban, Action::Mute }) {
        if (name == action)
            return parseModerationWithReason(
                action, arguments, knownUsers,
                QStringLiteral("Usage: /%1 NAME [REASON]").arg(action));
    }
    for (const QLatin1StringView action :
         { Action::Unban, Action::Unmute, Action::Op, Action::Deop, Action::Invite }) {
        if (name == action)
            return parseModerationOfName(action, arguments,
                                         QStringLiteral("Usage: /%1 NAME").arg(action));
    }
    if (name == u"mode")
        return parseMode(arguments);
    if (name == u"msg")
        return parsePrivate(arguments, knownUsers);
    if (name == u"query")
        return parseQuery(arguments, knownUsers);
    return invalid(
        QStringLiteral("Unknown command /%1. Type /help for the list of commands.").arg(name));
}

bool ChatCommand::mayKeepInHistory(const QString &line)
{
    const QString command = line.trimmed().section(u' ', 0, 0).toLower();
    return command != u"/password" && command != u"/passwd";
}

QStringList ChatCommand::helpLines()
{
    return {
        QStringLiteral("/help              this list"),
        QStringLiteral("/who               who is in the current room"),
        QStringLiteral("/join #ROOM        enter a room (created when new); it becomes current"),
        QStringLiteral("/part [#ROOM]      leave a room, the current one without a name"),
        QStringLiteral("/rooms             the rooms on the server, with topics and sizes"),
        QStringLiteral("/topic [TEXT]      show the current room's topic, or set it"),
        QStringLiteral("/history [N]       N older messages of the current room"),
        QStringLiteral("/history @NAME [N] older messages of your conversation with NAME"),
        QStringLiteral("/window N          switch to the Nth room you joined"),
        QStringLiteral("/msg NAME TEXT     a private message to NAME; you stay where you are"),
        QStringLiteral("/query NAME [TEXT] talk privately with NAME (a tab of its own here)"),
        QStringLiteral("/me TEXT           an action: \"* you TEXT\""),
        QStringLiteral("/password          change your account's password (asked, not shown)"),
        QStringLiteral("/kick NAME [WHY]   put NAME out of the room (they may come back)"),
        QStringLiteral("/ban NAME [WHY]    put NAME out and keep them out"),
        QStringLiteral("/unban NAME        let NAME in again"),
        QStringLiteral("/mute NAME [WHY]   NAME stays but may not write"),
        QStringLiteral("/unmute NAME       NAME may write again"),
        QStringLiteral("/invite NAME       let NAME into an invite-only room"),
        QStringLiteral("/op NAME           make NAME an operator (owner, admins)"),
        QStringLiteral("/deop NAME         NAME is an operator no more (owner, admins)"),
        QStringLiteral("/mode +i, /mode -i invite only, or open to all"),
        QStringLiteral("/mode +t, /mode -t only operators set the topic, or everyone"),
        QStringLiteral("/mode              the room's owner, operators and settings"),
        QStringLiteral("/quit              leave (\"quit\" alone works too)"),
        QStringLiteral("//TEXT             send a message that starts with /"),
    };
}
