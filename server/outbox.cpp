#include "outbox.h"

#include <QMetaObject>
#include <QObject>

#include <cerrno>
#include <sys/socket.h>

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

bool Outbox::writeQueueLocked()
{
    while (!m_queue.empty() && m_socket >= 0) {
        const QByteArray &head = m_queue.front();
        const qsizetype written =
            sendSome(m_socket, head.constData() + m_headOffset, head.size() - m_headOffset);
        if (written < 0) {
            m_queue.clear();
            m_unsentBytes = 0;
            break;
        }
        if (written == 0)
            return false;
        m_headOffset += written;
        m_unsentBytes -= written;
        if (m_headOffset == head.size()) {
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
