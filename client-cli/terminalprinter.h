// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>

struct ChatMessage;
struct WireEvent;
class LineEditor;

// Turns chat events into terminal lines: timestamps, names in stable colours,
// own messages and notices set apart. Everything that came from the network
// goes through DisplayText first, so nobody can move our cursor or recolour
// the screen. The conversation goes to stdout; what the client itself has to
// say goes to the prompt's terminal, or to stderr in pipe mode.
class TerminalPrinter : public QObject
{
    Q_OBJECT
public:
    enum class Style {
        Plain, // not a terminal: no escape sequences at all
        Attributes, // NO_COLOR: bold and dim, no colours
        Colour,
    };
    Q_ENUM(Style)

    explicit TerminalPrinter(QObject *parent = nullptr);

    // Output then goes above the editor's prompt.
    void setEditor(LineEditor *editor);
    void setOwnName(const QString &name) { m_ownName = name; }
    // --json: stdout carries only the events, one JSON object a line.
    void setJsonOutput(bool enabled) { m_json = enabled; }

    // showRoom: the message is from a room other than the current one, so its name goes first.
    void printMessage(const ChatMessage &message, bool fromHistory, bool showRoom = false);
    void printOwnMessage(const QString &text, bool action);
    void printOwnPrivate(const QString &to, const QString &text);
    // From the server: presence, notices, moderation; room, when given, goes
    // first as on a message from a room other than the current one.
    void printNotice(const QString &text, const QString &room = {});
    void printEvent(const QJsonObject &event); // --json
    void printStatus(const QString &text); // from the client: connecting, help, ...
    void printError(const QString &text);
    void printLines(const QStringList &lines);
    // --trace: to stderr, never stdout; above the prompt when that is where stderr goes.
    void printTrace(const WireEvent &event);

    // The prompt for name in room (none when empty); state is shown beside it
    // when not empty ("offline").
    QByteArray prompt(const QString &name, const QString &state, const QString &room = {}) const;

    static Style styleFor(int fd);
    // SGR colour code for a name: the same name always gets the same colour.
    static QByteArray nameColour(const QString &name);
    // Columns the text takes on a terminal.
    static int displayWidth(const QString &text);
    // Compact JSON with every character a terminal could act on escaped as \uXXXX.
    static QByteArray safeJson(const QJsonObject &object);

Q_SIGNALS:
    // stdout was closed (`pynet-cli ... | head`): nobody reads the conversation.
    void outputClosed();

private:
    enum class Channel { Conversation, Status };

    QString paint(Channel channel, const QString &text, const QByteArray &colour,
                  const QByteArray &attributes = {}) const;
    QString timestamp(Channel channel, const QDateTime &time) const;
    QString coloredName(Channel channel, const QString &name) const;
    QString ownName(Channel channel) const;
    void writeMessageLine(const QString &prefix, const QString &text, bool highlight = false);
    bool mentionsOwnName(const QString &text) const;
    void write(Channel channel, const QString &line);

    LineEditor *m_editor = nullptr;
    Style m_conversationStyle;
    Style m_statusStyle;
    QString m_ownName;
    bool m_json = false;
    bool m_outputClosed = false;
};
