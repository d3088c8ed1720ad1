// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

class Dialect;
class OutboxOwner;
class RoomLog;
class Walker;

// The bytes owed to one client, shared by every thread that sends to it.
//
// Two streams meet here: the broadcasts of the rooms the client is in, read
// from each room's RoomLog at this client's cursor in it, and what is meant for
// this client alone (replies, private messages, notices). Whatever is new in
// the logs is always taken before a private message is queued, so nothing
// overtakes what was said before it.
// Writes go straight into the socket from whichever thread has something to
// send, with no thread switch; what the kernel refuses stays queued here and
// the owner (the connection's transport) is woken once to write it when the
// socket drains. A client that owes more than the cap is cut off: the queue is
// freed and the owner is told. Everything crossing threads is guarded by
// m_mutex, so ThreadSanitizer sees every hand-off.
//
// A client that parses each read as one object (Dialect::readsOneObjectPerReceive)
// gets a paced Outbox: one object at a time, at least a minimum gap apart, with
// the rest queued for the owner's timer.
//
// A TLS client's Outbox is made with Writer::Owner: its bytes must be encrypted
// by the one thread that owns the connection's TLS state, so no other thread
// writes; they queue (references to the room logs' bytes, as ever) and wake the
// owner, which take()s the queue into its encrypting socket.
class Outbox
{
public:
    enum class Writer {
        Any, // whichever thread sends writes into the socket itself
        Owner, // only the owner writes, through take()
    };
    // connectionId names the client in trace lines (0: none).
    Outbox(int socketDescriptor, qsizetype maxUnsentBytes, quint64 connectionId = 0,
           Writer writer = Writer::Any);
    Outbox(const Outbox &) = delete;
    Outbox &operator=(const Outbox &) = delete;

    // Woken when queued data or an overflow needs its attention; nullptr stops
    // the wake-ups.
    void setOwner(OutboxOwner *owner);

    // Owner thread: from now on send one object per gap (zero: no pacing).
    void setPacing(std::chrono::milliseconds gap);

    // Under the room's lock: from now on the broadcasts appended to log after
    // this call are this client's too, in its dialect's form.
    void attach(const RoomLog *log, const Dialect &dialect);
    // Under the room's lock: no more of log's broadcasts (the client left the
    // room) after those already appended, which it is still sent.
    void detach(const RoomLog *log);

    // Any thread: sends bytes (one whole object) or queues them behind earlier ones.
    void post(const QByteArray &bytes);

    // Any thread (a room's walk): sends what is new in the room logs. Under load
    // (coalesce > 0) a client written to less than coalesce before now is left
    // to a later walk or the hub's sweep, so that several messages share one
    // packet instead of one packet each.
    using Clock = std::chrono::steady_clock;
    enum class Delivery {
        Nothing, // nothing new, or in no room
        HeldBack, // coalescing: left for a later walk
        Written, // into the socket, by the calling thread
        LeftToOwner, // socket full or paced: the owner's thread writes the rest
    };
    Delivery deliver(std::chrono::nanoseconds coalesce, Clock::time_point now);

    // Any thread: asks the owner's thread to run walker's deliver() soon.
    // False when there is no owner to ask (closed): the caller walks itself.
    bool requestWalk(const std::shared_ptr<Walker> &walker);
    // Owner thread: runs the walks asked for.
    void runRequestedWalks();

    // The last entry of log this client has taken (-1: not in that room, or
    // dropped); a room's log may forget what every member has taken.
    qint64 cursorIn(const RoomLog *log) const;

    enum class WriteState {
        Drained, // nothing left
        SocketFull, // wait until the socket is writable
        Paced, // wait *delay, then write again
    };
    // Owner thread: writes what the socket and the pacing allow.
    WriteState write(std::chrono::milliseconds *delay = nullptr);

    // Owner thread, Writer::Owner: moves whole queued objects into *objects,
    // about budget bytes of them (one, when paced and its gap has passed), for
    // the owner to write. SocketFull: more is queued than budget allowed.
    WriteState take(QList<QByteArray> *objects, qsizetype budget,
                    std::chrono::milliseconds *delay = nullptr);
    // Owner thread, Writer::Owner: bytes the owner's own buffers still hold
    // (taken but not yet sent), counted against the cap like the queue.
    void setHeldByOwner(qsizetype bytes);

    // Drops what is queued (but finishes an object already half sent), so that
    // last words such as a shutdown notice go out next.
    void discardQueued();

    // Owner thread: writes what is still queued if the socket takes it, then
    // allows no more sends; the owner may close the descriptor.
    void close();

    // Any thread: the client has gone (reset, or closed with nothing left to
    // read), whether or not its own thread has noticed yet.
    bool peerHasGone() const;

    bool hasOverflowed() const;
    qsizetype unsentBytes() const;
    quint64 connectionId() const { return m_connectionId; }

private:
    enum class Posted { Written, Queued, Dropped };
    Posted postLocked(const QByteArray &bytes);
    void wakeOwnerLocked();
    void pullRoomsLocked();
    bool behindLocked() const;
    void appendLocked(const QByteArray &bytes, qsizetype alreadySent);
    void overflowLocked();
    void writeOrWakeLocked();
    WriteState writeQueueLocked(std::chrono::milliseconds *delay);
    bool mayWriteNowLocked(Clock::time_point now) const;

    mutable std::mutex m_mutex;
    int m_socket; // -1 once closed
    qsizetype m_maxUnsentBytes;
    QList<QByteArray> m_queue; // allocates nothing while empty, the usual case
    qsizetype m_headOffset = 0; // bytes of m_queue.front() already sent
    qsizetype m_unsentBytes = 0;
    Clock::duration m_gap {}; // pacing for seed clients
    Clock::time_point m_lastObjectSent;
    OutboxOwner *m_owner = nullptr;
    struct Subscription
    {
        const RoomLog *log = nullptr;
        qint64 cursor = 0; // the last log entry taken
        qint64 cursorOffset = 0; // its RoomLog::Entry::endOffset
    };
    std::vector<Subscription> m_rooms; // one per room the client is in
    std::vector<std::shared_ptr<Walker>> m_walks; // asked for, not yet run
    std::size_t m_dialectSlot = 0; // which of a log entry's forms this client reads
    bool m_wakePending = false;
    bool m_socketFull = false; // the owner waits for the socket to drain
    bool m_overflowed = false;
    const bool m_ownerWrites;
    qsizetype m_heldByOwner = 0; // Writer::Owner: taken, not yet sent
    const quint64 m_connectionId;
};
