// SPDX-License-Identifier: MIT
#include "chatclient.h"

#include "dialect.h"
#include "protocol.h"
#include "tokenbucket.h"
#include "validation.h"
#include "wire.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSignalBlocker>
#include <QTcpSocket>

#include <algorithm>
#include <utility>

using namespace Protocol;

// History ids remembered per server run, so that no welcome shows one twice.
static constexpr int DeliveredIdsLimit = 20000;
// Own room lines remembered until a welcome's history confirms them.
static constexpr int UnconfirmedOwnLimit = 100;

static ChatClient::ConnectionError errorFor(QAbstractSocket::SocketError error)
{
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        return ChatClient::ConnectionError::ConnectionRefused;
    case QAbstractSocket::HostNotFoundError:
        return ChatClient::ConnectionError::HostNotFound;
    case QAbstractSocket::SocketTimeoutError:
        return ChatClient::ConnectionError::Timeout;
    case QAbstractSocket::RemoteHostClosedError:
        return ChatClient::ConnectionError::RemoteClosed;
    default:
        return ChatClient::ConnectionError::NetworkError;
    }
}

ChatClient::ChatClient(QObject *parent)
    : QObject(parent)
    , m_socket(new QTcpSocket(this))
    , m_decoder(ClientMaxFrameBytes)
    , m_dialect(&Dialect::seed())
{
    m_clientName = QStringLiteral("PyNet Chat %1").arg(QStringLiteral(PYNET_VERSION));
    m_welcomeTimer.setSingleShot(true);
    m_welcomeTimer.setInterval(2000);
    m_reconnectTimer.setSingleShot(true);
    m_seedSendTimer.setInterval(100);

    connect(m_socket, &QTcpSocket::hostFound, this, [this] {
        traceTimeline([this] {
            return QStringLiteral("looked up %1 in %2 ms")
                .arg(m_host)
                .arg(m_connectStarted.elapsed());
        });
    });
    connect(m_socket, &QTcpSocket::connected, this, &ChatClient::onConnected);
    connect(m_socket, &QTcpSocket::readyRead, this, &ChatClient::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &ChatClient::onBytesWritten);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &ChatClient::onSocketError);
    connect(m_socket, &QTcpSocket::disconnected, this, &ChatClient::onSocketClosed);
    // No welcome: the server was written from the seed and replies to nothing.
    connect(&m_welcomeTimer, &QTimer::timeout, this, [this] {
        if (m_status != Status::Joining)
            return;
        traceTimeline([this] {
            return QStringLiteral("no welcome within %1 ms: a seed server, so one message at a "
                                  "time, %2 ms apart")
                .arg(m_welcomeTimer.interval())
                .arg(m_seedSendTimer.interval());
        });
        becomeJoined(Dialect::seed());
    });
    connect(&m_reconnectTimer, &QTimer::timeout, this, &ChatClient::startConnection);
    connect(&m_keepAliveTimer, &QTimer::timeout, this, &ChatClient::onKeepAliveTick);
    connect(&m_seedSendTimer, &QTimer::timeout, this, &ChatClient::writeQueued);
    m_sendRateTimer.setSingleShot(true);
    connect(&m_sendRateTimer, &QTimer::timeout, this, &ChatClient::sendQueued);
    setKeepAliveInterval(m_keepAliveInterval);
}

ChatClient::~ChatClient()
{
    m_socket->disconnect(this);
}

void ChatClient::setClientName(const QString &clientName)
{
    m_clientName = clientName;
}

void ChatClient::setAutoReconnect(bool enabled)
{
    m_autoReconnect = enabled;
}

void ChatClient::setReconnectDelays(int firstMs, int maxMs)
{
    m_firstReconnectDelay = qMax(1, firstMs);
    m_maxReconnectDelay = qMax(m_firstReconnectDelay, maxMs);
}

void ChatClient::setKeepAliveInterval(int ms)
{
    m_keepAliveInterval = ms;
    // Ticks at a fraction of the interval so silence is noticed in time.
    m_keepAliveTimer.setInterval(qMax(1, ms / 4));
}

void ChatClient::setWelcomeTimeout(int ms)
{
    m_welcomeTimer.setInterval(ms);
}

void ChatClient::setSeedSendInterval(int ms)
{
    m_seedSendTimer.setInterval(ms);
}

void ChatClient::setSendRate(double perSecond, double burst)
{
    if (perSecond <= 0) {
        m_sendBucket.reset();
        return;
    }
    m_sendBucket =
        std::make_unique<TokenBucket>(perSecond, qMax(1.0, burst > 0 ? burst : perSecond));
}

void ChatClient::setTraceEnabled(bool enabled)
{
    m_traceEnabled = enabled;
}

void ChatClient::connectToServer(const QString &host, quint16 port, const QString &name)
{
    // Lines queued for the old session were meant for it, not for this one.
    failQueued(QStringLiteral("Not sent: the connection was replaced by a new one."));
    m_host = host;
    m_port = port;
    m_requestedName = name;
    m_everJoined = false;
    m_leaving = false;
    m_reconnectAttempt = 0;
    m_lastMessageId = 0;
    m_sessionToken.clear();
    m_serverRun.clear();
    m_error = ConnectionError::None;
    m_errorString.clear();
    // A retry of the old session must not fire into the new one, nor make it
    // ignore its own drop (onSocketClosed returns while the timer runs).
    m_reconnectTimer.stop();
    startConnection();
}

void ChatClient::startConnection()
{
    {
        const QSignalBlocker blocker(m_socket); // closing the old connection is no news
        m_socket->abort();
    }
    m_decoder = JsonFrameDecoder(ClientMaxFrameBytes);
    m_sendQueue.clear();
    m_dialect = &Dialect::seed(); // until a welcome shows otherwise
    m_welcomed = false;
    m_pingOutstanding = false;
    m_pingSent.invalidate(); // a pong from the old connection cannot come
    m_rejoin = m_everJoined;
    setStatus(m_everJoined ? Status::Reconnecting : Status::Connecting);
    m_connectStarted.start();
    traceTimeline([this] {
        const QString address = QStringLiteral("%1:%2").arg(m_host).arg(m_port);
        return m_everJoined ? QStringLiteral("reconnect attempt %1: connecting to %2")
                                  .arg(m_reconnectAttempt)
                                  .arg(address)
                            : QStringLiteral("connecting to %1").arg(address);
    });
    m_socket->connectToHost(m_host, m_port);
}

void ChatClient::onConnected()
{
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_sinceLastReceive.start();
    traceTimeline([this] {
        return QStringLiteral("connected to %1:%2 from port %3 in %4 ms")
            .arg(m_socket->peerAddress().toString())
            .arg(m_socket->peerPort())
            .arg(m_socket->localPort())
            .arg(m_connectStarted.elapsed());
    });
    join(m_requestedName);
}

void ChatClient::join(const QString &name)
{
    if (m_socket->state() != QAbstractSocket::ConnectedState || m_status == Status::Joined)
        return;
    m_requestedName = name;
    // The join is the one message a seed server expects, so it goes out at once.
    writeFrame(encode(richJoin(name, m_clientName, m_lastMessageId, m_sessionToken, m_serverRun)));
    setStatus(Status::Joining);
    m_welcomeTimer.start();
    traceTimeline([this, &name] {
        return QStringLiteral("join sent as %1; a welcome within %2 ms means our protocol, "
                              "none a seed server")
            .arg(name)
            .arg(m_welcomeTimer.interval());
    });
}

int ChatClient::reconnectRemainingMs() const
{
    return m_reconnectTimer.isActive() ? m_reconnectTimer.remainingTime() : -1;
}

void ChatClient::disconnectFromServer()
{
    m_leaving = true;
    traceTimeline([] { return QStringLiteral("leaving: what was sent is written, then closed"); });
    m_sendRateTimer.stop();
    failQueued(QStringLiteral("Not sent: you left before it could be sent."));
    m_reconnectTimer.stop();
    m_welcomeTimer.stop();
    m_keepAliveTimer.stop();
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        // Still looking up or connecting: nothing to flush, and no join may follow.
        {
            const QSignalBlocker blocker(m_socket);
            m_socket->abort();
        }
        setStatus(Status::Disconnected);
        traceTimeline([] { return QStringLiteral("session ended"); });
        Q_EMIT disconnected();
        return;
    }
    if (m_sendQueue.isEmpty())
        m_socket->disconnectFromHost(); // flushes what the socket holds, then closes
    // Otherwise writeQueued() closes once the spaced-out queue is empty.
}

SendResult ChatClient::sendChat(const QString &text)
{
    return submit({ 0, Outgoing::Kind::Chat, {}, text });
}

SendResult ChatClient::sendAction(const QString &text)
{
    return submit({ 0, Outgoing::Kind::Action, {}, text });
}

SendResult ChatClient::sendPrivate(const QString &to, const QString &text)
{
    return submit({ 0, Outgoing::Kind::Private, to, text });
}

SendResult ChatClient::requestUsers()
{
    if (m_status != Status::Joined)
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("Not connected."));
    if (!m_dialect->carries(Wire::UsersRequest::Type))
        return SendResult::failed(
            SendResult::Status::Unsupported,
            QStringLiteral("This server does not support /who: it speaks only the seed "
                           "protocol, which has no user list."));
    sendObject(usersRequest());
    return SendResult::sent(0);
}

bool ChatClient::serverCarries(const Outgoing &message) const
{
    switch (message.kind) {
    case Outgoing::Kind::Chat:
        return m_dialect->carries(Wire::Chat::Type);
    case Outgoing::Kind::Action:
        return m_dialect->carriesActions();
    case Outgoing::Kind::Private:
        return m_dialect->carries(Wire::PrivateChat::Type);
    }
    return false;
}

SendResult ChatClient::pingServer()
{
    if (m_status != Status::Joined)
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("Not connected."));
    if (!m_dialect->answersPings())
        return SendResult::failed(
            SendResult::Status::Unsupported,
            QStringLiteral("This server speaks only the seed protocol, which has no ping."));
    sendPing();
    return SendResult::sent(0);
}

void ChatClient::sendPing()
{
    // Only the last ping is timed: an older pong would measure the wrong wait.
    m_pingId = m_nextPingId++;
    m_pingSent.start();
    writeFrame(encode(ping(m_pingId)));
}

static QString unsupportedReason(ChatClient::Outgoing::Kind kind)
{
    return kind == ChatClient::Outgoing::Kind::Action
        ? QStringLiteral("This server does not support /me.")
        : QStringLiteral("This server does not support private messages.");
}

SendResult ChatClient::submit(Outgoing message)
{
    QString reason;
    if (!Validation::isValidText(message.text, DefaultMaxTextLength, &reason))
        return SendResult::failed(SendResult::Status::InvalidText,
                                  QStringLiteral("Not sent: %1").arg(reason));
    if (message.kind == Outgoing::Kind::Private && message.to.trimmed().isEmpty())
        return SendResult::failed(SendResult::Status::InvalidText,
                                  QStringLiteral("Not sent: no recipient."));
    if (m_status == Status::Disconnected || m_leaving)
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("Not sent: not connected."));
    if (m_status == Status::Joined && !serverCarries(message))
        return SendResult::failed(SendResult::Status::Unsupported, unsupportedReason(message.kind));
    // In order: nothing overtakes a line that is already waiting.
    const bool sendNow = m_status == Status::Joined && m_outgoing.isEmpty() && takeSendToken();
    if (!sendNow && m_outgoing.size() >= MaxQueuedSends)
        return SendResult::failed(
            SendResult::Status::NotConnected,
            QStringLiteral("Not sent: %1 lines are already waiting to be sent.")
                .arg(m_outgoing.size()));
    message.id = ++m_nextSendId;
    if (sendNow) {
        transmit(message);
        return SendResult::sent(message.id);
    }
    m_outgoing.append(message);
    if (m_status == Status::Joined && !m_sendRateTimer.isActive())
        m_sendRateTimer.start(m_sendBucket ? m_sendBucket->msUntilToken() : 0);
    return SendResult::queued(message.id);
}

bool ChatClient::takeSendToken()
{
    return !m_sendBucket || m_sendBucket->take();
}

void ChatClient::transmit(const Outgoing &message)
{
    switch (message.kind) {
    case Outgoing::Kind::Chat:
        sendObject(chat(message.text));
        break;
    case Outgoing::Kind::Action:
        sendObject(chat(message.text, true));
        break;
    case Outgoing::Kind::Private:
        sendObject(privateMessage(message.to, message.text));
        break;
    }
    // A rejoin's history may return it; a welcome is what has history.
    if (m_welcomed && message.kind != Outgoing::Kind::Private) {
        m_unconfirmedOwn.append(message);
        if (m_unconfirmedOwn.size() > UnconfirmedOwnLimit)
            m_unconfirmedOwn.removeFirst();
    }
    Q_EMIT messageSent(message);
}

void ChatClient::sendQueued()
{
    while (m_status == Status::Joined && !m_outgoing.isEmpty()) {
        if (!serverCarries(m_outgoing.constFirst())) {
            const Outgoing message = m_outgoing.takeFirst();
            Q_EMIT sendFailed(message,
                              SendResult::failed(SendResult::Status::Unsupported,
                                                 unsupportedReason(message.kind), message.id));
            continue;
        }
        if (!takeSendToken()) {
            m_sendRateTimer.start(m_sendBucket->msUntilToken());
            return;
        }
        transmit(m_outgoing.takeFirst());
    }
}

void ChatClient::failQueued(const QString &reason)
{
    m_sendRateTimer.stop();
    const QList<Outgoing> given = std::exchange(m_outgoing, {});
    for (const Outgoing &message : given)
        Q_EMIT sendFailed(message,
                          SendResult::failed(SendResult::Status::NotConnected, reason, message.id));
}

bool ChatClient::hasPendingWrites() const
{
    return !m_sendQueue.isEmpty() || m_socket->bytesToWrite() > 0;
}

void ChatClient::setStatus(Status status)
{
    if (m_status == status)
        return;
    m_status = status;
    Q_EMIT statusChanged(status);
}

void ChatClient::sendObject(const QJsonObject &object)
{
    if (!m_dialect->readsOneObjectPerReceive()) {
        writeFrame(encode(object));
        return;
    }
    // A seed server parses each recv() as one JSON text: never let two meet.
    m_sendQueue.append(encode(object));
    if (!m_seedSendTimer.isActive()) {
        writeQueued();
        m_seedSendTimer.start();
    }
}

void ChatClient::writeQueued()
{
    if (m_sendQueue.isEmpty()) {
        m_seedSendTimer.stop();
        if (m_leaving)
            m_socket->disconnectFromHost();
        return;
    }
    writeFrame(m_sendQueue.takeFirst());
}

void ChatClient::writeFrame(const QByteArray &bytes)
{
    if (m_traceEnabled) {
        // Parsed again only for the trace: the callers have objects, the queue bytes.
        const QJsonObject object = QJsonDocument::fromJson(bytes).object();
        Q_EMIT wireEvent(WireEvent::frame(WireEvent::Kind::FrameOut, bytes,
                                          object.value(Field::Type).toString()));
    }
    m_socket->write(bytes);
}

void ChatClient::onBytesWritten()
{
    if (!hasPendingWrites())
        Q_EMIT allWritten();
}

void ChatClient::onReadyRead()
{
    m_sinceLastReceive.restart();
    m_pingOutstanding = false;
    if (m_traceEnabled) {
        traceRead();
        return;
    }
    m_decoder.append(m_socket->readAll());
    QByteArray frame;
    for (;;) {
        const JsonFrameDecoder::Result result = m_decoder.next(&frame);
        if (result == JsonFrameDecoder::Result::NeedMoreData || !takeFrame(result, frame))
            return;
    }
}

void ChatClient::traceRead()
{
    const qsizetype carried = m_decoder.bufferedBytes();
    const QByteArray data = m_socket->readAll();
    m_decoder.append(data);
    // The read comes before the frames it completed, so they are taken out
    // first, then handled exactly as untraced.
    QList<std::pair<JsonFrameDecoder::Result, QByteArray>> taken;
    int frames = 0;
    for (;;) {
        QByteArray frame;
        const JsonFrameDecoder::Result result = m_decoder.next(&frame);
        if (result == JsonFrameDecoder::Result::NeedMoreData)
            break;
        taken.append({ result, frame });
        if (m_decoder.hasFailed())
            break;
        ++frames;
    }
    Q_EMIT wireEvent(WireEvent::read(data, carried, frames, m_decoder.bufferedBytes()));
    for (const auto &[result, frame] : std::as_const(taken)) {
        if (!takeFrame(result, frame))
            return;
    }
}

bool ChatClient::takeFrame(JsonFrameDecoder::Result result, const QByteArray &frame)
{
    switch (result) {
    case JsonFrameDecoder::Result::NeedMoreData:
        return false;
    case JsonFrameDecoder::Result::Frame: {
        const Validation::ParsedFrame parsed = Validation::parseFrame(frame);
        if (m_traceEnabled)
            Q_EMIT wireEvent(WireEvent::frame(WireEvent::Kind::FrameIn, frame,
                                              parsed.isValid()
                                                  ? parsed.object.value(Field::Type).toString()
                                                  : QStringLiteral("(unreadable)")));
        if (parsed.isValid())
            handleObject(parsed.object);
        else
            Q_EMIT errorReceived(parsed.errorCode,
                                 QStringLiteral("The server sent a message that cannot be read: %1")
                                     .arg(parsed.errorText));
        break;
    }
    case JsonFrameDecoder::Result::Garbage:
        if (m_traceEnabled)
            Q_EMIT wireEvent(
                WireEvent::frame(WireEvent::Kind::FrameIn, frame, QStringLiteral("(not JSON)")));
        Q_EMIT errorReceived(Code::BadJson,
                             QStringLiteral("The server sent something that is not JSON."));
        break;
    case JsonFrameDecoder::Result::FrameTooLarge:
    case JsonFrameDecoder::Result::NestingTooDeep:
        dropConnection(
            ConnectionError::ProtocolError,
            QStringLiteral("The server sent an oversized or too deeply nested message."));
        return false;
    }
    return m_socket->state() == QAbstractSocket::ConnectedState;
}

void ChatClient::handleObject(const QJsonObject &object)
{
    Q_EMIT eventReceived(object);
    const auto decoded = Wire::decode<Wire::ToClient>(object);
    switch (decoded.status) {
    case Wire::Decoded<Wire::ToClient>::Status::Ok:
        std::visit(
            [this](const auto &message) {
                using Message = std::decay_t<decltype(message)>;
                // The room messages are not read yet: eventReceived() carries them.
                if constexpr (
                    !std::is_same_v<
                        Message,
                        Wire::
                            RoomState> && !std::is_same_v<Message, Wire::Leave> && !std::is_same_v<Message, Wire::RoomList> && !std::is_same_v<Message, Wire::Topic> && !std::is_same_v<Message, Wire::History>)
                    handle(message);
            },
            decoded.message);
        break;
    case Wire::Decoded<Wire::ToClient>::Status::BadField:
        if (decoded.type == ChatMessage::Type)
            Q_EMIT errorReceived(
                Code::BadField,
                QStringLiteral("The server sent a malformed message: %1").arg(decoded.reason));
        break;
    case Wire::Decoded<Wire::ToClient>::Status::UnknownType:
        break; // a newer server's news: any data counts as life
    }
}

void ChatClient::handle(const Wire::Welcome &welcome)
{
    if (m_welcomed)
        return;
    m_welcomed = true;
    m_name = welcome.name.isEmpty() ? m_requestedName : welcome.name;
    m_serverName = welcome.server;
    m_serverVersion = welcome.version;
    m_sessionToken = welcome.session;
    m_users = welcome.users;
    const bool wasJoined = m_status == Status::Joined; // as a seed server, wrongly
    traceTimeline([&welcome] {
        return QStringLiteral("welcome from %1 %2: our protocol %3, %4 online, %5 in history")
            .arg(welcome.server, welcome.version)
            .arg(welcome.protocol)
            .arg(welcome.userCount)
            .arg(welcome.history.size());
    });
    Q_EMIT usersChanged(m_users);
    // Before joined(): a front end that shows the join has the history in already.
    deliverHistory(welcome);
    becomeJoined(Dialect::rich());
    if (wasJoined)
        Q_EMIT joined(m_rejoin);
    sendQueued();
}

void ChatClient::deliverHistory(const Wire::Welcome &welcome)
{
    const QString &run = welcome.run;
    if (run != m_serverRun) { // the server restarted: its ids start again
        m_serverRun = run;
        m_lastMessageId = 0;
    }
    if (run != m_deliveredRun) {
        m_deliveredRun = run;
        m_deliveredIds.clear();
    }
    const QString self = Validation::nameKey(m_name);
    for (const ChatMessage &message : welcome.history) {
        if (message.id > 0) {
            m_lastMessageId = qMax(m_lastMessageId, message.id);
            if (m_deliveredIds.contains(message.id))
                continue;
            m_deliveredIds.insert(message.id);
        }
        // Our own lines from before a drop: on screen already, never echoed.
        if (!message.isPrivate() && Validation::nameKey(message.from) == self) {
            const auto own = std::find_if(
                m_unconfirmedOwn.cbegin(), m_unconfirmedOwn.cend(), [&](const Outgoing &sent) {
                    return sent.text == message.text
                        && (sent.kind == Outgoing::Kind::Action) == message.action;
                });
            if (own != m_unconfirmedOwn.cend()) {
                m_unconfirmedOwn.erase(own);
                continue;
            }
        }
        Q_EMIT messageReceived(message, true);
    }
    // What this history did not return, no later one will: it starts after
    // the last id we know.
    m_unconfirmedOwn.clear();
    if (m_deliveredIds.size() > DeliveredIdsLimit) {
        const qint64 oldest = m_lastMessageId - DeliveredIdsLimit / 2;
        m_deliveredIds.removeIf([oldest](qint64 id) { return id < oldest; });
    }
}

void ChatClient::becomeJoined(const Dialect &dialect)
{
    m_welcomeTimer.stop();
    m_dialect = &dialect;
    m_reconnectAttempt = 0;
    m_error = ConnectionError::None;
    m_errorString.clear();
    if (m_name.isEmpty() || !m_welcomed)
        m_name = Validation::normalizedName(m_requestedName);
    if (m_dialect->answersPings() && m_keepAliveInterval > 0)
        m_keepAliveTimer.start();
    const bool wasJoined = m_status == Status::Joined;
    setStatus(Status::Joined);
    m_everJoined = true;
    if (!wasJoined)
        Q_EMIT joined(m_rejoin);
    if (!m_welcomed) // a welcome sends what waited once its history is in
        sendQueued();
}

void ChatClient::handle(const ChatMessage &message)
{
    if (m_status == Status::Joining && !m_welcomed) {
        traceTimeline(
            [] { return QStringLiteral("a chat message before any welcome: a seed server"); });
        becomeJoined(Dialect::seed()); // a seed server relays without welcoming first
    }
    m_lastMessageId = qMax(m_lastMessageId, message.id);
    if (message.id > 0)
        m_deliveredIds.insert(message.id);
    Q_EMIT messageReceived(message, false);
}

void ChatClient::handle(const Wire::Presence &presence)
{
    QStringList users = m_users;
    if (presence.event == Wire::Presence::Event::Joined) {
        if (users.contains(presence.name))
            return;
        users.append(presence.name);
        setUsers(users);
        Q_EMIT userJoined(presence.name);
    } else {
        if (!users.removeOne(presence.name))
            return;
        setUsers(users);
        Q_EMIT userLeft(presence.name);
    }
}

void ChatClient::handle(const Wire::Users &users)
{
    setUsers(users.names);
    Q_EMIT usersListed(m_users);
}

void ChatClient::handle(const Wire::Notice &notice)
{
    Q_EMIT noticeReceived(notice.text);
}

void ChatClient::handle(const Wire::Ping &ping)
{
    writeFrame(Wire::encode(Wire::Pong { ping.id }));
}

void ChatClient::handle(const Wire::Pong &pong)
{
    // Its arrival already counted as life; the answer to our last ping also times it.
    if (!m_pingSent.isValid() || pong.id.toInteger(-1) != m_pingId)
        return;
    m_lastRoundTripMs = double(m_pingSent.nsecsElapsed()) / 1e6;
    m_pingSent.invalidate();
    if (m_traceEnabled)
        Q_EMIT wireEvent(WireEvent::roundTrip(m_lastRoundTripMs));
}

void ChatClient::setUsers(const QStringList &users)
{
    m_users = users;
    Q_EMIT usersChanged(m_users);
}

void ChatClient::handle(const Wire::Error &error)
{
    if (m_status == Status::Joining
        && (error.code == Code::NameTaken || error.code == Code::InvalidName)) {
        m_welcomeTimer.stop();
        if (m_everJoined && error.code == Code::NameTaken) {
            // Our old connection may still hold the name; it times out on the server.
            dropConnection(ConnectionError::NameInUse, error.text);
            return;
        }
        traceTimeline([&error] { return QStringLiteral("name refused: %1").arg(error.text); });
        Q_EMIT nameRefused(error.text);
        return;
    }
    Q_EMIT errorReceived(error.code, error.text);
}

void ChatClient::onKeepAliveTick()
{
    if (m_status != Status::Joined || !m_dialect->answersPings() || m_keepAliveInterval <= 0)
        return;
    const qint64 silence = m_sinceLastReceive.elapsed();
    if (silence >= 2 * qint64(m_keepAliveInterval)) {
        dropConnection(ConnectionError::Timeout, QStringLiteral("The server stopped answering."));
    } else if (silence >= m_keepAliveInterval && !m_pingOutstanding) {
        m_pingOutstanding = true;
        sendPing();
    }
}

void ChatClient::reportConnectionError(ConnectionError error, const QString &text)
{
    m_error = error;
    m_errorString = text;
    traceTimeline([&text] { return QStringLiteral("connection error: %1").arg(text); });
    Q_EMIT connectionError(error, text);
}

void ChatClient::dropConnection(ConnectionError error, const QString &reason)
{
    reportConnectionError(error, reason);
    m_socket->abort(); // emits disconnected() when it was connected
    if (m_status != Status::Disconnected && m_status != Status::Reconnecting
        && !m_reconnectTimer.isActive())
        onSocketClosed();
}

void ChatClient::onSocketError(QAbstractSocket::SocketError error)
{
    if (error == QAbstractSocket::RemoteHostClosedError && m_leaving)
        return;
    reportConnectionError(errorFor(error), m_socket->errorString());
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        onSocketClosed(); // a failed connect emits no disconnected()
}

void ChatClient::onSocketClosed()
{
    if (m_reconnectTimer.isActive() || m_status == Status::Disconnected)
        return;
    m_welcomeTimer.stop();
    m_keepAliveTimer.stop();
    m_seedSendTimer.stop();
    m_sendRateTimer.stop();
    traceTimeline([] { return QStringLiteral("connection closed"); });
    if (m_leaving || !m_autoReconnect || !m_everJoined) {
        failQueued(m_errorString.isEmpty() ? QStringLiteral("Not sent: the connection was closed.")
                                           : QStringLiteral("Not sent: %1").arg(m_errorString));
        setStatus(Status::Disconnected);
        traceTimeline([] { return QStringLiteral("session ended"); });
        Q_EMIT disconnected();
        return;
    }
    scheduleReconnect();
}

void ChatClient::scheduleReconnect()
{
    ++m_reconnectAttempt;
    // Exponential back-off with jitter, so a restarted server is not hit by
    // every client in the same millisecond.
    const int exponent = qMin(m_reconnectAttempt - 1, 16);
    const qint64 base =
        qMin<qint64>(qint64(m_firstReconnectDelay) << exponent, m_maxReconnectDelay);
    const int delay = int(base / 2 + QRandomGenerator::global()->bounded(base / 2 + 1));
    setStatus(Status::Reconnecting);
    m_reconnectTimer.start(delay);
    traceTimeline([this, base, delay] {
        return QStringLiteral("reconnect attempt %1 in %2 ms (back-off %3 ms, doubling from %4 "
                              "up to %5 ms; half of it random)")
            .arg(m_reconnectAttempt)
            .arg(delay)
            .arg(base)
            .arg(m_firstReconnectDelay)
            .arg(m_maxReconnectDelay);
    });
    Q_EMIT reconnectScheduled(m_reconnectAttempt, delay);
}
