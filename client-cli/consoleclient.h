// SPDX-License-Identifier: MIT
#pragma once

#include "chatclient.h"
#include "chatcommand.h"
#include "clioptions.h"

#include <QList>
#include <QObject>
#include <QSet>

class LineEditor;
class PasswordPrompt;
class SignalWatcher;
class StdinReader;
class TerminalPrinter;

// pynet-cli's controller: connects the shared ChatClient session to the
// terminal. Interactive when stdin is a terminal (prompt, commands, name
// questions); otherwise every input line is a chat message (pipe mode).
class ConsoleClient : public QObject
{
    Q_OBJECT
public:
    enum ExitCode {
        ExitOk = 0,
        ExitUsage = 2,
        ExitConnectionFailed = 3,
        ExitNameRefused = 4,
        ExitConnectionLost = 5,
        ExitLoginRefused = 6,
        ExitCertificateRefused = 7,
    };
    static constexpr int RecentMessagesShown = 20;

    explicit ConsoleClient(const CliOptions &options, QObject *parent = nullptr);
    ~ConsoleClient() override;

    void start();

Q_SIGNALS:
    // The program is done; the terminal is back in its normal mode.
    void finished(int exitCode);

private:
    void onStatusChanged();
    void onJoined(bool afterReconnect);
    void onMessageReceived(const ChatMessage &message, bool fromHistory);
    void showHistory(const QString &room = {});
    void onRoomEntered(const ChatRoom &room, bool afterReconnect);
    void onRoomLeft(const QString &room);
    void onRoomsListed(const QList<Wire::RoomList::Entry> &rooms);
    void onTopicChanged(const QString &room, const QString &text, const QString &by);
    void onModerated(const Wire::Moderated &event);
    void showModes();
    void onHistoryReceived(const QString &room, const QList<ChatMessage> &messages, bool more);
    void onPrivateHistoryReceived(const QString &with, const QList<ChatMessage> &messages,
                                  bool more);
    void onPresence(const QString &name, const QString &room, bool joined);
    void onNameRefused(const QString &reason);
    void onLoginRefused(const QString &code, const QString &text);
    void onErrorReceived(const QString &code, const QString &text);
    void onConnectionError(ChatClient::ConnectionError error, const QString &text);
    void onReconnectScheduled(int attempt, int delayMs);
    void onConnectingTo(const ServerEndpoint &server, const QHostAddress &address);
    void onAttemptFailed(const ServerEndpoint &server, ChatClient::ConnectionError error,
                         const QString &text);
    void onUsersListed(const QStringList &users, const QString &room);
    void onMessageSent(const ChatClient::Outgoing &message);
    void onSendFailed(const ChatClient::Outgoing &message, const SendResult &result);
    void onDisconnected();
    void onCertificateNeedsTrust(const QString &fingerprint, const QSslCertificate &certificate,
                                 const QString &reason);
    void answerTrust(const QString &answer);

    void onLineEntered(const QString &line);
    void onPipedLine(const QString &line);
    void onInputFinished();
    void onSignal(int signal);

    void askForName(const QString &question);
    void connectAs(const QString &name);
    void joinAs(const QString &name);
    // The questions a password answers, in the order they come.
    enum class PasswordQuestion {
        Login, // --login, or a wrong one before
        NewAccount, // --register: the password of the account made if the name is free
        RepeatNewAccount,
        RegisteredName, // a guest picked a registered name: its password, or Enter
        Old, // /password
        New,
        RepeatNew,
    };
    void askPassword(PasswordQuestion question);
    void onPasswordAnswered(const QString &password);
    void onPasswordCancelled();
    void resumeEditing();
    bool isAsking() const;
    void execute(const ChatCommand &command);
    void executeRoomCommand(const ChatCommand &command);
    void switchTo(const QString &room);
    void switchToNext();
    bool isCurrent(const QString &room) const;
    void enqueue(const ChatCommand &command);
    void leaveWhenInputSent();
    void leave(int exitCode);
    void finish(int exitCode);
    void updatePrompt();
    void updateCompletions();
    QString serverAddress() const;
    bool hasSeveralServers() const;

    CliOptions m_options;
    ChatClient *m_client;
    TerminalPrinter *m_printer;
    SignalWatcher *m_signals;
    LineEditor *m_editor = nullptr;
    StdinReader *m_stdinReader = nullptr;
    PasswordPrompt *m_passwordPrompt = nullptr;
    PasswordQuestion m_passwordQuestion = PasswordQuestion::Login;
    QString m_firstAnswer; // what a Repeat question must match
    QString m_oldPassword; // /password's first answer
    QString m_password; // PYNET_PASSWORD, until handed to the session

    QList<ChatMessage>
        m_history; // of the welcome or room answer being read, shown with its heading
    // Where typed lines go: the view's choice; what the rooms are is the session's.
    QString m_currentRoom = Protocol::DefaultRoom;
    QString m_joinRequested; // /join or --room: becomes current once entered
    QSet<QString> m_putOutOf; // rooms (roomKey) we were kicked or banned from, until left

    QString m_name;
    QString m_lastFailure; // why the last reconnect attempt failed
    QString m_attemptFailure; // "a:5050 failed (why)", said once the next attempt begins
    int m_exitCode = ExitOk;
    bool m_interactive;
    bool m_askingName = false;
    bool m_askingTrust = false; // the y/N about a TLS certificate
    bool m_connectStarted = false;
    bool m_everJoined = false;
    bool m_inputFinished = false;
    bool m_leaving = false;
    bool m_finished = false;
    bool m_whoRequested = false;
};
