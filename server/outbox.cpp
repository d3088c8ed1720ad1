// SPDX-License-Identifier: MIT
#include "outbox.h"

#include "dialect.h"
#include "metrics.h"
#include "outboxowner.h"
#include "roomlog.h"
#include "trace.h"
#include "walker.h"

#include <algorithm>

#include <cerrno>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace {
constexpr qsizetype SmallQueue = 16;
}

Outbox::Outbox(int socketDescriptor, qsizetype maxUnsentBytes, quint64 connectionId, Writer writer)
    : m_socket(socketDescriptor)
    , m_maxUnsentBytes(maxUnsentBytes)
    , m_ownerWrites(writer == Writer::Owner)
    , m_connectionId(connectionId)
{ }

void Outbox::setOwner(OutboxOwner *owner)
{
    std::lock_guard lock(m_mutex);
    m_owner = owner;
}

// Sends without blocking; returns bytes written, 0 when the kernel buffer is full,
// -1 when the connection is broken (the owner's read side will see why).
static qsizetype sendSome(int socket, const char *data, qsizetype size)
{
    for (;;) {
        const ssize_t written = ::send(socket, data, size_t(size), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (written >= 0) {
            Metrics::instance().add(Metrics::Counter::BytesSent, quint64(written));
            return written;
        }
        if (errno == EINTR)
            continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
}

void Outbox::setPacing(std::chrono::milliseconds gap)
{
    std::lock_guard lock(m_mutex);
    m_gap = gap;
}

bool Outbox::mayWriteNowLocked(Clock::time_point now) const
{
    return m_gap == Clock::duration::zero() || now - m_lastObjectSent >= m_gap;
}

void Outbox::attach(const RoomLog *log, const Dialect &dialect)
{
    std::lock_guard lock(m_mutex);
    m_dialectSlot = std::size_t(dialect.slot());
    if (m_overflowed || m_socket < 0)
        return;
    const RoomLog::Position end = log->end();
    for (Subscription &room : m_rooms) {
        if (room.log == log) {
            room.cursor = end.seq;
            room.cursorOffset = end.offset;
            return;
        }
    }
    m_rooms.push_back({ log, end.seq, end.offset });
}

void Outbox::detach(const RoomLog *log)
{
    std::lock_guard lock(m_mutex);
    // What the room said before the client left is still the client's.
    if (m_socket >= 0 && !m_overflowed) {
        pullRoomsLocked();
        writeOrWakeLocked();
    }
    for (auto it = m_rooms.begin(); it != m_rooms.end(); ++it) {
        if (it->log == log) {
            *it = m_rooms.back(); // order does not matter
            m_rooms.pop_back();
            return;
        }
    }
}

bool Outbox::requestWalk(const std::shared_ptr<Walker> &walker)
{
    std::lock_guard lock(m_mutex);
    if (!m_owner || m_socket < 0)
        return false;
    if (std::find(m_walks.begin(), m_walks.end(), walker) == m_walks.end())
        m_walks.push_back(walker);
    wakeOwnerLocked();
    return true;
}

void Outbox::runRequestedWalks()
{
    std::vector<std::shared_ptr<Walker>> walks;
    {
        std::lock_guard lock(m_mutex);
        walks.swap(m_walks);
    }
    for (const std::shared_ptr<Walker> &walker : walks)
        walker->deliver(); // without our lock: the walk takes every member's
}

qint64 Outbox::cursorIn(const RoomLog *log) const
{
    std::lock_guard lock(m_mutex);
    for (const Subscription &room : m_rooms) {
        if (room.log == log)
            return room.cursor;
    }
    return -1;
}

bool Outbox::behindLocked() const
{
    for (const Subscription &room : m_rooms) {
        if (room.cursor != room.log->lastSeq())
            return true;
    }
    return false;
}

void Outbox::post(const QByteArray &bytes)
{
    Posted posted;
    {
        std::lock_guard lock(m_mutex);
        posted = postLocked(bytes);
    }
    // After the lock: a trace line must not hold up the threads sending here.
    if (Q_UNLIKELY(Trace::enabled())) {
        Trace::frameOut(m_connectionId, bytes,
                        posted == Posted::Written      ? "written"
                            : posted == Posted::Queued ? "left-to-owner"
                                                       : "dropped");
    }
}

Outbox::Posted Outbox::postLocked(const QByteArray &bytes)
{
    if (m_socket < 0 || m_overflowed)
        return Posted::Dropped;
    pullRoomsLocked();
    if (m_overflowed) {
        wakeOwnerLocked();
        return Posted::Dropped;
    }
    const Clock::time_point now = Clock::now();
    if (m_queue.isEmpty() && !m_socketFull && !m_ownerWrites && mayWriteNowLocked(now)) {
        // The usual case, a reply to a quiet client: no queue, no allocation.
        const qsizetype offset = sendSome(m_socket, bytes.constData(), bytes.size());
        if (offset > 0)
            m_lastObjectSent = now;
        if (offset == bytes.size())
            return Posted::Written;
        if (offset < 0)
            return Posted::Dropped;
        m_socketFull = true; // the kernel took part or nothing: the rest waits for it
        appendLocked(bytes, offset);
        wakeOwnerLocked();
        return Posted::Queued;
    }
    appendLocked(bytes, 0);
    writeOrWakeLocked();
    return m_overflowed ? Posted::Dropped : m_queue.isEmpty() ? Posted::Written : Posted::Queued;
}

Outbox::Delivery Outbox::deliver(std::chrono::nanoseconds coalesce, Clock::time_point now)
{
    std::lock_guard lock(m_mutex);
    if (m_socket < 0 || m_overflowed || m_rooms.empty())
        return Delivery::Nothing;
    if (m_queue.isEmpty() && !behindLocked())
        return Delivery::Nothing;
    // Held back unless far behind: a log must not drop what this client is owed.
    if (coalesce.count() > 0 && m_headOffset == 0 && now - m_lastObjectSent < coalesce) {
        qint64 owed = 0;
        for (const Subscription &room : m_rooms)
            owed = qMax(owed, room.log->appendedBytes() - room.cursorOffset);
        if (owed < m_maxUnsentBytes / 2)
            return Delivery::HeldBack;
    }
    pullRoomsLocked();
    if (m_queue.isEmpty() && !m_overflowed)
        return Delivery::Nothing; // only its own messages: its cursor moved past them
    writeOrWakeLocked();
    if (m_overflowed)
        return Delivery::Nothing; // dropped: its owner reports it
    return m_queue.isEmpty() ? Delivery::Written : Delivery::LeftToOwner;
}

// Takes what the rooms said since this client's cursors: references to the
// shared bytes, nothing copied.
void Outbox::pullRoomsLocked()
{
    for (std::size_t i = 0; i < m_rooms.size() && !m_overflowed; ++i) {
        Subscription &room = m_rooms[i];
        if (room.cursor == room.log->lastSeq())
            continue;
        const bool caughtUp =
            room.log->readAfter(room.cursor, [this, &room](const RoomLog::Entry &entry) {
                room.cursor = entry.seq;
                room.cursorOffset = entry.endOffset;
                if (entry.except == this || m_overflowed)
                    return;
                appendLocked(entry.bytes[m_dialectSlot], 0);
            });
        if (!caughtUp) // the log no longer holds what this client still owes
            overflowLocked();
    }
}

void Outbox::appendLocked(const QByteArray &bytes, qsizetype alreadySent)
{
    m_queue.push_back(bytes); // implicitly shared: no copy of the broadcast
    if (m_queue.size() == 1)
        m_headOffset = alreadySent;
    m_unsentBytes += bytes.size() - alreadySent;
    if (m_unsentBytes + m_heldByOwner > m_maxUnsentBytes)
        overflowLocked();
}

void Outbox::overflowLocked()
{
    m_overflowed = true;
    m_rooms.clear();
    m_queue = {};
    m_unsentBytes = 0;
}

// Writes what the socket and the pacing allow; the owner takes over when the
// socket is full or a paced client must wait.
void Outbox::writeOrWakeLocked()
{
    if (m_overflowed) {
        wakeOwnerLocked();
        return;
    }
    if (m_queue.isEmpty() || m_socketFull) // the owner already waits for the socket
        return;
    if (m_ownerWrites || writeQueueLocked(nullptr) != WriteState::Drained)
        wakeOwnerLocked();
}

void Outbox::wakeOwnerLocked()
{
    if (m_wakePending || !m_owner)
        return;
    m_wakePending = true;
    m_owner->wakeForOutbox();
}

Outbox::WriteState Outbox::write(std::chrono::milliseconds *delay)
{
    std::lock_guard lock(m_mutex);
    m_wakePending = false;
    m_socketFull = false; // called when the socket became writable, or to find out
    pullRoomsLocked();
    if (m_overflowed) {
        wakeOwnerLocked(); // what was just taken from the log went over the cap
        return WriteState::Drained;
    }
    return writeQueueLocked(delay);
}

Outbox::WriteState Outbox::take(QList<QByteArray> *objects, qsizetype budget,
                                std::chrono::milliseconds *delay)
{
    std::lock_guard lock(m_mutex);
    m_wakePending = false;
    pullRoomsLocked();
    if (m_overflowed) {
        wakeOwnerLocked();
        return WriteState::Drained;
    }
    const bool paced = m_gap != Clock::duration::zero();
    const Clock::time_point now = Clock::now();
    if (paced && !m_queue.isEmpty() && !mayWriteNowLocked(now)) {
        if (delay)
            *delay = std::chrono::ceil<std::chrono::milliseconds>(m_gap - (now - m_lastObjectSent));
        return WriteState::Paced;
    }
    qsizetype taken = 0;
    while (!m_queue.isEmpty() && taken < budget) {
        taken += m_queue.first().size();
        objects->append(m_queue.takeFirst());
        if (paced)
            break;
    }
    if (taken > 0)
        m_lastObjectSent = now;
    m_unsentBytes -= taken;
    m_heldByOwner += taken; // until the owner says what its buffers hold
    if (m_queue.isEmpty()) {
        if (m_queue.capacity() > SmallQueue)
            m_queue = {};
        return WriteState::Drained;
    }
    if (paced) {
        if (delay)
            *delay = std::chrono::ceil<std::chrono::milliseconds>(m_gap);
        return WriteState::Paced;
    }
    return WriteState::SocketFull;
}

void Outbox::setHeldByOwner(qsizetype bytes)
{
    std::lock_guard lock(m_mutex);
    m_heldByOwner = bytes;
}

// Writes the queue with as few system calls as possible: under load a client
// owes many small messages, and one sendmsg() with many pieces beats one send()
// per message. A paced queue goes out one object per call instead.
Outbox::WriteState Outbox::writeQueueLocked(std::chrono::milliseconds *delay)
{
    constexpr qsizetype MaxPieces = 64;
    iovec pieces[MaxPieces];
    const bool paced = m_gap != Clock::duration::zero();
    while (!m_queue.isEmpty() && m_socket >= 0) {
        const Clock::time_point now = Clock::now();
        if (paced && m_headOffset == 0 && !mayWriteNowLocked(now)) {
            if (delay) {
                *delay =
                    std::chrono::ceil<std::chrono::milliseconds>(m_gap - (now - m_lastObjectSent));
            }
            return WriteState::Paced;
        }
        const qsizetype count = paced ? 1 : qMin(MaxPieces, m_queue.size());
        for (qsizetype i = 0; i < count; ++i) {
            const QByteArray &piece = m_queue.at(i);
            const qsizetype offset = i == 0 ? m_headOffset : 0;
            pieces[i].iov_base = const_cast<char *>(piece.constData() + offset);
            pieces[i].iov_len = std::size_t(piece.size() - offset);
        }
        msghdr message {};
        message.msg_iov = pieces;
        message.msg_iovlen = std::size_t(count);
        ssize_t written;
        do {
            written = ::sendmsg(m_socket, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
        } while (written < 0 && errno == EINTR);
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            m_socketFull = true;
            return WriteState::SocketFull;
        }
        if (written < 0) { // broken: the owner's read side finds out why
            m_queue = {};
            m_unsentBytes = 0;
            break;
        }
        if (m_headOffset == 0 && written > 0)
            m_lastObjectSent = now;
        Metrics::instance().add(Metrics::Counter::BytesSent, quint64(written));
        m_unsentBytes -= written;
        qsizetype remaining = written;
        while (remaining > 0) {
            const qsizetype headLeft = m_queue.first().size() - m_headOffset;
            if (remaining < headLeft) {
                m_headOffset += remaining;
                m_socketFull = true; // the kernel took only part
                return WriteState::SocketFull;
            }
            remaining -= headLeft;
            m_queue.removeFirst();
            m_headOffset = 0;
        }
    }
    // Drained: keep a small queue's storage for the next burst, free a big one.
    if (m_queue.capacity() > SmallQueue)
        m_queue = {};
    else
        m_queue.clear();
    return WriteState::Drained;
}

void Outbox::discardQueued()
{
    std::lock_guard lock(m_mutex);
    for (Subscription &room : m_rooms) {
        const RoomLog::Position end = room.log->end();
        room.cursor = end.seq;
        room.cursorOffset = end.offset;
    }
    if (m_headOffset > 0) {
        const QByteArray head = m_queue.first();
        m_queue = { head };
        m_unsentBytes = head.size() - m_headOffset;
    } else {
        m_queue = {};
        m_unsentBytes = 0;
    }
}

void Outbox::close()
{
    std::lock_guard lock(m_mutex);
    if (m_socket >= 0 && !m_queue.isEmpty() && !m_overflowed && !m_ownerWrites) {
        m_gap = {}; // last words (a shutdown notice) go out now, paced or not
        writeQueueLocked(nullptr);
    }
    m_socket = -1;
    m_owner = nullptr;
    m_rooms.clear();
    m_queue = {};
    m_unsentBytes = 0;
}

bool Outbox::peerHasGone() const
{
    std::lock_guard lock(m_mutex); // the descriptor stays ours while we hold it
    if (m_socket < 0)
        return true;
    pollfd state { m_socket, POLLRDHUP, 0 };
    if (::poll(&state, 1, 0) != 1)
        return false;
    if (state.revents & (POLLHUP | POLLERR))
        return true;
    // Closed after its last words: gone once its thread has read them all.
    int unread = 0;
    return (state.revents & POLLRDHUP) && ::ioctl(m_socket, FIONREAD, &unread) == 0 && unread == 0;
}

bool Outbox::hasOverflowed() const
{
    std::lock_guard lock(m_mutex);
    return m_overflowed;
}

qsizetype Outbox::unsentBytes() const
{
    std::lock_guard lock(m_mutex);
    return m_unsentBytes;
}
