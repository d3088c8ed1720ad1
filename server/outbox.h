#pragma once

#include <QByteArray>
#include <QList>

#include <chrono>
#include <mutex>

class QObject;

// The bytes owed to one client, shared by every thread that sends to it.
//
// A sender writes straight into the client's socket when nothing is queued, so
// a quiet room costs one send() per recipient and no thread switch. What the
// kernel refuses is queued here, and the connection's own thread is woken once
// (by method name, carrying no data) to wait for the socket to drain. A client
// that owes more than the cap is cut off: the queue is freed and the owner is
// told to close. Everything crossing threads is guarded by m_mutex, so
// ThreadSanitizer sees every hand-off.
//
// A seed client reads with recv(1024) and json.loads(), which fails on two
// objects in one read, so its Outbox is paced: one object at a time, at least
// a minimum gap apart, with the rest queued for the owner's timer.
class Outbox
{
public:
    Outbox(int socketDescriptor, qsizetype maxUnsentBytes);
    Outbox(const Outbox &) = delete;
    Outbox &operator=(const Outbox &) = delete;

    // The object whose "onOutboxReady" slot is invoked (queued) when queued data
    // or an overflow needs its attention; nullptr stops the wake-ups.
    void setOwner(QObject *owner);

    // Owner thread: from now on send one object per gap (zero: no pacing).
    void setPacing(std::chrono::milliseconds gap);

    // Any thread: sends bytes (one whole object) or queues them behind earlier ones.
    void post(const QByteArray &bytes);

    // Any thread: queues bytes without a system call. A room broadcast enqueues to
    // every recipient under the hub's ordering lock, then calls flushQueued() on
    // each outside it: the order is fixed first, the slow part runs in parallel,
    // and whatever piled up meanwhile leaves in one sendmsg().
    void enqueue(const QByteArray &bytes);
    // Under load (coalesce > 0) a client written to less than coalesce ago is
    // left to a later broadcast or the hub's sweep, so that several messages
    // share one packet instead of one packet each.
    void flushQueued(std::chrono::nanoseconds coalesce = {});

    enum class FlushState {
        Drained, // nothing left
        SocketFull, // wait until the socket is writable
        Paced, // wait *delay, then flush again
    };
    // Owner thread: writes what the socket and the pacing allow.
    FlushState flush(std::chrono::milliseconds *delay = nullptr);

    // Drops what is queued (but finishes an object already half sent), so that
    // last words such as a shutdown notice go out next.
    void discardQueued();

    // Owner thread: writes what is still queued if the socket takes it, then
    // allows no more sends; the owner may close the descriptor.
    void close();

    bool hasOverflowed() const;
    qsizetype unsentBytes() const;

private:
    using Clock = std::chrono::steady_clock;

    void wakeOwnerLocked();
    void appendLocked(const QByteArray &bytes, qsizetype alreadySent);
    FlushState writeQueueLocked(std::chrono::milliseconds *delay);
    bool mayWriteNowLocked(Clock::time_point now) const;

    mutable std::mutex m_mutex;
    int m_socket; // -1 once closed
    qsizetype m_maxUnsentBytes;
    QList<QByteArray> m_queue; // allocates nothing while empty, the usual case
    qsizetype m_headOffset = 0; // bytes of m_queue.front() already sent
    qsizetype m_unsentBytes = 0;
    Clock::duration m_gap {}; // pacing for seed clients
    Clock::time_point m_lastObjectSent;
    QObject *m_owner = nullptr;
    bool m_wakePending = false;
    bool m_overflowed = false;
};
