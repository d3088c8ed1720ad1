// SPDX-License-Identifier: MIT
#pragma once

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

// The lines of one conversation, the room or a private chat with one person,
// bounded by a scrollback limit, with the count of lines nobody has seen yet.
class Conversation : public QObject
{
    Q_OBJECT
public:
    // Lines kept per conversation; older ones are dropped one by one.
    static constexpr int DefaultScrollbackLimit = 10000;

    enum class Kind {
        Message,
        Action, // "* Alice waves"
        Notice, // joins, leaves, connection state: quiet
        Error,
        DayChange, // inserted when the local date changes between two lines
    };
    Q_ENUM(Kind)

    struct Entry
    {
        Kind kind = Kind::Message;
        QDateTime time; // local time
        QString sender;
        QString text; // already neutralised for display
        bool own = false;
        bool mention = false;
        bool pending = false; // own line the session holds until it can be sent
        bool failed = false; // own line the session gave up on (an error line says why)
        quint64 sendId = 0; // own line: the session's SendResult::id
    };

    // peer: the other person of a private conversation; empty for the room.
    explicit Conversation(const QString &peer = {}, QObject *parent = nullptr);

    QString peer() const { return m_peer; }
    bool isPrivate() const { return !m_peer.isEmpty(); }
    // The room this conversation shows, as the server spells it; empty for a private one.
    QString room() const { return m_room; }
    void setRoom(const QString &room) { m_room = room; }

    // Adds a line. Message and action lines from others count as unread while
    // the conversation is not active, unless countUnread is false (old history).
    void append(const Entry &entry, bool countUnread = true);
    void appendNotice(const QString &text, Kind kind = Kind::Notice);
    // The own line the session accepted as sendId went out, or never will.
    // False when no pending line of that id is here.
    bool confirmSent(quint64 sendId);
    bool markNotSent(quint64 sendId);
    void clear();
    // Older lines (oldest first) go in front of the ones here.
    void prepend(const QList<Entry> &entries);
    // The "loading" row at the top while older lines are asked for.
    void setLoadingOlder(bool loading);
    bool isLoadingOlder() const { return m_loadingOlder; }

    const QList<Entry> &entries() const { return m_entries; }
    int scrollbackLimit() const { return m_scrollbackLimit; }
    void setScrollbackLimit(int lines);

    // Active: on screen in the active window. Activating marks everything read.
    void setActive(bool active);
    bool isActive() const { return m_active; }
    int unreadCount() const { return m_unread; }
    // Something unread mentions the user or is private.
    bool hasUnreadHighlight() const { return m_unreadHighlight; }

    // True when text names the user: the whole name, case-insensitively, not as
    // part of a longer word.
    static bool mentions(const QString &text, const QString &name);

Q_SIGNALS:
    void entryAppended(const Conversation::Entry &entry);
    // An entry already shown changed (a pending line was sent or given up).
    void entriesChanged();
    void cleared();
    void unreadChanged();

private:
    void addEntry(const Entry &entry);
    Entry *pendingEntry(quint64 sendId);

    QString m_peer;
    QString m_room;
    bool m_loadingOlder = false;
    QList<Entry> m_entries;
    int m_scrollbackLimit = DefaultScrollbackLimit;
    int m_unread = 0;
    bool m_unreadHighlight = false;
    bool m_active = false;
};
