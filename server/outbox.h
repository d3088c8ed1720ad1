#pragma once

#include <QByteArray>

#include <deque>
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
class Outbox
{
public:
    Outbox(int socketDescriptor, qsizetype maxUnsentBytes);
    Outbox(const Outbox &) = delete;
    Outbox &operator=(const Outbox &) = delete;

    // The object whose "onOutboxReady" slot is invoked (queued) when queued data
    // or an overflow needs its attention; nullptr stops the wake-ups.
    void setOwner(QObject *owner);

    // Any thread: sends bytes or queues them behind earlier ones.
    void post(const QByteArray &bytes);

    // Owner thread: writes what the socket takes. True when nothing is left.
    bool flush();

    // Owner thread: no more sends after this; the owner may close the descriptor.
    void close();

    bool hasOverflowed() const;
    qsizetype unsentBytes() const;

private:
    void wakeOwnerLocked();
    bool writeQueueLocked();

    mutable std::mutex m_mutex;
    int m_socket; // -1 once closed
    qsizetype m_maxUnsentBytes;
    std::deque<QByteArray> m_queue;
    qsizetype m_headOffset = 0; // bytes of m_queue.front() already sent
    qsizetype m_unsentBytes = 0;
    QObject *m_owner = nullptr;
    bool m_wakePending = false;
    bool m_overflowed = false;
};
