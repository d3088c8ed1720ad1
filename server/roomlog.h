// SPDX-License-Identifier: MIT
#pragma once

#include "dialect.h"

#include <QByteArray>

#include <atomic>
#include <deque>
#include <mutex>

class Outbox;

// The room's broadcasts in the one order every member receives them.
//
// A broadcast is appended once, serialised once per dialect that writes it
// differently; each member's Outbox keeps a cursor into the log and takes what
// is new (references to the shared bytes) when it next writes. Appending is the
// only step that must be ordered, so the ordering lock covers one append, not a
// queue operation per member (docs/BENCHMARKS.md has the measurements).
//
// The log keeps at most the newest retainBytes of traffic, and forgets what
// every member has taken (the room tells it). A member whose cursor falls
// behind the oldest entry kept owes more than that and is treated as a reader
// that has stopped.
class RoomLog
{
public:
    struct Entry
    {
        qint64 seq = 0;
        qint64 endOffset = 0; // bytes appended to the log up to and including this one
        Dialect::Bytes bytes; // by Dialect::slot(); equal entries share one buffer
        const Outbox *except = nullptr; // the sender, which does not receive its own
    };

    explicit RoomLog(qsizetype retainBytes);
    RoomLog(const RoomLog &) = delete;
    RoomLog &operator=(const RoomLog &) = delete;

    // The caller serialises appends with its own numbering (the hub's lock).
    void append(const Dialect::Bytes &bytes, const Outbox *except);

    // The seq of the newest entry (0 before the first); any thread, no lock.
    qint64 lastSeq() const { return m_lastSeq.load(std::memory_order_acquire); }
    // Bytes appended since the start, counted in the rich dialect's form (the
    // endOffset of the newest entry); any thread, no lock: how far behind a
    // cursor is, in bytes.
    qint64 appendedBytes() const { return m_appendedBytes.load(std::memory_order_acquire); }

    struct Position
    {
        qint64 seq = 0;
        qint64 offset = 0;
    };
    // Where the next reader starts to see nothing of the past.
    Position end() const;

    // Forgets the entries up to and including seq, which every reader has taken.
    void dropThrough(qint64 seq);

    // Calls visit(entry) for every entry after seq `after`, oldest first, under
    // the log's lock (visit must not call back into the log). Returns false,
    // visiting nothing, when entries after `after` have already been dropped.
    template<typename Visit> bool readAfter(qint64 after, Visit visit) const
    {
        std::lock_guard lock(m_mutex);
        if (m_entries.empty())
            return after >= m_lastSeq.load(std::memory_order_relaxed);
        const qint64 first = m_entries.front().seq;
        if (after + 1 < first)
            return false;
        for (auto it = m_entries.begin() + (after + 1 - first); it != m_entries.end(); ++it)
            visit(*it);
        return true;
    }

private:
    const qsizetype m_retainBytes;
    mutable std::mutex m_mutex;
    std::deque<Entry> m_entries;
    qsizetype m_bytes = 0;
    std::atomic<qint64> m_lastSeq { 0 };
    std::atomic<qint64> m_appendedBytes { 0 };
};
