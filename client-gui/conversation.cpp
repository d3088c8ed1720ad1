// SPDX-License-Identifier: MIT
#include "conversation.h"

#include <QLocale>

Conversation::Conversation(const QString &peer, QObject *parent) : QObject(parent), m_peer(peer) { }

void Conversation::setScrollbackLimit(int lines)
{
    m_scrollbackLimit = qMax(1, lines);
    if (m_entries.size() > m_scrollbackLimit)
        m_entries.remove(0, m_entries.size() - m_scrollbackLimit);
}

void Conversation::addEntry(const Entry &entry)
{
    // Removing from the front of a Qt 6 QList only moves its start: cheap per line.
    if (m_entries.size() >= m_scrollbackLimit)
        m_entries.removeFirst();
    // Own lines still waiting to be sent stay last: the server puts them after
    // whatever reaches us before they go out (the history of a join, say).
    qsizetype at = m_entries.size();
    if (!entry.pending) {
        while (at > 0 && m_entries.at(at - 1).pending)
            --at;
    }
    if (at == m_entries.size()) {
        m_entries.append(entry);
        Q_EMIT entryAppended(entry);
    } else {
        m_entries.insert(at, entry);
        Q_EMIT entriesChanged();
    }
}

void Conversation::append(const Entry &entry, bool countUnread)
{
    Entry line = entry;
    if (!line.time.isValid())
        line.time = QDateTime::currentDateTime();
    line.time = line.time.toLocalTime();

    const QDate previousDate = m_entries.isEmpty() ? QDate() : m_entries.constLast().time.date();
    if (previousDate.isValid() && previousDate != line.time.date()) {
        Entry day;
        day.kind = Kind::DayChange;
        day.time = QDateTime(line.time.date(), QTime(0, 0));
        day.text = QLocale().toString(line.time.date(), QLocale::LongFormat);
        addEntry(day);
    }
    addEntry(line);

    const bool fromOthers = (line.kind == Kind::Message || line.kind == Kind::Action) && !line.own;
    if (fromOthers && countUnread && !m_active) {
        ++m_unread;
        if (line.mention || isPrivate())
            m_unreadHighlight = true;
        Q_EMIT unreadChanged();
    }
}

void Conversation::appendNotice(const QString &text, Kind kind)
{
    Entry entry;
    entry.kind = kind;
    entry.text = text;
    append(entry);
}

Conversation::Entry *Conversation::pendingEntry(quint64 sendId)
{
    // Pending lines are recent: look from the end.
    for (qsizetype i = m_entries.size() - 1; i >= 0; --i) {
        if (m_entries[i].pending && m_entries[i].sendId == sendId)
            return &m_entries[i];
    }
    return nullptr;
}

bool Conversation::confirmSent(quint64 sendId)
{
    Entry *entry = pendingEntry(sendId);
    if (!entry)
        return false;
    entry->pending = false;
    Q_EMIT entriesChanged();
    return true;
}

bool Conversation::markNotSent(quint64 sendId)
{
    Entry *entry = pendingEntry(sendId);
    if (!entry)
        return false;
    entry->pending = false;
    entry->failed = true;
    Q_EMIT entriesChanged();
    return true;
}

void Conversation::clear()
{
    m_entries.clear();
    Q_EMIT cleared();
}

void Conversation::setActive(bool active)
{
    m_active = active;
    if (active && (m_unread > 0 || m_unreadHighlight)) {
        m_unread = 0;
        m_unreadHighlight = false;
        Q_EMIT unreadChanged();
    }
}

static bool isWordCharacter(QChar c)
{
    return c.isLetterOrNumber() || c == u'_' || c.isMark();
}

bool Conversation::mentions(const QString &text, const QString &name)
{
    if (name.isEmpty())
        return false;
    qsizetype from = 0;
    while (true) {
        const qsizetype at = text.indexOf(name, from, Qt::CaseInsensitive);
        if (at < 0)
            return false;
        const qsizetype end = at + name.size();
        const bool startsWord = at == 0 || !isWordCharacter(text.at(at - 1));
        const bool endsWord = end >= text.size() || !isWordCharacter(text.at(end));
        if (startsWord && endsWord)
            return true;
        from = at + 1;
    }
}

void Conversation::prepend(const QList<Entry> &entries)
{
    setLoadingOlder(false);
    QList<Entry> older;
    for (Entry entry : entries) {
        entry.time = entry.time.isValid() ? entry.time.toLocalTime() : QDateTime::currentDateTime();
        older.append(entry);
    }
    const qsizetype room = m_scrollbackLimit - m_entries.size();
    if (room <= 0)
        return;
    if (older.size() > room)
        older.remove(0, older.size() - room); // the newest of them, next to what is shown
    m_entries = older + m_entries;
    Q_EMIT entriesChanged();
}

void Conversation::setLoadingOlder(bool loading)
{
    if (m_loadingOlder == loading)
        return;
    m_loadingOlder = loading;
    if (loading) {
        Entry row;
        row.kind = Kind::Notice;
        row.time = m_entries.isEmpty() ? QDateTime::currentDateTime() : m_entries.constFirst().time;
        row.text = tr("Loading older messages…");
        m_entries.prepend(row);
    } else if (!m_entries.isEmpty() && m_entries.constFirst().kind == Kind::Notice
               && m_entries.constFirst().text == tr("Loading older messages…")) {
        m_entries.removeFirst();
    }
    Q_EMIT entriesChanged();
}
