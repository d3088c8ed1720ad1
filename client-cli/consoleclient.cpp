// SPDX-License-Identifier: MIT
#include "consoleclient.h"

#include "displaytext.h"
#include "lineeditor.h"
#include "passwordprompt.h"
#include "protocol.h"
#include "signalwatcher.h"
#include "stdinreader.h"
#include "terminalprinter.h"
#include "validation.h"

#include <QCoreApplication>

#include <algorithm>

#include <csignal>
#include <cstdio>
#include <unistd.h>

// A server's name with the address tried, when that is not the name itself.
static QString describeTarget(const ServerEndpoint &server, const QHostAddress &address)
{
    if (address.isNull() || QHostAddress(server.host) == address)
        return server.toString();
    return QStringLiteral("%1 (%2)").arg(server.toString(), address.toString());
}

ConsoleClient::ConsoleClient(const CliOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_client(new ChatClient(this))
    , m_printer(new TerminalPrinter(this))
    , m_signals(new SignalWatcher(this))
    , m_interactive(::isatty(STDIN_FILENO) && (::isatty(STDOUT_FILENO) || ::isatty(STDERR_FILENO)))
{
    m_client->setClientName(
        QStringLiteral("pynet-cli %1").arg(QCoreApplication::applicationVersion()));
    m_client->setAutoReconnect(m_options.reconnect);
    m_client->setConnectTimeout(m_options.connectTimeoutMs);
    // The server drops what comes faster than its rate; the session paces to it.
    m_client->setSendRate(m_options.rate);
    m_printer->setJsonOutput(m_options.json);
    if (m_options.trace) {
        m_client->setTraceEnabled(true);
        connect(m_client, &ChatClient::wireEvent, m_printer, &TerminalPrinter::printTrace);
    }

    connect(m_client, &ChatClient::statusChanged, this, &ConsoleClient::onStatusChanged);
    connect(m_client, &ChatClient::joined, this, &ConsoleClient::onJoined);
    connect(m_client, &ChatClient::messageReceived, this, &ConsoleClient::onMessageReceived);
    connect(m_client, &ChatClient::userJoined, this,
            [this](const QString &name, const QString &room) { onPresence(name, room, true); });
    connect(m_client, &ChatClient::userLeft, this,
            [this](const QString &name, const QString &room) { onPresence(name, room, false); });
    connect(m_client, &ChatClient::roomEntered, this, &ConsoleClient::onRoomEntered);
    connect(m_client, &ChatClient::roomLeft, this, &ConsoleClient::onRoomLeft);
    connect(m_client, &ChatClient::roomsListed, this, &ConsoleClient::onRoomsListed);
    connect(m_client, &ChatClient::topicChanged, this, &ConsoleClient::onTopicChanged);
    connect(m_client, &ChatClient::moderated, this, &ConsoleClient::onModerated);
    connect(m_client, &ChatClient::historyReceived, this, &ConsoleClient::onHistoryReceived);
    connect(m_client, &ChatClient::privateHistoryReceived, this,
            &ConsoleClient::onPrivateHistoryReceived);
    connect(m_client, &ChatClient::privateHistoryFailed, this,
            [this](const QString &, const QString &, const QString &text) {
                m_printer->printError(text);
            });
    connect(m_client, &ChatClient::usersChanged, this, &ConsoleClient::updateCompletions);
    connect(m_client, &ChatClient::noticeReceived, m_printer,
            [this](const QString &text) { m_printer->printNotice(text); });
    connect(m_client, &ChatClient::errorReceived, this, &ConsoleClient::onErrorReceived);
    connect(m_client, &ChatClient::nameRefused, this, &ConsoleClient::onNameRefused);
    connect(m_client, &ChatClient::loginRefused, this, &ConsoleClient::onLoginRefused);
    connect(m_client, &ChatClient::passwordChanged, this, [this] {
        m_printer->printStatus(
            QStringLiteral("Password changed. Your account's other logins must log in again."));
    });
    connect(m_client, &ChatClient::connectionError, this, &ConsoleClient::onConnectionError);
    connect(m_client, &ChatClient::reconnectScheduled, this, &ConsoleClient::onReconnectScheduled);
    connect(m_client, &ChatClient::connectingTo, this, &ConsoleClient::onConnectingTo);
    connect(m_client, &ChatClient::attemptFailed, this, &ConsoleClient::onAttemptFailed);
    connect(m_client, &ChatClient::eventReceived, m_printer, &TerminalPrinter::printEvent);
    connect(m_client, &ChatClient::usersListed, this, &ConsoleClient::onUsersListed);
    connect(m_client, &ChatClient::messageSent, this, &ConsoleClient::onMessageSent);
    connect(m_client, &ChatClient::sendFailed, this, &ConsoleClient::onSendFailed);
    connect(m_client, &ChatClient::disconnected, this, &ConsoleClient::onDisconnected);
    connect(m_client, &ChatClient::certificateNeedsTrust, this,
            &ConsoleClient::onCertificateNeedsTrust);
    connect(m_signals, &SignalWatcher::signalReceived, this, &ConsoleClient::onSignal);
    connect(m_printer, &TerminalPrinter::outputClosed, this, [this] { leave(ExitOk); });
}

ConsoleClient::~ConsoleClient()
{
    if (m_editor)
        m_editor->stop();
}

void ConsoleClient::start()
{
    for (int signal : { SIGINT, SIGTERM, SIGHUP })
        m_signals->watch(signal);
    std::signal(SIGPIPE, SIG_IGN);
    // Read once and taken out of the environment, where nothing else needs it.
    m_password = qEnvironmentVariable("PYNET_PASSWORD");
    qunsetenv("PYNET_PASSWORD");
    m_client->setTls(m_options.tls);
    QString caError;
    if (!m_client->setCaFile(m_options.caFile, &caError)) {
        m_printer->printError(caError);
        finish(ExitUsage);
        return;
    }

    if (m_interactive) {
        for (int signal : { SIGWINCH, SIGTSTP, SIGCONT })
            m_signals->watch(signal);
        m_editor = new LineEditor(::isatty(STDOUT_FILENO) ? stdout : stderr, this);
        m_passwordPrompt = new PasswordPrompt(m_editor->terminal(), this);
        connect(m_passwordPrompt, &PasswordPrompt::answered, this,
                &ConsoleClient::onPasswordAnswered);
        connect(m_passwordPrompt, &PasswordPrompt::cancelled, this,
                &ConsoleClient::onPasswordCancelled);
        m_printer->setEditor(m_editor);
        connect(m_editor, &LineEditor::lineEntered, this, &ConsoleClient::onLineEntered);
        connect(m_editor, &LineEditor::endOfInput, this, [this] { leave(ExitOk); });
        connect(m_editor, &LineEditor::nextWindowRequested, this, &ConsoleClient::switchToNext);
        updateCompletions();
        if (m_options.name.isEmpty())
            askForName(QStringLiteral("Your name: "));
        else
            connectAs(m_options.name);
        return;
    }

    if (m_options.name.isEmpty()) {
        m_printer->printError(
            QStringLiteral("--name is needed when stdin is not a terminal (see --help)."));
        finish(ExitUsage);
        return;
    }
    if (m_options.login && m_password.isEmpty()) {
        m_printer->printError(QStringLiteral("--login needs the password in the PYNET_PASSWORD "
                                             "environment variable when stdin is not a terminal."));
        finish(ExitLoginRefused);
        return;
    }
    m_stdinReader = new StdinReader(this);
    connect(m_stdinReader, &StdinReader::lineRead, this, &ConsoleClient::onPipedLine);
    connect(m_stdinReader, &StdinReader::finished, this, &ConsoleClient::onInputFinished);
    m_stdinReader->start();
    connectAs(m_options.name);
}

// Several servers to fail over between: the status lines say which one.
bool ConsoleClient::hasSeveralServers() const
{
    return m_options.servers.size() > 1;
}

QString ConsoleClient::serverAddress() const
{
    return ServerEndpoint::listToString(m_options.servers).replace(u',', QLatin1StringView(", "));
}

void ConsoleClient::askForName(const QString &question)
{
    m_askingName = true;
    m_editor->start(question.toUtf8(), false);
}

void ConsoleClient::connectAs(const QString &name)
{
    m_name = name;
    if (!m_options.login) {
        joinAs(name);
        return;
    }
    if (!m_password.isEmpty()) {
        m_client->setPassword(m_password, m_options.registerAccount);
        m_password.fill(u'\0');
        m_password.clear();
        joinAs(name);
        return;
    }
    askPassword(m_options.registerAccount ? PasswordQuestion::NewAccount : PasswordQuestion::Login);
}

void ConsoleClient::joinAs(const QString &name)
{
    if (m_editor)
        m_editor->start(m_printer->prompt(name, QStringLiteral("connecting")), true);
    if (m_connectStarted) {
        m_client->join(name);
        return;
    }
    m_connectStarted = true;
    if (!m_options.json)
        m_printer->printStatus(QStringLiteral("Connecting to %1 as %2…")
                                   .arg(serverAddress(), DisplayText::neutralized(name)));
    m_client->connectToServer(m_options.servers, name);
    if (!m_options.room.isEmpty()) {
        // Entered first once joined; piped lines wait for it in the session's queue.
        m_client->enterRoom(m_options.room);
        m_currentRoom = m_options.room;
        m_joinRequested = m_options.room;
    }
}

void ConsoleClient::updatePrompt()
{
    if (!m_editor || !m_editor->isActive() || m_askingName || m_askingTrust)
        return;
    QString state;
    switch (m_client->status()) {
    case ChatClient::Status::Joined:
        break;
    case ChatClient::Status::Connecting:
    case ChatClient::Status::Joining:
        state = m_everJoined ? QStringLiteral("rejoining") : QStringLiteral("connecting");
        break;
    case ChatClient::Status::Reconnecting:
    case ChatClient::Status::Disconnected:
        state = QStringLiteral("offline");
        break;
    }
    const QString name = m_client->name().isEmpty() ? m_name : m_client->name();
    m_editor->setPrompt(m_printer->prompt(name, state, m_currentRoom));
}

void ConsoleClient::updateCompletions()
{
    if (!m_editor)
        return;
    QStringList words {
        QStringLiteral("/help"),   QStringLiteral("/who"),   QStringLiteral("/msg"),
        QStringLiteral("/me"),     QStringLiteral("/join"),  QStringLiteral("/part"),
        QStringLiteral("/rooms"),  QStringLiteral("/topic"), QStringLiteral("/history"),
        QStringLiteral("/window"), QStringLiteral("/kick"),  QStringLiteral("/ban"),
        QStringLiteral("/unban"),  QStringLiteral("/mute"),  QStringLiteral("/unmute"),
        QStringLiteral("/op"),     QStringLiteral("/deop"),  QStringLiteral("/invite"),
        QStringLiteral("/mode"),   QStringLiteral("/quit")
    };
    for (const ChatRoom &room : m_client->rooms())
        words.append(room.name);
    for (const QString &user : m_client->users()) {
        if (!DisplayText::needsNeutralizing(user)) // never type a control character for the user
            words.append(user);
    }
    m_editor->setCompletions(words);
}

void ConsoleClient::onStatusChanged()
{
    updatePrompt();
}

void ConsoleClient::onJoined(bool afterReconnect)
{
    m_everJoined = true;
    const QString name = m_client->name();
    m_printer->setOwnName(name);
    updatePrompt();
    if (!m_options.json || m_interactive) {
        const QString shownName = DisplayText::neutralized(name);
        // Which of several: a server of the list, or an address of the name.
        const bool several = hasSeveralServers() || m_client->serverAddresses().size() > 1;
        const QString server = describeTarget(m_client->server(), m_client->serverAddress());
        const QString at = several ? QStringLiteral(" at %1").arg(server) : QString();
        if (afterReconnect) {
            m_printer->printStatus(
                QStringLiteral("Reconnected%1 as %2.")
                    .arg(several ? QStringLiteral(" to %1").arg(server) : QString(), shownName));
        } else if (m_client->serverSpeaksRichProtocol()) {
            QStringList users;
            for (const QString &user : m_client->users())
                users.append(DisplayText::neutralized(user));
            m_printer->printStatus(QStringLiteral("Joined %1 %2%3 as %4. Online (%5): %6.")
                                       .arg(DisplayText::neutralized(m_client->serverName()),
                                            DisplayText::neutralized(m_client->serverVersion()), at,
                                            shownName)
                                       .arg(users.size())
                                       .arg(users.join(QStringLiteral(", "))));
        } else {
            m_printer->printStatus(
                QStringLiteral("Joined%1 as %2. The server speaks only the seed protocol: "
                               "no user list, private messages or /me.")
                    .arg(at, shownName));
        }
        if (m_interactive && !afterReconnect)
            m_printer->printStatus(QStringLiteral("Type /help for commands, /quit to leave."));
    }
    // The welcome's history came before this signal; the queued lines follow it.
    const bool nothingMissed = afterReconnect && m_history.isEmpty();
    showHistory();
    if (nothingMissed && m_client->serverSpeaksRichProtocol() && !m_options.json)
        m_printer->printStatus(QStringLiteral("Nothing was said while you were away."));
    leaveWhenInputSent();
}

void ConsoleClient::onMessageReceived(const ChatMessage &message, bool fromHistory)
{
    if (fromHistory) {
        m_history.append(message); // shown with its heading once joined() says it is all in
        return;
    }
    showHistory();
    m_printer->printMessage(message, false, !isCurrent(message.room));
}

bool ConsoleClient::isCurrent(const QString &room) const
{
    return Validation::roomKey(room) == Validation::roomKey(m_currentRoom);
}

// room: the room answer's, named in the heading; empty for the welcome's.
void ConsoleClient::showHistory(const QString &room)
{
    if (m_history.isEmpty())
        return;
    const QString in = room.isEmpty() ? QString() : QStringLiteral(" in %1").arg(room);
    // Everything missed matters; of the room's past, a screenful is enough.
    const bool rejoined = m_client->isRejoin();
    const qsizetype shown =
        rejoined ? m_history.size() : qMin<qsizetype>(m_history.size(), RecentMessagesShown);
    if (!m_options.json) {
        if (rejoined)
            m_printer->printStatus(QStringLiteral("While you were away%1:").arg(in));
        else if (shown < m_history.size())
            m_printer->printStatus(QStringLiteral("The last %1 of %2 recent messages%3:")
                                       .arg(shown)
                                       .arg(m_history.size())
                                       .arg(in));
        else
            m_printer->printStatus(QStringLiteral("Recent messages%1:").arg(in));
    }
    for (qsizetype i = m_history.size() - shown; i < m_history.size(); ++i)
        m_printer->printMessage(m_history.at(i), true, !isCurrent(m_history.at(i).room));
    m_history.clear();
}

void ConsoleClient::onRoomEntered(const ChatRoom &room, bool afterReconnect)
{
    updateCompletions();
    if (m_client->status() != ChatClient::Status::Joined)
        return; // the welcome's: onJoined() shows it with the join
    const bool requested = Validation::roomKey(room.name) == Validation::roomKey(m_joinRequested);
    if (requested) {
        m_joinRequested.clear();
        m_currentRoom = room.name;
        updatePrompt();
    }
    const bool nothingMissed = afterReconnect && m_history.isEmpty();
    if (!m_options.json) {
        const QString name = DisplayText::neutralized(room.name);
        if (afterReconnect)
            m_printer->printStatus(QStringLiteral("Back in %1.").arg(name));
        else
            m_printer->printStatus(
                QStringLiteral("You are in %1 (%2 here)%3")
                    .arg(name)
                    .arg(room.userCount)
                    .arg(room.topic.isEmpty()
                             ? QStringLiteral(".")
                             : QStringLiteral(": %1").arg(DisplayText::neutralized(room.topic))));
    }
    showHistory(room.name);
    if (nothingMissed && !m_options.json)
        m_printer->printStatus(
            QStringLiteral("Nothing was said in %1 while you were away.").arg(room.name));
}

void ConsoleClient::onRoomLeft(const QString &room)
{
    updateCompletions();
    // Put out, we did not leave: the announcement above said who did it.
    const bool putOut = m_putOutOf.remove(Validation::roomKey(room));
    if (!m_options.json)
        m_printer->printStatus(
            (putOut ? QStringLiteral("You are no longer in %1.") : QStringLiteral("You left %1."))
                .arg(DisplayText::neutralized(room)));
    if (isCurrent(room)) {
        const QList<ChatRoom> rooms = m_client->rooms();
        switchTo(rooms.isEmpty() ? QString(Protocol::DefaultRoom) : rooms.constFirst().name);
    }
}

void ConsoleClient::onRoomsListed(const QList<Wire::RoomList::Entry> &rooms)
{
    QStringList lines;
    for (const Wire::RoomList::Entry &room : rooms) {
        QString line =
            QStringLiteral("%1 (%2)").arg(DisplayText::neutralized(room.room)).arg(room.users);
        if (!room.topic.isEmpty())
            line += QStringLiteral(": ") + DisplayText::neutralized(room.topic);
        lines.append(line);
    }
    m_printer->printStatus(QStringLiteral("Rooms (%1):").arg(rooms.size()));
    m_printer->printLines(lines);
}

void ConsoleClient::onTopicChanged(const QString &room, const QString &text, const QString &by)
{
    const QString where = DisplayText::neutralized(room);
    const QString who = by.isEmpty() ? QStringLiteral("The topic") : DisplayText::neutralized(by);
    if (text.isEmpty())
        m_printer->printNotice(QStringLiteral("%1 cleared the topic of %2.").arg(who, where));
    else
        m_printer->printNotice(QStringLiteral("%1 set the topic of %2: %3")
                                   .arg(who, where, DisplayText::neutralized(text)));
}

void ConsoleClient::onModerated(const Wire::Moderated &event)
{
    namespace Action = Protocol::Moderation;
    const bool aboutUs = !event.target.isEmpty()
        && Validation::nameKey(event.target) == Validation::nameKey(m_client->name());
    if (aboutUs && (event.action == Action::Kick || event.action == Action::Ban))
        m_putOutOf.insert(Validation::roomKey(event.room));
    // The server's sentence for people; a bare one if it sent none.
    QString text = event.text;
    if (text.isEmpty())
        text = QStringLiteral("%1: %2 %3").arg(event.by, event.action, event.target).trimmed();
    m_printer->printNotice(text, isCurrent(event.room) ? QString() : event.room);
}

void ConsoleClient::showModes()
{
    const ChatRoom *room = m_client->room(m_currentRoom);
    if (!room)
        return;
    QStringList parts;
    parts.append(room->owner.isEmpty()
                     ? QStringLiteral("no owner")
                     : QStringLiteral("owner %1").arg(DisplayText::neutralized(room->owner)));
    QStringList operators;
    for (const QString &name : room->operators)
        operators.append(DisplayText::neutralized(name));
    if (!operators.isEmpty())
        parts.append(QStringLiteral("operators %1").arg(operators.join(QStringLiteral(", "))));
    parts.append(room->inviteOnly ? QStringLiteral("invite only (+i)")
                                  : QStringLiteral("open to all (-i)"));
    parts.append(room->topicLocked ? QStringLiteral("only operators set the topic (+t)")
                                   : QStringLiteral("everyone sets the topic (-t)"));
    m_printer->printStatus(QStringLiteral("%1: %2.").arg(DisplayText::neutralized(room->name),
                                                         parts.join(QStringLiteral("; "))));
}

void ConsoleClient::onHistoryReceived(const QString &room, const QList<ChatMessage> &messages,
                                      bool more)
{
    const QString where = DisplayText::neutralized(room);
    if (messages.isEmpty()) {
        m_printer->printStatus(QStringLiteral("No older messages in %1.").arg(where));
        return;
    }
    m_printer->printStatus(QStringLiteral("Older messages in %1:").arg(where));
    for (const ChatMessage &message : messages)
        m_printer->printMessage(message, true, !isCurrent(room));
    m_printer->printStatus(more ? QStringLiteral("/history shows more.")
                                : QStringLiteral("That is the beginning of %1.").arg(where));
}

void ConsoleClient::onPrivateHistoryReceived(const QString &with,
                                             const QList<ChatMessage> &messages, bool more)
{
    const QString who = DisplayText::neutralized(with);
    if (messages.isEmpty() && !more) {
        m_printer->printStatus(
            QStringLiteral("No older private messages with %1 are kept.").arg(who));
        return;
    }
    m_printer->printStatus(QStringLiteral("Older private messages with %1:").arg(who));
    for (const ChatMessage &message : messages)
        m_printer->printMessage(message, true);
    m_printer->printStatus(
        more ? QStringLiteral("/history @%1 shows more.").arg(who)
             : QStringLiteral("That is the beginning of your conversation with %1.").arg(who));
}

void ConsoleClient::onPresence(const QString &name, const QString &room, bool joined)
{
    // The default room's words stay the seed's, which scripts read.
    const bool general = Validation::roomKey(room) == Validation::roomKey(Protocol::DefaultRoom);
    const QString where = general ? QStringLiteral("the chat") : DisplayText::neutralized(room);
    m_printer->printNotice(
        (joined ? QStringLiteral("%1 joined %2.") : QStringLiteral("%1 left %2."))
            .arg(name, where));
}

void ConsoleClient::switchTo(const QString &room)
{
    m_currentRoom = room;
    updatePrompt();
    if (m_interactive && !m_options.json)
        m_printer->printStatus(
            QStringLiteral("Now talking in %1.").arg(DisplayText::neutralized(room)));
}

// Ctrl-X: the next room in the order they were joined, round.
void ConsoleClient::switchToNext()
{
    const QList<ChatRoom> rooms = m_client->rooms();
    if (rooms.size() < 2)
        return;
    qsizetype at = 0;
    while (at < rooms.size() && !isCurrent(rooms.at(at).name))
        ++at;
    switchTo(rooms.at((at + 1) % rooms.size()).name);
}

void ConsoleClient::onNameRefused(const QString &reason)
{
    m_printer->printError(DisplayText::neutralized(reason));
    if (m_interactive) {
        askForName(QStringLiteral("Choose another name: "));
        return;
    }
    leave(ExitNameRefused);
}

void ConsoleClient::onLoginRefused(const QString &code, const QString &text)
{
    m_printer->printError(DisplayText::neutralized(text));
    if (!m_interactive) {
        leave(code == Protocol::Code::NameRegistered ? ExitNameRefused : ExitLoginRefused);
        return;
    }
    if (code == Protocol::Code::NameRegistered) {
        askPassword(PasswordQuestion::RegisteredName);
    } else if (code == Protocol::Code::AuthFailed || code == Protocol::Code::TokenInvalid
               || code == Protocol::Code::LoginThrottled) {
        askPassword(PasswordQuestion::Login);
    } else if (code == Protocol::Code::WeakPassword) {
        askPassword(PasswordQuestion::NewAccount);
    } else {
        leave(ExitLoginRefused);
    }
}

bool ConsoleClient::isAsking() const
{
    return m_askingName || (m_passwordPrompt && m_passwordPrompt->isActive());
}

void ConsoleClient::askPassword(PasswordQuestion question)
{
    m_passwordQuestion = question;
    const QString name = DisplayText::neutralized(m_name);
    QString text;
    switch (question) {
    case PasswordQuestion::Login:
        text = QStringLiteral("Password for %1: ").arg(name);
        break;
    case PasswordQuestion::NewAccount:
        text = QStringLiteral("Password for %1 (a new account is made if the name is free): ")
                   .arg(name);
        break;
    case PasswordQuestion::RepeatNewAccount:
    case PasswordQuestion::RepeatNew:
        text = QStringLiteral("The same password again: ");
        break;
    case PasswordQuestion::RegisteredName:
        text = QStringLiteral("Password for %1 (Enter: choose another name): ").arg(name);
        break;
    case PasswordQuestion::Old:
        text = QStringLiteral("Current password: ");
        break;
    case PasswordQuestion::New:
        text = QStringLiteral("New password: ");
        break;
    }
    if (m_editor)
        m_editor->stop();
    m_passwordPrompt->ask(text);
}

void ConsoleClient::onPasswordAnswered(const QString &password)
{
    const auto forget = [](QString *secret) {
        secret->fill(u'\0');
        secret->clear();
    };
    QString answer = password;
    switch (m_passwordQuestion) {
    case PasswordQuestion::Login:
    case PasswordQuestion::RegisteredName:
        if (answer.isEmpty()) {
            if (m_passwordQuestion == PasswordQuestion::RegisteredName)
                askForName(QStringLiteral("Choose another name: "));
            else
                askPassword(m_passwordQuestion);
            return;
        }
        m_client->setPassword(answer, false);
        forget(&answer);
        joinAs(m_name);
        return;
    case PasswordQuestion::NewAccount:
    case PasswordQuestion::New:
        if (answer.isEmpty()) {
            askPassword(m_passwordQuestion);
            return;
        }
        m_firstAnswer = answer;
        askPassword(m_passwordQuestion == PasswordQuestion::New
                        ? PasswordQuestion::RepeatNew
                        : PasswordQuestion::RepeatNewAccount);
        forget(&answer);
        return;
    case PasswordQuestion::RepeatNewAccount:
        if (answer != m_firstAnswer) {
            forget(&m_firstAnswer);
            m_printer->printError(QStringLiteral("The two passwords differ."));
            askPassword(PasswordQuestion::NewAccount);
            return;
        }
        forget(&m_firstAnswer);
        m_client->setPassword(answer, true);
        forget(&answer);
        joinAs(m_name);
        return;
    case PasswordQuestion::Old:
        if (answer.isEmpty()) {
            resumeEditing();
            return;
        }
        m_oldPassword = answer;
        forget(&answer);
        askPassword(PasswordQuestion::New);
        return;
    case PasswordQuestion::RepeatNew:
        resumeEditing();
        if (answer != m_firstAnswer) {
            m_printer->printError(QStringLiteral("The two passwords differ; nothing changed."));
        } else {
            const SendResult result = m_client->changePassword(m_oldPassword, answer);
            if (!result.isAccepted())
                m_printer->printError(result.reason);
        }
        forget(&answer);
        forget(&m_firstAnswer);
        forget(&m_oldPassword);
        return;
    }
}

void ConsoleClient::onPasswordCancelled()
{
    for (QString *secret : { &m_firstAnswer, &m_oldPassword }) {
        secret->fill(u'\0');
        secret->clear();
    }
    if (m_passwordQuestion == PasswordQuestion::Old || m_passwordQuestion == PasswordQuestion::New
        || m_passwordQuestion == PasswordQuestion::RepeatNew) {
        resumeEditing();
        return;
    }
    leave(ExitLoginRefused);
}

// Back to the chat's prompt after a question.
void ConsoleClient::resumeEditing()
{
    if (!m_editor)
        return;
    m_editor->start(m_printer->prompt(m_client->name(), {}, m_currentRoom), true);
    updatePrompt();
}

void ConsoleClient::onErrorReceived(const QString &code, const QString &text)
{
    namespace Code = Protocol::Code;
    // The room's rules said no: to what the person did, not to the connection.
    static const QLatin1StringView refusals[] = {
        Code::NotOperator, Code::Banned,       Code::InviteOnly, Code::Muted,
        Code::TopicLocked, Code::TooManyRules, Code::NoSuchUser, Code::NotLoggedIn,
    };
    const bool refused =
        std::find(std::begin(refusals), std::end(refusals), code) != std::end(refusals);
    const QString shown = DisplayText::neutralized(text);
    m_printer->printError(refused ? QStringLiteral("Refused: %1").arg(shown) : shown);
}

void ConsoleClient::onConnectionError(ChatClient::ConnectionError error, const QString &text)
{
    // The text says it to a person; the exit code depends on when, not why,
    // except for a refused certificate, which no retry can mend.
    if (m_leaving)
        return;
    const QString reason = DisplayText::neutralized(text);
    if (error == ChatClient::ConnectionError::CertificateRejected) {
        m_printer->printError(reason);
        m_exitCode = ExitCertificateRefused;
        return;
    }
    if (!m_everJoined && isAsking()) {
        // The server gives up on a join after a while; a person may think longer.
        m_printer->printError(QStringLiteral("The server closed the connection (%1); the name "
                                             "you enter next connects again.")
                                  .arg(reason));
        return;
    }
    if (!m_everJoined) {
        m_printer->printError(
            QStringLiteral("Connection to %1 failed: %2").arg(serverAddress(), reason));
        if (m_exitCode == ExitOk)
            m_exitCode = ExitConnectionFailed;
        return;
    }
    if (!m_options.reconnect)
        m_exitCode = ExitConnectionLost;
    // Each failed attempt to come back reports again; say it once per retry.
    if (m_client->status() == ChatClient::Status::Joined) {
        m_printer->printError(QStringLiteral("Connection lost: %1").arg(reason));
        m_lastFailure.clear();
    } else {
        m_lastFailure = reason;
    }
}

void ConsoleClient::onReconnectScheduled(int attempt, int delayMs)
{
    const QString delay = QString::number(delayMs / 1000.0, 'f', 1);
    m_attemptFailure.clear(); // the round's failures are in m_lastFailure
    // With several servers, the round starts at the next one, not at the one lost.
    const QString to = hasSeveralServers()
        ? QStringLiteral(" to %1").arg(m_client->server().toString())
        : QString();
    if (attempt == 1 || m_lastFailure.isEmpty())
        m_printer->printStatus(QStringLiteral("Reconnecting%1 in %2 s…").arg(to, delay));
    else
        m_printer->printStatus(QStringLiteral("Attempt %1 failed (%2); trying again%3 in %4 s…")
                                   .arg(attempt - 1)
                                   .arg(m_lastFailure, to, delay));
}

void ConsoleClient::onConnectingTo(const ServerEndpoint &server, const QHostAddress &address)
{
    if (!m_attemptFailure.isEmpty() && (!m_options.json || m_interactive))
        m_printer->printStatus(QStringLiteral("%1; trying %2…")
                                   .arg(m_attemptFailure, describeTarget(server, address)));
    m_attemptFailure.clear();
}

// The next server or address follows at once: said with it, in onConnectingTo().
void ConsoleClient::onAttemptFailed(const ServerEndpoint &server, ChatClient::ConnectionError error,
                                    const QString &text)
{
    Q_UNUSED(error)
    // The session is still at the address that failed (none if the name did not resolve).
    m_attemptFailure =
        QStringLiteral("%1 failed (%2)")
            .arg(describeTarget(server, m_client->serverAddress()), DisplayText::neutralized(text));
}

void ConsoleClient::onUsersListed(const QStringList &list, const QString &room)
{
    if (m_whoRequested) {
        m_whoRequested = false;
        QStringList users = list;
        users.sort(Qt::CaseInsensitive);
        // IRC's marks: ~ the room's owner, @ its operators.
        const ChatRoom *known = m_client->room(room);
        for (QString &user : users) {
            const QString shown = DisplayText::neutralized(user);
            if (known && !known->owner.isEmpty()
                && Validation::nameKey(known->owner) == Validation::nameKey(user))
                user = u'~' + shown;
            else if (known && known->isOperator(user))
                user = u'@' + shown;
            else
                user = shown;
        }
        const bool general =
            Validation::roomKey(room) == Validation::roomKey(Protocol::DefaultRoom);
        m_printer->printStatus(
            QStringLiteral("%1 (%2): %3")
                .arg(general ? QStringLiteral("Online")
                             : QStringLiteral("In %1").arg(DisplayText::neutralized(room)))
                .arg(users.size())
                .arg(users.join(QStringLiteral(", "))));
    }
}

void ConsoleClient::onDisconnected()
{
    if (isAsking() && !m_leaving && !m_everJoined) {
        m_connectStarted = false;
        return;
    }
    if (!m_leaving && m_exitCode == ExitOk)
        m_exitCode = m_everJoined ? ExitConnectionLost : ExitConnectionFailed;
    finish(m_exitCode);
}

// The SSH way: show what would be trusted, ask, remember a yes.
void ConsoleClient::onCertificateNeedsTrust(const QString &fingerprint,
                                            const QSslCertificate &certificate,
                                            const QString &reason)
{
    if (!m_options.trustFingerprint.isEmpty() && fingerprint == m_options.trustFingerprint) {
        if (!m_options.json)
            m_printer->printStatus(
                QStringLiteral("Trusting the certificate of %1 by --trust-fingerprint.")
                    .arg(m_client->server().toString()));
        m_client->trustCertificate(true);
        return;
    }
    const QString about =
        QStringLiteral("The TLS certificate of %1 is not vouched for by any CA you trust (%2).\n"
                       "  subject: %3\n  issuer:  %4\n  valid:   %5 to %6\n"
                       "  SHA-256 fingerprint: %7")
            .arg(m_client->server().toString(), DisplayText::neutralized(reason),
                 DisplayText::neutralized(certificate.subjectDisplayName()),
                 DisplayText::neutralized(certificate.issuerDisplayName()),
                 certificate.effectiveDate().toUTC().toString(Qt::ISODate),
                 certificate.expiryDate().toUTC().toString(Qt::ISODate), fingerprint);
    if (!m_interactive || !m_editor) {
        m_printer->printError(
            about
            + QStringLiteral("\nREFUSED: no terminal to ask. If the server's operator gives you "
                             "this fingerprint, pass --trust-fingerprint %1, or run pynet-cli "
                             "--tls once in a terminal and answer y.")
                  .arg(fingerprint));
        m_client->trustCertificate(false);
        return;
    }
    m_printer->printStatus(
        about
        + QStringLiteral("\nCompare the fingerprint with the one the server's operator gave "
                         "you."));
    m_askingTrust = true;
    m_editor->start(QByteArrayLiteral("Trust this certificate and remember it? [y/N] "), false);
}

void ConsoleClient::answerTrust(const QString &answer)
{
    m_askingTrust = false;
    const QString word = answer.trimmed().toLower();
    const bool yes = word == QLatin1StringView("y") || word == QLatin1StringView("yes");
    m_editor->start(m_printer->prompt(m_name, QStringLiteral("connecting")), true);
    m_client->trustCertificate(yes);
}

void ConsoleClient::onLineEntered(const QString &line)
{
    if (m_askingTrust) {
        answerTrust(line);
        return;
    }
    if (!m_askingName) {
        execute(ChatCommand::parse(line, m_client->users(m_currentRoom)));
        return;
    }
    const QString name = Validation::normalizedName(line);
    if (name.isEmpty())
        return; // the question stays
    QString reason;
    if (!Validation::isValidName(name, &reason)) {
        m_printer->printError(reason);
        return;
    }
    m_askingName = false;
    connectAs(name);
}

void ConsoleClient::execute(const ChatCommand &command)
{
    switch (command.kind) {
    case ChatCommand::Kind::None:
        return;
    case ChatCommand::Kind::Help:
        m_printer->printStatus(QStringLiteral("Commands:"));
        m_printer->printLines(ChatCommand::helpLines());
        m_printer->printStatus(
            QStringLiteral("Up and Down recall what you typed; Ctrl-D or Ctrl-C leaves too."));
        return;
    case ChatCommand::Kind::Who: {
        const SendResult result = m_client->requestUsers(m_currentRoom);
        m_whoRequested = result.isAccepted();
        if (!m_whoRequested)
            m_printer->printError(result.reason);
        return;
    }
    case ChatCommand::Kind::Query:
        // The console has no conversation windows: with a text, /query is /msg.
        if (command.text.isEmpty())
            m_printer->printError(
                QStringLiteral("The console has no conversation windows: use /msg NAME TEXT."));
        else
            enqueue(command);
        return;
    case ChatCommand::Kind::Quit:
        leave(ExitOk);
        return;
    case ChatCommand::Kind::Password:
        if (!m_client->isLoggedIn()) {
            m_printer->printError(
                QStringLiteral("Only an account has a password: start with --login."));
            return;
        }
        askPassword(PasswordQuestion::Old);
        return;
    case ChatCommand::Kind::Invalid:
        m_printer->printError(command.error);
        return;
    case ChatCommand::Kind::Join:
    case ChatCommand::Kind::Part:
    case ChatCommand::Kind::Rooms:
    case ChatCommand::Kind::Topic:
    case ChatCommand::Kind::History:
    case ChatCommand::Kind::Window:
    case ChatCommand::Kind::Moderate:
    case ChatCommand::Kind::Modes:
        executeRoomCommand(command);
        return;
    case ChatCommand::Kind::Chat:
    case ChatCommand::Kind::Action:
    case ChatCommand::Kind::Private:
        enqueue(command);
        return;
    }
}

void ConsoleClient::executeRoomCommand(const ChatCommand &command)
{
    SendResult result;
    switch (command.kind) {
    case ChatCommand::Kind::Join:
        if (m_client->isInRoom(command.target)) {
            switchTo(m_client->room(command.target)->name);
            return;
        }
        result = m_client->enterRoom(command.target);
        if (result.isAccepted())
            m_joinRequested = command.target;
        break;
    case ChatCommand::Kind::Part:
        result = m_client->leaveRoom(command.target.isEmpty() ? m_currentRoom : command.target);
        break;
    case ChatCommand::Kind::Rooms:
        result = m_client->requestRooms();
        break;
    case ChatCommand::Kind::Topic:
        if (!command.text.isEmpty()) {
            result = m_client->setTopic(m_currentRoom, command.text);
        } else if (const ChatRoom *room = m_client->room(m_currentRoom)) {
            const QString where = DisplayText::neutralized(room->name);
            m_printer->printStatus(room->topic.isEmpty()
                                       ? QStringLiteral("%1 has no topic.").arg(where)
                                       : QStringLiteral("Topic of %1: %2")
                                             .arg(where, DisplayText::neutralized(room->topic)));
            return;
        }
        break;
    case ChatCommand::Kind::History:
        result = command.target.isEmpty()
            ? m_client->requestOlderHistory(m_currentRoom, command.number)
            : m_client->requestOlderPrivateHistory(command.target, command.number);
        break;
    case ChatCommand::Kind::Window: {
        const QList<ChatRoom> rooms = m_client->rooms();
        if (command.number > rooms.size()) {
            m_printer->printError(QStringLiteral("There is no window %1: you are in %2 rooms.")
                                      .arg(command.number)
                                      .arg(rooms.size()));
            return;
        }
        switchTo(rooms.at(command.number - 1).name);
        return;
    }
    case ChatCommand::Kind::Moderate:
        // The server says whether we may: a refusal comes back as an error.
        result = m_client->moderate(m_currentRoom, command.action, command.target, command.text);
        break;
    case ChatCommand::Kind::Modes:
        showModes();
        return;
    default:
        return;
    }
    if (!result.isAccepted())
        m_printer->printError(result.reason);
}

void ConsoleClient::onPipedLine(const QString &line)
{
    if (line.trimmed().isEmpty())
        return; // the server would refuse it
    ChatCommand command;
    command.kind = ChatCommand::Kind::Chat;
    command.text = line;
    enqueue(command);
}

void ConsoleClient::enqueue(const ChatCommand &command)
{
    if (m_leaving)
        return;
    SendResult result;
    switch (command.kind) {
    case ChatCommand::Kind::Action:
        result = m_client->sendAction(m_currentRoom, command.text);
        break;
    case ChatCommand::Kind::Private:
    case ChatCommand::Kind::Query:
        result = m_client->sendPrivate(command.target, command.text);
        break;
    default:
        result = m_client->sendChat(m_currentRoom, command.text);
        break;
    }
    if (!result.isAccepted()) {
        m_printer->printError(result.reason);
        return;
    }
    const bool waiting = m_client->status() != ChatClient::Status::Joined;
    if (waiting && m_interactive && m_client->queuedCount() == 1)
        m_printer->printStatus(QStringLiteral("Not connected: what you type is sent once joined."));
    // A producer faster than the send rate waits instead of losing lines.
    if (m_stdinReader && m_client->queuedCount() >= ChatClient::MaxQueuedSends)
        m_stdinReader->setPaused(true);
}

void ConsoleClient::onMessageSent(const ChatClient::Outgoing &message)
{
    switch (message.kind) {
    case ChatClient::Outgoing::Kind::Chat:
        if (m_interactive)
            m_printer->printOwnMessage(message.text, false);
        break;
    case ChatClient::Outgoing::Kind::Action:
        m_printer->printOwnMessage(message.text, true);
        break;
    case ChatClient::Outgoing::Kind::Private:
        m_printer->printOwnPrivate(message.to, message.text);
        break;
    }
    if (m_stdinReader && m_stdinReader->isPaused()
        && m_client->queuedCount() < ChatClient::MaxQueuedSends / 2)
        m_stdinReader->setPaused(false);
    leaveWhenInputSent();
}

void ConsoleClient::onSendFailed(const ChatClient::Outgoing &message, const SendResult &result)
{
    Q_UNUSED(message)
    if (!m_leaving)
        m_printer->printError(result.reason);
    leaveWhenInputSent();
}

void ConsoleClient::onInputFinished()
{
    m_inputFinished = true;
    leaveWhenInputSent();
}

void ConsoleClient::leaveWhenInputSent()
{
    if (m_inputFinished && m_client->queuedCount() == 0
        && m_client->status() == ChatClient::Status::Joined)
        leave(ExitOk);
}

void ConsoleClient::leave(int exitCode)
{
    if (m_leaving)
        return;
    m_leaving = true;
    m_exitCode = exitCode;
    if (m_editor)
        m_editor->stop();
    m_client->disconnectFromServer(); // disconnected() follows once all is written
}

void ConsoleClient::finish(int exitCode)
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_editor)
        m_editor->stop();
    Q_EMIT finished(exitCode);
}

void ConsoleClient::onSignal(int signal)
{
    switch (signal) {
    case SIGWINCH:
        if (m_editor)
            m_editor->terminalResized();
        return;
    case SIGTSTP:
        if (m_editor)
            m_editor->suspend();
        m_signals->restoreDefault(SIGTSTP);
        ::raise(SIGTSTP); // stops here until fg
        m_signals->watch(SIGTSTP);
        if (m_editor)
            m_editor->resume();
        return;
    case SIGCONT:
        if (m_editor)
            m_editor->resume();
        return;
    default:
        // A second Ctrl-C does not wait for the server any more.
        if (m_leaving)
            finish(m_exitCode);
        else
            leave(ExitOk);
        return;
    }
}
