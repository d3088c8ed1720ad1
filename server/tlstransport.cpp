// SPDX-License-Identifier: MIT
#include "tlstransport.h"

#include "logging.h"
#include "metrics.h"
#include "outbox.h"
#include "serverconfig.h"

#include <QCoreApplication>
#include <QEvent>
#include <QHostAddress>
#include <QSocketNotifier>
#include <QSslCipher>
#include <QSslSocket>
#include <QTimerEvent>

#include <openssl/crypto.h>

#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {
constexpr qint64 ReadChunk = 2048;
constexpr int MaxReadsPerWakeup = 8; // then let other work on this thread run
// Plaintext handed to the QSslSocket at a time: encrypted in one go, written as
// the kernel takes it. What it holds counts against --max-unsent-bytes.
constexpr qsizetype WriteBudget = 64 * 1024;
// Every TLS record starts with its content type; a client's first is a handshake.
constexpr unsigned char TlsHandshakeRecord = 0x16;

QString peerName(int socket)
{
    sockaddr_storage address {};
    socklen_t length = sizeof(address);
    if (::getpeername(socket, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return QStringLiteral("?");
    const QHostAddress host(reinterpret_cast<const sockaddr *>(&address));
    const quint16 port = address.ss_family == AF_INET6
        ? ntohs(reinterpret_cast<const sockaddr_in6 *>(&address)->sin6_port)
        : ntohs(reinterpret_cast<const sockaddr_in *>(&address)->sin_port);
    return host.protocol() == QAbstractSocket::IPv6Protocol
        ? QStringLiteral("[%1]:%2").arg(host.toString()).arg(port)
        : QStringLiteral("%1:%2").arg(host.toString()).arg(port);
}
} // namespace

TlsTransport::TlsTransport(qintptr socketDescriptor, quint64 connectionId,
                           const ServerConfig *config, const QSslConfiguration &tls)
    : m_config(config)
    , m_tls(tls)
    , m_connectionId(connectionId)
    , m_descriptor(int(socketDescriptor))
{ }

TlsTransport::~TlsTransport()
{
    // Only when the thread never ran or was stopped: close() closes otherwise.
    if (m_outbox)
        m_outbox->close();
    if (!m_socket && m_descriptor >= 0)
        ::close(m_descriptor);
}

void TlsTransport::releaseThreadState()
{
    // A closed socket waits for deferred deletion; freeing its SSL would make
    // some of that state again.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    OPENSSL_thread_stop();
}

void TlsTransport::start(Listener *listener)
{
    m_listener = listener;
    m_open = true;
    const int on = 1;
    ::setsockopt(m_descriptor, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    ::setsockopt(m_descriptor, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    if (m_config->sendBufferBytes > 0) {
        ::setsockopt(m_descriptor, SOL_SOCKET, SO_SNDBUF, &m_config->sendBufferBytes,
                     sizeof(m_config->sendBufferBytes));
    }
    m_peer = peerName(m_descriptor);
    m_outbox = std::make_shared<Outbox>(m_descriptor, m_config->maxUnsentBytes, m_connectionId,
                                        Outbox::Writer::Owner);
    m_outbox->setOwner(this);
    m_decoder = std::make_unique<JsonFrameDecoder>(m_config->maxFrameBytes, m_config->maxDepth);
    m_firstBytes = new QSocketNotifier(m_descriptor, QSocketNotifier::Read, this);
    connect(m_firstBytes, &QSocketNotifier::activated, this, &TlsTransport::onFirstBytes);
}

bool TlsTransport::isEncrypted() const
{
    return m_socket && m_socket->isEncrypted();
}

// Looks at the first byte without taking it: a TLS client's goes to OpenSSL.
void TlsTransport::onFirstBytes()
{
    unsigned char first = 0;
    const ssize_t peeked = ::recv(m_descriptor, &first, 1, MSG_PEEK | MSG_DONTWAIT);
    if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    m_firstBytes->setEnabled(false);
    m_firstBytes->deleteLater(); // we are inside its signal
    m_firstBytes = nullptr;
    if (peeked <= 0) {
        close(QStringLiteral("disconnected before the TLS handshake"));
        return;
    }
    if (first != TlsHandshakeRecord) {
        refusePlain();
        return;
    }
    startHandshake();
}

// A plain client (a seed's join, say): what it sent is read and dropped, so
// that closing sends FIN rather than RST, and it is told nothing it could read.
void TlsTransport::refusePlain()
{
    char discard[512];
    while (::recv(m_descriptor, discard, sizeof(discard), MSG_DONTWAIT) > 0) { }
    qCWarning(lcConnection).noquote()
        << m_peer << "sent plain bytes to the TLS port (a plain client belongs on --port)";
    close(QStringLiteral("not TLS"));
}

void TlsTransport::startHandshake()
{
    m_socket = new QSslSocket(this);
    m_socket->setSslConfiguration(m_tls);
    connect(m_socket, &QSslSocket::encrypted, this, &TlsTransport::onEncrypted);
    connect(m_socket, &QSslSocket::readyRead, this, &TlsTransport::onReadable);
    connect(m_socket, &QSslSocket::encryptedBytesWritten, this, &TlsTransport::onWritable);
    connect(m_socket, &QSslSocket::errorOccurred, this, &TlsTransport::onSocketError);
    connect(m_socket, &QSslSocket::disconnected, this, [this] {
        close(m_closing ? QStringLiteral("closed") : QStringLiteral("disconnected"));
    });
    if (!m_socket->setSocketDescriptor(m_descriptor)) {
        close(QStringLiteral("connection error: %1").arg(m_socket->errorString()));
        return;
    }
    m_socket->startServerEncryption();
}

void TlsTransport::onEncrypted()
{
    qCDebug(lcConnection).noquote() << m_peer << "TLS" << m_socket->sessionCipher().protocolString()
                                    << m_socket->sessionCipher().name();
    onWritable(); // what the session said before the handshake ended
}

void TlsTransport::onSocketError()
{
    if (!m_socket)
        return;
    switch (m_socket->error()) {
    case QAbstractSocket::RemoteHostClosedError:
        close(m_closing ? QStringLiteral("closed") : QStringLiteral("disconnected"));
        return;
    case QAbstractSocket::SslHandshakeFailedError:
        qCWarning(lcConnection).noquote()
            << m_peer << "TLS handshake failed:" << m_socket->errorString();
        close(QStringLiteral("TLS handshake failed"));
        return;
    default:
        close(QStringLiteral("connection error: %1").arg(m_socket->errorString()));
        return;
    }
}

JsonFrameDecoder::Result TlsTransport::nextFrame(QByteArray *frame)
{
    if (m_closing)
        return JsonFrameDecoder::Result::NeedMoreData;
    return m_decoder->next(frame);
}

qsizetype TlsTransport::maxFrameBytes() const
{
    return m_decoder->maxFrameBytes();
}

void TlsTransport::send(const QByteArray &bytes)
{
    m_outbox->post(bytes);
}

void TlsTransport::setPacing(std::chrono::milliseconds gap)
{
    m_outbox->setPacing(gap);
    onWritable();
}

void TlsTransport::discardQueued()
{
    m_outbox->discardQueued();
}

void TlsTransport::onReadable()
{
    for (int i = 0; i < MaxReadsPerWakeup; ++i) {
        if (!m_socket || m_socket->bytesAvailable() <= 0)
            return;
        const qint64 received = m_socket->read(m_decoder->beginAppend(ReadChunk), ReadChunk);
        // Draining while closing: keep nothing.
        m_decoder->commitAppend(m_closing ? 0 : qsizetype(qMax<qint64>(received, 0)));
        if (received <= 0)
            return;
        Metrics::instance().add(Metrics::Counter::BytesReceived, quint64(received));
        if (!m_closing)
            m_listener->transportReceived();
    }
    // More than one wake-up's share: the rest after what else waits on this thread.
    if (m_socket && m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &TlsTransport::onReadable, Qt::QueuedConnection);
}

void TlsTransport::closeAfterWriting(int lingerMs)
{
    if (m_closing || !m_open)
        return;
    if (!isEncrypted()) { // nothing can reach a client that has not finished its handshake
        close(QStringLiteral("closed"));
        return;
    }
    m_closing = true;
    m_lingerTimer.start(lingerMs, this);
    onWritable(); // sends what is owed, then close_notify
}

// Hands the Outbox's queue to the QSslSocket while it holds less than its
// budget; encryptedBytesWritten brings us back as the kernel takes it.
void TlsTransport::onWritable()
{
    if (!isEncrypted())
        return;
    const qsizetype budget = qMin(WriteBudget, m_config->maxUnsentBytes / 2);
    qsizetype held = qsizetype(m_socket->bytesToWrite() + m_socket->encryptedBytesToWrite());
    Outbox::WriteState state = Outbox::WriteState::SocketFull;
    if (held < budget) {
        QList<QByteArray> objects;
        std::chrono::milliseconds delay {};
        state = m_outbox->take(&objects, budget - held, &delay);
        if (!objects.isEmpty()) {
            for (const QByteArray &object : std::as_const(objects))
                m_socket->write(object);
            m_socket->flush(); // encrypt and write now, not on the next loop
            if (!m_socket)
                return; // the write found the peer gone: closed inside flush()
            held = qsizetype(m_socket->bytesToWrite() + m_socket->encryptedBytesToWrite());
        }
        if (state == Outbox::WriteState::Paced && !m_paceTimer.isActive())
            m_paceTimer.start(int(delay.count()), Qt::PreciseTimer, this);
    }
    m_outbox->setHeldByOwner(held);
    if (m_closing && !m_finishing && state == Outbox::WriteState::Drained && held == 0) {
        m_finishing = true;
        m_socket->disconnectFromHost(); // close_notify, then FIN
    }
}

void TlsTransport::outboxReady()
{
    // Walks the storage thread asked this thread for, closing or not.
    m_outbox->runRequestedWalks();
    if (!m_open)
        return;
    if (m_outbox->hasOverflowed()) {
        m_listener->transportOverflowed();
        return;
    }
    onWritable();
}

void TlsTransport::timerEvent(QTimerEvent *event)
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

void TlsTransport::close(const QString &reason)
{
    if (!m_open)
        return;
    m_open = false;
    m_listener->transportClosing(reason);
    m_closing = true;
    m_lingerTimer.stop();
    m_paceTimer.stop();
    if (m_outbox)
        m_outbox->close(); // no thread may use this descriptor number again
    if (m_firstBytes) {
        m_firstBytes->setEnabled(false);
        m_firstBytes->deleteLater();
        m_firstBytes = nullptr;
    }
    if (m_socket) {
        // We may be inside one of its signals: closed now, deleted later.
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    } else {
        ::close(m_descriptor);
    }
    m_descriptor = -1;
    m_listener->transportClosed();
}
