#include "outbox.h"

#include <QMetaObject>
#include <QObject>

#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>

Outbox::Outbox(int socketDescriptor, qsizetype maxUnsentBytes)
    : m_socket(socketDescriptor), m_maxUnsentBytes(maxUnsentBytes)
{ }

void Outbox::setOwner(QObject *owner)
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
        if (written >= 0)
            return written;
        if (errno == EINTR)
            continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
}

void Outbox::post(const QByteArray &bytes)
{
    std::lock_guard lock(m_mutex);
    if (m_socket < 0 || m_overflowed)
        return;
    qsizetype offset = 0;
    if (m_queue.empty()) {
        offset = sendSome(m_socket, bytes.constData(), bytes.size());
        if (offset == bytes.size() || offset < 0)
            return;
    }
    m_queue.push_back(bytes); // implicitly shared: no copy of the broadcast
    if (m_queue.size() == 1)
        m_headOffset = offset;
    m_unsentBytes += bytes.size() - offset;
    if (m_unsentBytes > m_maxUnsentBytes) {
        m_overflowed = true;
        m_queue.clear();
        m_unsentBytes = 0;
    }
    wakeOwnerLocked();
}

void Outbox::wakeOwnerLocked()
{
    if (m_wakePending || !m_owner)
        return;
    m_wakePending = true;
    QMetaObject::invokeMethod(m_owner, "onOutboxReady", Qt::QueuedConnection);
}

bool Outbox::flush()
{
    std::lock_guard lock(m_mutex);
    m_wakePending = false;
    return writeQueueLocked();
}

// Writes the queue with as few system calls as possible: under load a client
// owes many small messages, and one sendmsg() with many pieces beats one send()
// per message.
bool Outbox::writeQueueLocked()
{
    constexpr std::size_t MaxPieces = 64;
    iovec pieces[MaxPieces];
    while (!m_queue.empty() && m_socket >= 0) {
        std::size_t count = 0;
        for (auto it = m_queue.cbegin(); it != m_queue.cend() && count < MaxPieces; ++it) {
            const qsizetype offset = count == 0 ? m_headOffset : 0;
            pieces[count].iov_base = const_cast<char *>(it->constData() + offset);
            pieces[count].iov_len = std::size_t(it->size() - offset);
            ++count;
        }
        msghdr message {};
        message.msg_iov = pieces;
        message.msg_iovlen = count;
        ssize_t written;
        do {
            written = ::sendmsg(m_socket, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
        } while (written < 0 && errno == EINTR);
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        if (written < 0) { // broken: the owner's read side finds out why
            m_queue.clear();
            m_unsentBytes = 0;
            break;
        }
        m_unsentBytes -= written;
        qsizetype remaining = written;
        while (remaining > 0) {
            const qsizetype headLeft = m_queue.front().size() - m_headOffset;
            if (remaining < headLeft) {
                m_headOffset += remaining;
                return false; // the kernel took only part: wait until writable
            }
            remaining -= headLeft;
            m_queue.pop_front();
            m_headOffset = 0;
        }
    }
    return true;
}

void Outbox::close()
{
    std::lock_guard lock(m_mutex);
    m_socket = -1;
    m_owner = nullptr;
    m_queue.clear();
    m_unsentBytes = 0;
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
