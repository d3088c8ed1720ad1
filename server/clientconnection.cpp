// SPDX-License-Identifier: MIT
#include "clientconnection.h"

#include "displaytext.h"
#include "hub.h"
#include "logging.h"
#include "outbox.h"
#include "protocol.h"
#include "serverconfig.h"
#include "validation.h"

#include <QSocketNotifier>
#include <QThread>
#include <QTimerEvent>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Protocol;

namespace {
constexpr int LingerMs = 2000; // time a closing client gets to read our last words
constexpr int ShutdownLingerMs = 300;
// Received straight into the decoder's buffer: one on the stack would lie above
// everything a join calls (parsing, the hub, logging), and every stack page a
// connection's thread touches once stays resident for the connection's life.
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

ClientConnection::ClientConnection(qintptr socketDescriptor, Hub *hub, const ServerConfig *config)
    : m_hub(hub), m_config(config), m_socket(int(socketDescriptor))
{ }

ClientConnection::~ClientConnection()
{
    // Only when the thread never ran or was stopped: finish() closes otherwise.
    if (m_socket >= 0) {
        if (m_outbox)
            m_outbox->close();
        ::close(m_socket);
    }
}

void ClientConnection::start()
{
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

    m_outbox = std::make_shared<Outbox>(m_socket, m_config->maxUnsentBytes);
    m_outbox->setOwner(this);
    // Until a join says otherwise this may be a seed client: one object per read.
    m_outbox->setPacing(std::chrono::milliseconds(m_config->seedPacingMs));
    m_decoder = std::make_unique<JsonFrameDecoder>(m_config->maxFrameBytes, m_config->maxDepth);
    m_bucket = std::make_unique<TokenBucket>(m_config->rate, m_config->burst);
    m_readNotifier = new QSocketNotifier(m_socket, QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &ClientConnection::onReadable);
    m_sinceReceive.start();
    m_timer.start(m_config->joinTimeoutMs, Qt::PreciseTimer, this); // never early
    qCInfo(lcConnection).noquote() << m_peer << "connected";
}

void ClientConnection::onReadable()
{
    for (int i = 0; i < MaxReadsPerWakeup && m_socket >= 0; ++i) {
        const ssize_t received = ::recv(m_socket, m_decoder->beginAppend(ReadChunk), ReadChunk, 0);
        const int error = received < 0 ? errno : 0;
        // Draining while closing, so that closing sends FIN rather than RST: keep nothing.
        m_decoder->commitAppend(m_state == State::Closing ? 0 : qsizetype(received));
        if (received > 0) {
            m_sinceReceive.restart();
            m_pingOutstanding = false;
            if (m_state != State::Closing)
                processFrames();
            continue;
        }
        if (error == EINTR)
            continue;
        if (error == EAGAIN || error == EWOULDBLOCK)
            return;
        if (received == 0)
            finish(m_state == State::Closing ? QStringLiteral("closed")
                                             : QStringLiteral("disconnected"));
        else
            finish(QStringLiteral("connection error: %1")
                       .arg(QString::fromLocal8Bit(std::strerror(error))));
        return;
    }
}

void ClientConnection::processFrames()
{
    QByteArray frame;
    while (m_state != State::Closing) {
        switch (m_decoder->next(&frame)) {
        case JsonFrameDecoder::Result::NeedMoreData:
            return;
        case JsonFrameDecoder::Result::FrameTooLarge:
            closeWithError(Code::FrameTooLarge,
                           QStringLiteral("A message was larger than %1 bytes.")
                               .arg(m_decoder->maxFrameBytes()));
            return;
        case JsonFrameDecoder::Result::NestingTooDeep:
            closeWithError(Code::NestingTooDeep,
                           QStringLiteral("A message was nested more than %1 levels deep.")
                               .arg(m_config->maxDepth));
            return;
        case JsonFrameDecoder::Result::Garbage:
        case JsonFrameDecoder::Result::Frame:
            break;
        }
        if (!m_bucket->take()) {
            if (!m_rateLimitReported) {
                m_rateLimitReported = true;
                sendError(Code::RateLimited,
                          QStringLiteral("Too many messages: at most %1 per second. "
                                         "Messages are dropped until you slow down.")
                              .arg(m_config->rate));
            }
            continue;
        }
        m_rateLimitReported = false;
        const Validation::ParsedFrame parsed = Validation::parseFrame(frame);
        if (!parsed.isValid())
            sendError(parsed.errorCode, parsed.errorText);
        else
            handleObject(parsed.object);
    }
}

void ClientConnection::handleObject(const QJsonObject &object)
{
    const QString type = object.value(Field::Type).toString();
    if (type == Type::Join) {
        handleJoin(object);
    } else if (type == Type::Ping) {
        sendPong(object);
    } else if (type == Type::Pong) {
        // Its arrival already counted as life.
    } else if (type != Type::Chat && type != Type::Private && type != Type::Users) {
        sendUnknownType(type);
    } else if (m_state != State::Joined) {
        sendError(Code::NotJoined,
                  QStringLiteral("Join first: {\"type\":\"join\",\"data\":NAME}."));
    } else if (type == Type::Chat) {
        handleChat(object);
    } else if (type == Type::Private) {
        handlePrivate(object);
    } else {
        sendObject(m_hub->usersMessage());
    }
}

// The replies below are built in functions of their own, so that their
// temporaries do not enlarge the frames under which a join runs (see handleJoin).
void ClientConnection::sendPong(const QJsonObject &ping)
{
    sendObject({ { Field::Type, Type::Pong }, { Field::Id, ping.value(Field::Id) } });
}

void ClientConnection::sendUnknownType(const QString &type)
{
    sendError(Code::UnknownType, QStringLiteral("Unknown message type \"%1\".").arg(type.left(40)));
}

// A join reaches deep (parsing, the hub, the welcome, logging), and every stack
// page a connection's thread touches once stays resident for its lifetime;
// glibc's thread data and the event loop already take most of the first two.
// So this frame holds only what the hub call needs; the rest is done in
// functions of its own.
void ClientConnection::handleJoin(const QJsonObject &object)
{
    if (m_state == State::Joined) {
        sendAlreadyJoined();
        return;
    }
    QString name;
    QString reason;
    if (!Validation::stringField(object, Field::Data, &name, &reason)) {
        sendError(Code::BadField, reason);
        return;
    }
    name = Validation::normalizedName(name);
    if (!Validation::isValidName(name, &reason)) {
        sendError(Code::InvalidName, reason);
        return;
    }
    Hub::JoinRequest request;
    request.name = name;
    request.rich = object.value(Field::Protocol).toInt() >= 1;
    request.since = object.value(Field::Since).toInteger();
    request.run = object.value(Field::Run).toString();
    request.resumeToken = object.value(Field::Resume).toString();
    request.outbox = m_outbox;
    request.connection = this;
    const Hub::JoinResult result = m_hub->join(request);
    if (!result.errorCode.isEmpty()) {
        sendError(result.errorCode, result.errorText);
        return;
    }
    m_name = name;
    m_rich = request.rich;
    onJoined(object);
}

void ClientConnection::sendAlreadyJoined()
{
    sendError(Code::AlreadyJoined, QStringLiteral("You have already joined as %1.").arg(m_name));
}

void ClientConnection::onJoined(const QJsonObject &join)
{
    m_state = State::Joined;
    if (m_rich) {
        m_outbox->setPacing(std::chrono::milliseconds::zero());
        onWritable();
    }
    m_timer.stop();
    // Seed clients cannot answer a ping, so only rich clients are timed out for silence.
    if (m_rich)
        m_timer.start(qMax(250, m_config->idleTimeoutMs / 4), this);
    // The one free text we log: neutralised, so that it cannot forge log lines.
    const QString client = DisplayText::neutralized(join.value(Field::Client).toString().left(64));
    qCInfo(lcConnection).noquote()
        << m_peer << "joined as" << m_name
        << (m_rich ? QStringLiteral("(%1)").arg(client) : QStringLiteral("(seed client)"));
}

void ClientConnection::handleChat(const QJsonObject &object)
{
    QString text;
    QString reason;
    if (!Validation::stringField(object, Field::Data, &text, &reason)) {
        sendError(Code::BadField, reason);
        return;
    }
    if (!Validation::isValidText(text, m_config->maxTextLength, &reason)) {
        sendError(Code::InvalidText, reason);
        return;
    }
    m_hub->broadcastChat(m_name, m_outbox.get(), text, object.value(Field::Action).toBool());
}

void ClientConnection::handlePrivate(const QJsonObject &object)
{
    QString to;
    QString text;
    QString reason;
    if (!Validation::stringField(object, Field::To, &to, &reason)
        || !Validation::stringField(object, Field::Data, &text, &reason)) {
        sendError(Code::BadField, reason);
        return;
    }
    if (!Validation::isValidText(text, m_config->maxTextLength, &reason)) {
        sendError(Code::InvalidText, reason);
        return;
    }
    if (!m_hub->sendPrivate(m_name, to, text))
        sendError(Code::NoSuchUser,
                  QStringLiteral("Nobody called \"%1\" is online.").arg(to.left(64)));
}

void ClientConnection::sendObject(const QJsonObject &object)
{
    m_outbox->post(encode(object));
}

void ClientConnection::sendError(QLatin1StringView code, const QString &text)
{
    sendObject(error(code, text));
}

void ClientConnection::closeWithError(QLatin1StringView code, const QString &text)
{
    qCWarning(lcConnection).noquote()
        << m_peer << (m_name.isEmpty() ? QString() : m_name) << "closed:" << text;
    sendError(code, text);
    beginClosing(LingerMs);
}

void ClientConnection::beginClosing(int lingerMs)
{
    if (m_state == State::Closing)
        return;
    leaveRoom();
    m_state = State::Closing;
    m_timer.start(lingerMs, this);
    onWritable(); // sends what is owed, then our FIN
}

void ClientConnection::onWritable()
{
    std::chrono::milliseconds delay {};
    const Outbox::FlushState state = m_outbox->flush(&delay);
    watchWritable(state == Outbox::FlushState::SocketFull);
    if (state == Outbox::FlushState::Paced && !m_paceTimer.isActive())
        m_paceTimer.start(int(delay.count()), Qt::PreciseTimer, this);
    const bool drained = state == Outbox::FlushState::Drained;
    if (drained && m_state == State::Closing && !m_readShutdown) {
        m_readShutdown = true;
        ::shutdown(m_socket, SHUT_WR);
    }
}

void ClientConnection::watchWritable(bool enabled)
{
    if (!m_writeNotifier && enabled) {
        m_writeNotifier = new QSocketNotifier(m_socket, QSocketNotifier::Write, this);
        connect(m_writeNotifier, &QSocketNotifier::activated, this, &ClientConnection::onWritable);
    }
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(enabled);
}

void ClientConnection::onOutboxReady()
{
    if (m_socket < 0)
        return;
    if (m_outbox->hasOverflowed()) {
        qCWarning(lcConnection).noquote()
            << m_peer << m_name << "dropped: does not read; owed more than"
            << m_config->maxUnsentBytes << "bytes";
        finish(QStringLiteral("slow reader"));
        return;
    }
    onWritable();
}

void ClientConnection::onReplaced()
{
    m_name.clear(); // the name now belongs to the new connection
    m_state = State::Closing;
    finish(QStringLiteral("replaced by a new connection of the same user"));
}

void ClientConnection::beginShutdown()
{
    if (m_socket < 0)
        return;
    // Whatever a slow or paced client still owes would delay the news past our exit.
    m_outbox->discardQueued();
    sendObject(notice(QStringLiteral("The server is shutting down."), Code::Shutdown));
    beginClosing(ShutdownLingerMs);
}

void ClientConnection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_paceTimer.timerId()) {
        m_paceTimer.stop();
        onWritable();
        return;
    }
    if (event->timerId() != m_timer.timerId())
        return QObject::timerEvent(event);
    switch (m_state) {
    case State::Connected:
        m_timer.stop();
        closeWithError(Code::JoinTimeout,
                       QStringLiteral("No successful join within %1 seconds.")
                           .arg(m_config->joinTimeoutMs / 1000.0));
        break;
    case State::Joined: {
        const qint64 silence = m_sinceReceive.elapsed();
        if (silence >= m_config->idleTimeoutMs) {
            closeWithError(Code::IdleTimeout,
                           QStringLiteral("No sign of life for %1 seconds.")
                               .arg(m_config->idleTimeoutMs / 1000.0));
        } else if (silence >= m_config->idleTimeoutMs / 2 && !m_pingOutstanding) {
            m_pingOutstanding = true;
            sendObject(ping(silence));
        }
        break;
    }
    case State::Closing:
        finish(QStringLiteral("closed"));
        break;
    }
}

void ClientConnection::leaveRoom()
{
    if (m_state != State::Joined)
        return;
    m_hub->leave(m_name, m_outbox.get());
    qCInfo(lcConnection).noquote() << m_peer << m_name << "left";
}

void ClientConnection::finish(const QString &reason)
{
    if (m_socket < 0)
        return;
    leaveRoom();
    m_state = State::Closing;
    m_timer.stop();
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
    qCInfo(lcConnection).noquote() << m_peer << "closed:" << reason;
    thread()->quit(); // the socket is closed and the client has left
}
