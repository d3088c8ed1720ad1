// SPDX-License-Identifier: MIT
#include "tcptransport.h"

#include "metrics.h"
#include "outbox.h"
#include "serverconfig.h"
#include "trace.h"

#include <QSocketNotifier>
#include <QTimerEvent>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {
// Received straight into the decoder's buffer: a buffer on the stack would lie
// above everything a join calls, and every stack page a connection's thread
// touches once stays resident for the connection's life.
constexpr int ReadChunk = 2048;
constexpr int MaxReadsPerWakeup = 8; // then let other work on this thread run

QString peerName(int socket)
{
    sockaddr_storage address {};
    socklen_t length = sizeof(address);
    if (::getpeername(socket, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return QStringLiteral("?");
    char host[INET6_ADDRSTRLEN] = {};
    quint16 port = 0;
    if (address.ss_family == AF_INET6) {
        const auto *in6 = reinterpret_cast<const sockaddr_in6 *>(&address);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
        return QStringLiteral("[%1]:%2").arg(QString::fromLatin1(host)).arg(port);
    }
    const auto *in4 = reinterpret_cast<const sockaddr_in *>(&address);
    ::inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
    port = ntohs(in4->sin_port);
    return QStringLiteral("%1:%2").arg(QString::fromLatin1(host)).arg(port);
}
} // namespace

TcpTransport::TcpTransport(qintptr socketDescriptor, quint64 connectionId,
                           const ServerConfig *config)
    : m_config(config), m_connectionId(connectionId), m_socket(int(socketDescriptor))
{ }

TcpTransport::~TcpTransport()
{
    // Only when the thread never ran or was stopped: close() closes otherwise.
    if (m_socket >= 0) {
        if (m_outbox)
            m_outbox->close();
        ::close(m_socket);
    }
}

void TcpTransport::start(Listener *listener)
{
    m_listener = listener;
    ::fcntl(m_socket, F_SETFL, ::fcntl(m_socket, F_GETFL) | O_NONBLOCK);
    const int on = 1;
    // Chat lines are small and latency matters; Outbox batches under load.
    ::setsockopt(m_socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    // A seed client is never pinged; the kernel still notices a vanished host.
    ::setsockopt(m_socket, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    // Left to itself the kernel grows a send buffer to megabytes for a client
    // that does not read, all of it owed before --max-unsent-bytes even starts.
    if (m_config->sendBufferBytes > 0) {
        ::setsockopt(m_socket, SOL_SOCKET, SO_SNDBUF, &m_config->sendBufferBytes,
                     sizeof(m_config->sendBufferBytes));
    }
    m_peer = peerName(m_socket);
    m_outbox = std::make_shared<Outbox>(m_socket, m_config->maxUnsentBytes, m_connectionId);
    m_outbox->setOwner(this);
    m_decoder = std::make_unique<JsonFrameDecoder>(m_config->maxFrameBytes, m_config->maxDepth);
    m_readNotifier = new QSocketNotifier(m_socket, QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &TcpTransport::onReadable);
}

JsonFrameDecoder::Result TcpTransport::nextFrame(QByteArray *frame)
{
    if (m_closing)
        return JsonFrameDecoder::Result::NeedMoreData;
    if (Q_UNLIKELY(m_nextTracedFrame < m_tracedFrames.size())) {
        DecodedFrame &decoded = m_tracedFrames[m_nextTracedFrame++];
        *frame = std::move(decoded.frame);
        return decoded.result;
    }
    return m_decoder->next(frame);
}

// Takes every frame this read completed out of the decoder (in the order, and
// with the results, the session would have had them) and traces the read.
void TcpTransport::traceRead(qsizetype bytes)
{
    m_tracedFrames.clear();
    m_nextTracedFrame = 0;
    int frames = 0;
    for (;;) {
        QByteArray frame;
        const JsonFrameDecoder::Result result = m_decoder->next(&frame);
        if (result == JsonFrameDecoder::Result::NeedMoreData)
            break;
        const bool complete = result == JsonFrameDecoder::Result::Frame
            || result == JsonFrameDecoder::Result::Garbage;
        m_tracedFrames.append({ result, std::move(frame) });
        if (!complete)
            break; // the decoder has failed and stays failed: the session closes
        ++frames;
    }
    Trace::read(m_connectionId, bytes, frames, m_decoder->bufferedBytes());
}

qsizetype TcpTransport::maxFrameBytes() const
{
    return m_decoder->maxFrameBytes();
}

void TcpTransport::send(const QByteArray &bytes)
{
    m_outbox->post(bytes);
}

void TcpTransport::setPacing(std::chrono::milliseconds gap)
{
    m_outbox->setPacing(gap);
    onWritable(); // what waited for the old pacing may go now
}

void TcpTransport::discardQueued()
{
    m_outbox->discardQueued();
}

void TcpTransport::onReadable()
{
    for (int i = 0; i < MaxReadsPerWakeup && m_socket >= 0; ++i) {
        const ssize_t received = ::recv(m_socket, m_decoder->beginAppend(ReadChunk), ReadChunk, 0);
        const int error = received < 0 ? errno : 0;
        // Draining while closing, so that closing sends FIN rather than RST: keep nothing.
        m_decoder->commitAppend(m_closing ? 0 : qsizetype(received));
        if (received > 0) {
            Metrics::instance().add(Metrics::Counter::BytesReceived, quint64(received));
            if (!m_closing) {
                if (Q_UNLIKELY(Trace::enabled()) && Trace::wants(m_connectionId))
                    traceRead(qsizetype(received));
                m_listener->transportReceived();
            }
            continue;
        }
        if (error == EINTR)
            continue;
        if (error == EAGAIN || error == EWOULDBLOCK)
            return;
        if (received == 0)
            close(m_closing ? QStringLiteral("closed") : QStringLiteral("disconnected"));
        else
            close(QStringLiteral("connection error: %1")
                      .arg(QString::fromLocal8Bit(std::strerror(error))));
        return;
    }
}

void TcpTransport::closeAfterWriting(int lingerMs)
{
    if (m_closing || m_socket < 0)
        return;
    m_closing = true;
    m_lingerTimer.start(lingerMs, this);
    onWritable(); // sends what is owed, then our FIN
}

void TcpTransport::onWritable()
{
    if (m_socket < 0)
        return;
    std::chrono::milliseconds delay {};
    const Outbox::WriteState state = m_outbox->write(&delay);
    watchWritable(state == Outbox::WriteState::SocketFull);
    if (state == Outbox::WriteState::Paced && !m_paceTimer.isActive())
        m_paceTimer.start(int(delay.count()), Qt::PreciseTimer, this);
    if (state == Outbox::WriteState::Drained && m_closing && !m_writeShutdown) {
        m_writeShutdown = true;
        ::shutdown(m_socket, SHUT_WR);
    }
}

void TcpTransport::watchWritable(bool enabled)
{
    if (!m_writeNotifier && enabled) {
        m_writeNotifier = new QSocketNotifier(m_socket, QSocketNotifier::Write, this);
        connect(m_writeNotifier, &QSocketNotifier::activated, this, &TcpTransport::onWritable);
    }
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(enabled);
}

void TcpTransport::outboxReady()
{
    // Walks the storage thread asked this thread for, closing or not.
    m_outbox->runRequestedWalks();
    if (m_socket < 0)
        return;
    if (m_outbox->hasOverflowed()) {
        m_listener->transportOverflowed();
        return;
    }
    onWritable();
}

void TcpTransport::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_paceTimer.timerId()) {
        m_paceTimer.stop();
        onWritable();
    } else if (event->timerId() == m_lingerTimer.timerId()) {
        close(QStringLiteral("closed"));
    } else {
        QObject::timerEvent(event);
    }
}

void TcpTransport::close(const QString &reason)
{
    if (m_socket < 0)
        return;
    m_listener->transportClosing(reason);
    m_closing = true;
    m_lingerTimer.stop();
    m_paceTimer.stop();
    if (m_outbox)
        m_outbox->close(); // no thread may send to this descriptor number again
    // We may be inside one of their activated() signals: disable now, delete later
    // (still in this thread: a finishing QThread runs its pending deletions).
    for (QSocketNotifier *notifier : { m_readNotifier, m_writeNotifier }) {
        if (notifier) {
            notifier->setEnabled(false);
            notifier->deleteLater();
        }
    }
    m_readNotifier = nullptr;
    m_writeNotifier = nullptr;
    ::close(m_socket);
    m_socket = -1;
    m_listener->transportClosed();
}
