// SPDX-License-Identifier: MIT
#include "terminalprinter.h"

#include "chatmessage.h"
#include "displaytext.h"
#include "lineeditor.h"
#include "validation.h"
#include "wireevent.h"

#include <QJsonDocument>
#include <QRegularExpression>

#include <cerrno>
#include <cstdio>
#include <cwchar>
#include <sys/stat.h>
#include <unistd.h>

namespace {
const QByteArray TimeColour = "2";
const QByteArray NoticeColour = "1;36";
const QByteArray StatusColour = "33";
const QByteArray ErrorColour = "1;31";
const QByteArray ErrorTextColour = "31";
const QByteArray OwnColour = "1";
const QByteArray MentionColour = "1;33";
const QByteArray Bold = "1";
const QByteArray Dim = "2";
} // namespace

TerminalPrinter::TerminalPrinter(QObject *parent)
    : QObject(parent)
    , m_conversationStyle(styleFor(STDOUT_FILENO))
    , m_statusStyle(styleFor(STDERR_FILENO))
{ }

void TerminalPrinter::setEditor(LineEditor *editor)
{
    m_editor = editor;
    m_statusStyle = styleFor(editor ? fileno(editor->terminal()) : STDERR_FILENO);
}

TerminalPrinter::Style TerminalPrinter::styleFor(int fd)
{
    if (!::isatty(fd))
        return Style::Plain;
    // no-color.org: present and not empty.
    return qEnvironmentVariableIsEmpty("NO_COLOR") ? Style::Colour : Style::Attributes;
}

QByteArray TerminalPrinter::nameColour(const QString &name)
{
    static const QByteArray palette[] = { "32", "33", "34", "35", "36", "91",
                                          "92", "93", "94", "95", "96" };
    // FNV-1a: unlike qHash it is not seeded per process, so colours stay put.
    quint32 hash = 2166136261u;
    for (const char byte : Validation::nameKey(name).toUtf8()) {
        hash ^= quint8(byte);
        hash *= 16777619u;
    }
    return palette[hash % std::size(palette)];
}

int TerminalPrinter::displayWidth(const QString &text)
{
    int width = 0;
    const QList<uint> codePoints = text.toUcs4();
    for (const uint c : codePoints) {
        const int charWidth = ::wcwidth(wchar_t(c));
        width += charWidth < 0 ? 2 : charWidth; // shown as ^X
    }
    return width;
}

QByteArray TerminalPrinter::safeJson(const QJsonObject &object)
{
    const QString json = QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
    if (!DisplayText::needsNeutralizing(json))
        return json.toUtf8();
    // Outside strings JSON is plain ASCII, so every such character is inside a
    // string, where \u escapes mean the same.
    QString escaped;
    escaped.reserve(json.size());
    const QList<uint> codePoints = json.toUcs4();
    for (const uint codePoint : codePoints) {
        const char32_t c = codePoint;
        const QString character = QString::fromUcs4(&c, 1);
        if (!DisplayText::needsNeutralizing(character)) {
            escaped += character;
            continue;
        }
        for (const QChar unit : character)
            escaped += QStringLiteral("\\u%1").arg(unit.unicode(), 4, 16, QLatin1Char('0'));
    }
    return escaped.toUtf8();
}

QString TerminalPrinter::paint(Channel channel, const QString &text, const QByteArray &colour,
                               const QByteArray &attributes) const
{
    const Style style = channel == Channel::Conversation ? m_conversationStyle : m_statusStyle;
    const QByteArray codes = style == Style::Colour ? colour
        : style == Style::Attributes                ? attributes
                                                    : QByteArray();
    if (codes.isEmpty() || text.isEmpty())
        return text;
    return QLatin1StringView("\x1b[") + QLatin1StringView(codes) + u'm' + text
        + QLatin1StringView("\x1b[0m");
}

QString TerminalPrinter::timestamp(Channel channel, const QDateTime &time) const
{
    const QDateTime local = (time.isValid() ? time : QDateTime::currentDateTimeUtc()).toLocalTime();
    const bool today = local.date() == QDate::currentDate();
    const QString text =
        local.toString(today ? QStringLiteral("HH:mm") : QStringLiteral("yyyy-MM-dd HH:mm"));
    return paint(channel, text, TimeColour, Dim);
}

QString TerminalPrinter::coloredName(Channel channel, const QString &name) const
{
    return paint(channel, DisplayText::neutralized(name), nameColour(name));
}

QString TerminalPrinter::ownName(Channel channel) const
{
    return paint(channel, DisplayText::neutralized(m_ownName), OwnColour, Bold);
}

void TerminalPrinter::printMessage(const ChatMessage &message, bool fromHistory, bool showRoom)
{
    Q_UNUSED(fromHistory)
    if (m_json)
        return;
    const Channel channel = Channel::Conversation;
    QString time = timestamp(channel, message.time) + u' ';
    if (showRoom && !message.isPrivate())
        time += paint(channel, DisplayText::neutralized(message.room), StatusColour, Bold) + u' ';
    const bool own =
        !m_ownName.isEmpty() && Validation::nameKey(message.from) == Validation::nameKey(m_ownName);
    const QString from = own ? ownName(channel) : coloredName(channel, message.from);
    QString prefix;
    if (message.isPrivate() && own) // a stored conversation's own lines, as printOwnPrivate's
        prefix = time + u'[' + paint(channel, QStringLiteral("you"), OwnColour, Bold)
            + QStringLiteral(" → ") + coloredName(channel, message.to) + QStringLiteral("] ");
    else if (message.isPrivate())
        prefix = time + u'[' + from + QStringLiteral(" → you] ");
    else if (message.action)
        prefix = time + QStringLiteral("* ") + from + u' ';
    else
        prefix = time + u'<' + from + QStringLiteral("> ");
    // Like irssi's hilight: a message that mentions us stands out.
    writeMessageLine(prefix, message.text, !own && mentionsOwnName(message.text));
}

bool TerminalPrinter::mentionsOwnName(const QString &text) const
{
    if (m_ownName.isEmpty())
        return false;
    for (qsizetype at = text.indexOf(m_ownName, 0, Qt::CaseInsensitive); at >= 0;
         at = text.indexOf(m_ownName, at + 1, Qt::CaseInsensitive)) {
        const qsizetype end = at + m_ownName.size();
        const bool startsWord = at == 0 || !text.at(at - 1).isLetterOrNumber();
        const bool endsWord = end == text.size() || !text.at(end).isLetterOrNumber();
        if (startsWord && endsWord)
            return true;
    }
    return false;
}

void TerminalPrinter::printOwnMessage(const QString &text, bool action)
{
    if (m_json)
        return;
    const Channel channel = Channel::Conversation;
    const QString time = timestamp(channel, {}) + u' ';
    if (action)
        writeMessageLine(time + QStringLiteral("* ") + ownName(channel) + u' ', text);
    else
        writeMessageLine(time + u'<' + ownName(channel) + QStringLiteral("> "), text);
}

void TerminalPrinter::printOwnPrivate(const QString &to, const QString &text)
{
    if (m_json)
        return;
    const Channel channel = Channel::Conversation;
    const QString prefix = timestamp(channel, {}) + u' ' + u'['
        + paint(channel, QStringLiteral("you"), OwnColour, Bold) + QStringLiteral(" → ")
        + coloredName(channel, to) + QStringLiteral("] ");
    writeMessageLine(prefix, text);
}

void TerminalPrinter::writeMessageLine(const QString &prefix, const QString &text, bool highlight)
{
    // Continuation lines of a multi-line message line up under its first line.
    static const QRegularExpression escapes(QStringLiteral("\x1b\\[[0-9;]*m"));
    const int indent = displayWidth(QString(prefix).remove(escapes));
    QString body = DisplayText::neutralized(text, true);
    body.replace(u'\n', u'\n' + QString(indent, u' '));
    if (highlight)
        body = paint(Channel::Conversation, body, MentionColour, Bold);
    write(Channel::Conversation, prefix + body);
}

void TerminalPrinter::printNotice(const QString &text, const QString &room)
{
    if (m_json)
        return;
    const Channel channel = Channel::Conversation;
    QString prefix = timestamp(channel, {}) + u' ';
    if (!room.isEmpty())
        prefix += paint(channel, DisplayText::neutralized(room), StatusColour, Bold) + u' ';
    write(channel,
          prefix + paint(channel, QStringLiteral("-!-"), NoticeColour, Bold) + u' '
              + DisplayText::neutralized(text));
}

void TerminalPrinter::printEvent(const QJsonObject &event)
{
    if (!m_json)
        return;
    write(Channel::Conversation, QString::fromUtf8(safeJson(event)));
}

void TerminalPrinter::printStatus(const QString &text)
{
    const Channel channel = Channel::Status;
    write(channel,
          timestamp(channel, {}) + u' ' + paint(channel, QStringLiteral("-!-"), StatusColour, Bold)
              + u' ' + text);
}

void TerminalPrinter::printError(const QString &text)
{
    const Channel channel = Channel::Status;
    write(channel,
          timestamp(channel, {}) + u' ' + paint(channel, QStringLiteral("-!-"), ErrorColour, Bold)
              + u' ' + paint(channel, text, ErrorTextColour, Bold));
}

void TerminalPrinter::printLines(const QStringList &lines)
{
    for (const QString &line : lines)
        write(Channel::Status, QStringLiteral("    ") + line);
}

static bool sameFile(int a, int b)
{
    struct stat first;
    struct stat second;
    return ::fstat(a, &first) == 0 && ::fstat(b, &second) == 0 && first.st_dev == second.st_dev
        && first.st_ino == second.st_ino;
}

void TerminalPrinter::printTrace(const WireEvent &event)
{
    const QByteArray line = m_json ? safeJson(event.toJson()) : event.toText().toUtf8();
    // Written straight to the prompt's terminal, the line would tear the half-typed input.
    if (m_editor && m_editor->isActive() && sameFile(STDERR_FILENO, fileno(m_editor->terminal()))) {
        m_editor->printAbove(line);
        return;
    }
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

QByteArray TerminalPrinter::prompt(const QString &name, const QString &state,
                                   const QString &room) const
{
    const Channel channel = Channel::Status;
    QString text = paint(channel, DisplayText::neutralized(name), OwnColour, Bold);
    if (!room.isEmpty())
        text += u' ' + paint(channel, DisplayText::neutralized(room), StatusColour, Bold);
    if (!state.isEmpty())
        text += u' ' + paint(channel, u'(' + state + u')', StatusColour, Dim);
    return (text + QStringLiteral("> ")).toUtf8();
}

void TerminalPrinter::write(Channel channel, const QString &line)
{
    const QByteArray bytes = line.toUtf8();
    const bool toStdout = channel == Channel::Conversation;
    if (m_editor && m_editor->isActive()
        && (!toStdout || fileno(m_editor->terminal()) == STDOUT_FILENO)) {
        m_editor->printAbove(bytes);
        return;
    }
    FILE *stream = toStdout ? stdout : stderr;
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fputc('\n', stream);
    if (std::fflush(stream) != 0 && errno == EPIPE && toStdout && !m_outputClosed) {
        m_outputClosed = true;
        Q_EMIT outputClosed();
    }
}
