// SPDX-License-Identifier: MIT
#include "clientsession.h"

#include "accountreply.h"
#include "accounts.h"
#include "dialect.h"
#include "displaytext.h"
#include "hub.h"
#include "logging.h"
#include "metrics.h"
#include "outbox.h"
#include "serverconfig.h"
#include "trace.h"
#include "validation.h"

#include <QDateTime>
#include <QHostAddress>
#include <QThread>

#include <QTimerEvent>
#include <utility>

using namespace Protocol;

namespace {
constexpr int LingerMs = 2000; // time a closing client gets to read our last words
constexpr int ShutdownLingerMs = 300;
} // namespace

ClientSession::ClientSession(Transport *transport, Hub *hub, const ServerConfig *config,
                             Accounts *accounts)
    : m_transport(transport)
    , m_hub(hub)
    , m_config(config)
    , m_accounts(accounts)
    , m_dialect(&Dialect::seed())
    , m_bucket(config->rate, config->burst)
{
    m_transport->setParent(this);
}

ClientSession::~ClientSession()
{
    // The hub may still list this user: its leave waits for the storage thread.
    m_handle->detach();
    if (m_reply)
        m_reply->detach(); // an answer still under way then wakes nobody
}

void ClientSession::start()
{
    Trace::nameThisThread(connectionId());
    m_transport->start(this);
    // Until a join says otherwise this may be a seed client.
    m_transport->setPacing(std::chrono::milliseconds(m_config->seedPacingMs));
    m_sinceReceive.start();
    m_timer.start(m_config->joinTimeoutMs, Qt::PreciseTimer, this); // never early
    qCInfo(lcConnection).noquote() << m_transport->peer() << "connected";
    if (Q_UNLIKELY(Trace::enabled()))
        Trace::connected(connectionId(), m_transport->peer().toLatin1());
}

void ClientSession::transportReceived()
{
    m_sinceReceive.restart();
    m_pingOutstanding = false;
    QByteArray frame;
    while (m_state != State::Closing) {
        switch (m_transport->nextFrame(&frame)) {
        case JsonFrameDecoder::Result::NeedMoreData:
            return;
        case JsonFrameDecoder::Result::FrameTooLarge:
            closeWithError(Code::FrameTooLarge,
                           QStringLiteral("A message was larger than %1 bytes.")
                               .arg(m_transport->maxFrameBytes()));
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
        Metrics::instance().add(Metrics::Counter::MessagesReceived);
        if (!m_bucket.take()) {
            Metrics::instance().add(Metrics::Counter::RateLimited);
            if (Q_UNLIKELY(Trace::enabled()))
                Trace::drop(connectionId(), Code::RateLimited, frame);
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
        if (joinIsBeingChecked()) {
            // A seed client sends its first chat right behind its join.
            m_held.append(frame);
            continue;
        }
        handleFrame(frame);
    }
}

void ClientSession::handleHeldFrames()
{
    while (!m_held.isEmpty() && !joinIsBeingChecked() && m_state != State::Closing)
        handleFrame(m_held.takeFirst());
}

void ClientSession::handleFrame(const QByteArray &frame)
{
    const Validation::ParsedFrame parsed = Validation::parseFrame(frame);
    if (!parsed.isValid()) {
        if (Q_UNLIKELY(Trace::enabled()))
            Trace::frameIn(connectionId(), {}, frame);
        sendError(parsed.errorCode, parsed.errorText);
        return;
    }
    const auto decoded = Wire::decode<Wire::ToServer>(parsed.object);
    if (Q_UNLIKELY(Trace::enabled()))
        Trace::frameIn(connectionId(), decoded.type.toLatin1(), frame);
    switch (decoded.status) {
    case Wire::Decoded<Wire::ToServer>::Status::UnknownType:
        sendUnknownType(decoded.type);
        return;
    case Wire::Decoded<Wire::ToServer>::Status::BadField:
        // Refused as unjoined first, as before a join nothing else is read.
        if (decoded.type == Wire::Join::Type || decoded.type == Wire::Ping::Type || requireJoined())
            sendError(Code::BadField, decoded.reason);
        return;
    case Wire::Decoded<Wire::ToServer>::Status::Ok:
        std::visit([this](const auto &message) { handle(message); }, decoded.message);
        return;
    }
}

bool ClientSession::requireJoined()
{
    if (m_state == State::Joined)
        return true;
    sendError(Code::NotJoined, QStringLiteral("Join first: {\"type\":\"join\",\"data\":NAME}."));
    return false;
}

void ClientSession::handle(const Wire::Ping &ping)
{
    // Before a join there is nothing to wait for.
    if (m_state == State::Joined)
        m_hub->postInOrder(m_transport->outbox(), Wire::encode(Wire::Pong { ping.id }));
    else
        send(Wire::encode(Wire::Pong { ping.id }));
}

void ClientSession::handle(const Wire::Pong &)
{
    // Its arrival already counted as life.
}

// The replies below are built in functions of their own, so that their
// temporaries do not enlarge the frames under which a join runs.
void ClientSession::sendUnknownType(const QString &type)
{
    sendError(Code::UnknownType, QStringLiteral("Unknown message type \"%1\".").arg(type.left(40)));
}

// Every stack page a connection's thread touches once stays resident for its
// lifetime, and a join reaches deep (the hub, the welcome, logging): this frame
// holds only what the hub call needs.
void ClientSession::handle(const Wire::Join &join)
{
    if (m_state == State::Joined) {
        sendAlreadyJoined();
        return;
    }
    if (m_asked != Asked::Nothing) {
        sendError(Code::AlreadyJoined,
                  QStringLiteral("Your join is being checked; wait for its answer."));
        return;
    }
    QString reason;
    const QString name = Validation::normalizedName(join.name);
    if (!Validation::isValidName(name, &reason)) {
        sendError(Code::InvalidName, reason);
        return;
    }
    if (join.isLogin()) {
        if (!m_accounts) {
            sendError(Code::AccountsUnavailable,
                      QStringLiteral("This server keeps no accounts (it runs without a "
                                     "database): join without a password."));
            return;
        }
        if (!join.password.isEmpty() && !passwordsMayCross()) {
            qCInfo(lcConnection).noquote()
                << m_transport->peer() << "login as" << name << "refused: insecure_login";
            sendError(Code::InsecureLogin,
                      QStringLiteral("This server takes passwords only over an encrypted "
                                     "connection%1.")
                          .arg(m_config->plainLogins == ServerConfig::PlainLogins::Loopback
                                   ? QStringLiteral(" or from its own host")
                                   : QString()));
            return;
        }
        m_waitingJoin = join;
        m_waitingJoin.name = name;
        m_waitingJoin.password.clear();
        m_waitingJoin.token.clear();
        askAccounts(Asked::Login);
        Accounts::Login login { name, peerAddress(), join.password, join.token,
                                join.registerAccount };
        m_accounts->login(login, m_reply);
        return;
    }
    if (!m_config->guestsAllowed) {
        refuseJoin(name,
                   { Code::GuestsDenied,
                     QStringLiteral("This server admits accounts only: log in with a password."),
                     {} });
        return;
    }
    if (m_accounts) {
        // The database decides, not a copy: `pynet-server account add` changes it.
        m_waitingJoin = join;
        m_waitingJoin.name = name;
        askAccounts(Asked::GuestName);
        m_accounts->checkGuest(name, m_reply);
        return;
    }
    joinHub(join, name, {});
}

void ClientSession::askAccounts(Asked asked)
{
    if (!m_reply)
        m_reply = std::make_shared<AccountReply>(this);
    m_asked = asked;
}

// "address:port" or "[v6address]:port", as the transport names its peer.
QString ClientSession::peerAddress() const
{
    QString address = m_transport->peer();
    address.truncate(address.lastIndexOf(QLatin1Char(':')));
    if (address.startsWith(QLatin1Char('[')) && address.endsWith(QLatin1Char(']')))
        address = address.mid(1, address.size() - 2);
    return address;
}

bool ClientSession::passwordsMayCross() const
{
    if (m_transport->isEncrypted())
        return true;
    switch (m_config->plainLogins) {
    case ServerConfig::PlainLogins::Allow:
        return true;
    case ServerConfig::PlainLogins::Deny:
        return false;
    case ServerConfig::PlainLogins::Loopback:
        break;
    }
    return QHostAddress(peerAddress()).isLoopback();
}

void ClientSession::accountAnswered()
{
    std::optional<AccountReply::Answer> answer = m_reply ? m_reply->take() : std::nullopt;
    if (!answer)
        return;
    const Asked asked = std::exchange(m_asked, Asked::Nothing);
    Wire::Join join = std::exchange(m_waitingJoin, {});
    if (m_state == State::Closing)
        return;
    answered(asked, *answer, join);
    handleHeldFrames();
}

void ClientSession::answered(Asked asked, const AccountReply::Answer &answer,
                             const Wire::Join &join)
{
    const bool refused = !answer.errorCode.isEmpty();
    switch (asked) {
    case Asked::Nothing:
        return;
    case Asked::Login:
        if (refused) {
            // Peer and name, for whoever watches for guessing; never the secret.
            refuseJoin(join.name, { answer.errorCode, answer.errorText, {} });
            return;
        }
        m_account = true;
        if (joinHub(join, answer.name, answer.token))
            enterRemembered(answer.rooms, join.since);
        return;
    case Asked::GuestName:
        if (refused)
            refuseJoin(join.name, { answer.errorCode, answer.errorText, {} });
        else
            joinHub(join, join.name, {});
        return;
    case Asked::Password:
        if (refused) {
            qCInfo(lcConnection).noquote()
                << m_transport->peer() << m_name << "password change refused:" << answer.errorCode;
            sendError(answer.errorCode, answer.errorText);
            return;
        }
        qCInfo(lcConnection).noquote() << m_transport->peer() << m_name << "changed its password";
        send(Wire::encode(Wire::PasswordChanged { answer.token }));
        return;
    }
}

bool ClientSession::joinHub(const Wire::Join &join, const QString &name, const QString &token)
{
    Hub::JoinRequest request;
    request.name = name;
    request.dialect = &Dialect::of(join);
    request.since = join.since;
    request.run = join.run;
    request.resumeToken = join.resume;
    request.outbox = m_transport->outbox();
    request.connection = m_handle;
    request.account = m_account;
    request.token = token;
    request.address = peerAddress();
    const Hub::Result result = m_hub->join(request);
    if (!result.ok()) {
        m_account = false;
        refuseJoin(request.name, result);
        return false;
    }
    m_name = request.name;
    m_dialect = request.dialect;
    m_rooms.insert(result.room->key(), result.room);
    onJoined(join);
    return true;
}

// After a password login, the account's rooms from its last sessions, each
// answered as if the client had entered it. A room the limits refuse now is
// skipped and stays remembered.
void ClientSession::enterRemembered(const QStringList &rooms, qint64 since)
{
    if (!m_dialect->carries(Wire::RoomState::Type))
        return;
    for (const QString &room : rooms) {
        const Hub::Result result = m_hub->enter(m_name, m_transport->outbox().get(), room, since);
        if (result.ok())
            m_rooms.insert(result.room->key(), result.room);
        else
            qCInfo(lcConnection).noquote() << m_transport->peer() << m_name << "not back in" << room
                                           << ":" << result.errorCode;
    }
}

void ClientSession::handle(const Wire::Password &password)
{
    if (!requireJoined())
        return;
    if (!m_account) {
        sendError(Code::NotLoggedIn,
                  QStringLiteral("Only a connection logged in to an account can change its "
                                 "password."));
        return;
    }
    if (m_asked != Asked::Nothing) {
        sendError(Code::LoginThrottled,
                  QStringLiteral("A password change is under way; wait for its answer."));
        return;
    }
    if (!passwordsMayCross()) {
        sendError(Code::InsecureLogin,
                  QStringLiteral("This server takes passwords only over an encrypted "
                                 "connection."));
        return;
    }
    askAccounts(Asked::Password);
    m_accounts->changePassword(m_name, peerAddress(), password.old, password.password, m_reply);
}

// Logged, so that a join the client never follows up is not a silent one.
void ClientSession::refuseJoin(const QString &name, const Hub::Result &result)
{
    qCInfo(lcConnection).noquote()
        << m_transport->peer() << "join as" << name << "refused:" << result.errorCode;
    sendError(result.errorCode, result.errorText);
}

void ClientSession::sendAlreadyJoined()
{
    sendError(Code::AlreadyJoined, QStringLiteral("You have already joined as %1.").arg(m_name));
}

void ClientSession::onJoined(const Wire::Join &join)
{
    m_state = State::Joined;
    Metrics::instance().add(Metrics::Counter::Joins);
    if (!m_dialect->readsOneObjectPerReceive())
        m_transport->setPacing(std::chrono::milliseconds::zero());
    m_timer.stop();
    // A client that cannot answer a ping is never timed out for silence.
    if (m_dialect->answersPings())
        m_timer.start(qMax(250, m_config->idleTimeoutMs / 4), this);
    // The one free text we log: neutralised, so that it cannot forge log lines.
    const QString client = join.isRich()
        ? QStringLiteral("(%1)").arg(DisplayText::neutralized(join.client.left(64)))
        : QStringLiteral("(%1)").arg(m_dialect->name());
    qCInfo(lcConnection).noquote()
        << m_transport->peer() << "joined as" << m_name << client << (m_account ? "(account)" : "");
}

// A line for someone to read: from a joined client, and valid text.
bool ClientSession::acceptLine(const QString &text)
{
    if (!requireJoined())
        return false;
    QString reason;
    if (Validation::isValidText(text, m_config->maxTextLength, &reason))
        return true;
    sendError(Code::InvalidText, reason);
    return false;
}

void ClientSession::handle(const Wire::Chat &chat)
{
    if (!acceptLine(chat.text))
        return;
    // Never relayed to a room the sender is not in, nor from one muted there.
    const QString name = chat.room.isEmpty() ? QString(DefaultRoom) : chat.room;
    const std::shared_ptr<Room> room = m_rooms.value(Validation::roomKey(name));
    switch (room ? room->standingOf(m_transport->outbox().get()) : Room::Standing::Absent) {
    case Room::Standing::Speaking:
        m_hub->chat(room, m_name, m_transport->outbox(), chat.text, chat.action);
        return;
    case Room::Standing::Muted:
        sendError(Code::Muted,
                  QStringLiteral("You are muted in %1: your line was not sent.").arg(room->name()));
        return;
    case Room::Standing::Absent:
        joinedRoom(chat.room); // says why, and forgets a room it was removed from
        return;
    }
}

void ClientSession::handle(const Wire::PrivateChat &chat)
{
    if (!acceptLine(chat.text))
        return;
    const Hub::Online recipient = m_hub->online(chat.to);
    // A guest's private messages are live only, as before accounts: only two
    // accounts have a conversation to keep, and to read back.
    const bool live = recipient.name.isEmpty() || !m_account || !recipient.account;
    if (live && !m_hub->sendPrivate(m_name, chat.to, chat.text))
        sendError(Code::NoSuchUser,
                  QStringLiteral("Nobody called \"%1\" is online.").arg(chat.to.left(64)));
    if (live)
        return;
    ChatMessage message;
    message.from = m_name;
    message.to = recipient.name;
    message.text = chat.text;
    message.time = QDateTime::currentDateTimeUtc();
    // Delivered once stored, as a room message is: delivered means durable.
    Hub *hub = m_hub;
    const std::shared_ptr<Outbox> outbox = m_transport->outbox();
    const bool echo = chat.echo;
    const bool queued = m_accounts->storePrivate(
        message, [hub, outbox, echo](const ChatMessage &stored, const QString &error) {
            if (error.isEmpty()) {
                hub->deliverPrivate(stored, echo ? outbox : nullptr);
                return;
            }
            hub->postInOrder(outbox,
                             Wire::encode(Wire::Error {
                                 Code::StorageFailed,
                                 QStringLiteral("Your private message to %1 was not sent: the "
                                                "server cannot store it now. Try again later.")
                                     .arg(stored.to) }));
        });
    if (!queued)
        sendError(Code::StorageFailed,
                  QStringLiteral("Your private message to %1 was not sent: the server is busy. "
                                 "Try again in 1 s.")
                      .arg(recipient.name));
}

void ClientSession::handle(const Wire::PrivateHistoryRequest &request)
{
    if (!requireJoined())
        return;
    if (!m_dialect->carries(Wire::RoomState::Type)) {
        sendUnknownType(Wire::PrivateHistoryRequest::Type); // nothing of it in the seed's
        return;
    }
    if (!m_account) {
        sendError(Code::NotLoggedIn,
                  QStringLiteral("Only accounts keep private conversations: log in to read "
                                 "yours."));
        return;
    }
    QString reason;
    const QString with = Validation::normalizedName(request.with);
    if (!Validation::isValidName(with, &reason)) {
        sendError(Code::InvalidName, reason);
        return;
    }
    constexpr int DefaultPage = 50;
    const int limit =
        qMin(request.limit > 0 ? request.limit : DefaultPage, m_config->historyPageLimit);
    Hub *hub = m_hub;
    const std::shared_ptr<Outbox> outbox = m_transport->outbox();
    const bool queued = m_accounts->privateHistory(
        m_name, with, request.before, limit,
        [hub, outbox](QLatin1StringView code, const QString &text,
                      const Wire::PrivateHistory &page) {
            // In order with the stored messages' delivery, which an answer
            // must not overtake: each message then shows once.
            hub->postInOrder(outbox,
                             code.isEmpty() ? Wire::encode(page)
                                            : Wire::encode(Wire::Error { code, text }));
        });
    if (!queued)
        sendError(Code::AccountsUnavailable,
                  QStringLiteral("The server is busy: ask again in 1 s."));
}

void ClientSession::handle(const Wire::UsersRequest &request)
{
    if (const std::shared_ptr<Room> room = joinedRoom(request.room))
        send(Wire::encode(room->users()));
}

std::shared_ptr<Room> ClientSession::joinedRoom(const QString &name)
{
    if (!requireJoined())
        return {};
    const QString room = name.isEmpty() ? QString(DefaultRoom) : Validation::normalizedName(name);
    const QString key = Validation::roomKey(room);
    std::shared_ptr<Room> joined = m_rooms.value(key);
    if (joined && !joined->hasMember(m_transport->outbox().get())) {
        m_rooms.remove(key); // kicked or banned from it by someone else's thread
        joined.reset();
    }
    if (!joined)
        sendError(Code::NotInRoom, QStringLiteral("You are not in %1.").arg(room.left(64)));
    return joined;
}

void ClientSession::handle(const Wire::Enter &enter)
{
    if (!requireJoined())
        return;
    if (!m_dialect->carries(Wire::RoomState::Type)) {
        sendUnknownType(Wire::Enter::Type); // the seed's protocol has one room
        return;
    }
    const QString name = Validation::normalizedName(enter.room);
    QString reason;
    if (!Validation::isValidRoomName(name, &reason)) {
        sendError(Code::InvalidRoom, reason);
        return;
    }
    const Hub::Result result = m_hub->enter(m_name, m_transport->outbox().get(), name, enter.since);
    if (!result.ok()) {
        sendError(result.errorCode, result.errorText);
        return;
    }
    m_rooms.insert(result.room->key(), result.room);
    remember(*result.room, true);
}

void ClientSession::remember(const Room &room, bool in)
{
    if (m_account && room.key() != Validation::roomKey(Protocol::DefaultRoom))
        m_accounts->setInRoom(m_name, room.name(), in);
}

void ClientSession::handle(const Wire::Leave &leave)
{
    const std::shared_ptr<Room> room = joinedRoom(leave.room);
    if (!room)
        return;
    m_rooms.remove(room->key()); // nothing more from this client reaches it
    m_hub->leaveRoom(m_name, m_transport->outbox(), room);
    remember(*room, false);
}

void ClientSession::handle(const Wire::RoomsRequest &)
{
    if (requireJoined())
        send(Wire::encode(m_hub->rooms()));
}

void ClientSession::handle(const Wire::Topic &topic)
{
    const std::shared_ptr<Room> room = joinedRoom(topic.room);
    if (!room)
        return;
    QString reason;
    // An empty topic clears it.
    if (!topic.text.isEmpty()
        && !Validation::isValidText(topic.text, m_config->maxTopicLength, &reason)) {
        sendError(Code::InvalidText, reason);
        return;
    }
    if (!room->maySetTopic(m_transport->outbox().get(), m_hub->isAdmin(m_name, m_account))) {
        sendError(Code::TopicLocked,
                  QStringLiteral("The topic of %1 is locked: only its operators can set it.")
                      .arg(room->name()));
        return;
    }
    m_hub->setTopic(room, m_name, topic.text);
}

void ClientSession::handle(const Wire::Moderate &moderate)
{
    if (!requireJoined())
        return;
    if (!m_dialect->carries(Wire::RoomState::Type)) {
        sendUnknownType(Wire::Moderate::Type); // the seed's protocol has no moderation
        return;
    }
    const std::shared_ptr<Room> room = joinedRoom(moderate.room);
    if (!room)
        return;
    QString reason;
    if (!moderate.reason.isEmpty()
        && !Validation::isValidText(moderate.reason, m_config->maxTopicLength, &reason)) {
        sendError(Code::InvalidText, reason);
        return;
    }
    const Hub::Result result = m_hub->moderate(m_name, m_transport->outbox().get(), room, moderate);
    if (!result.ok()) {
        sendError(result.errorCode, result.errorText);
        return;
    }
    // Recorded in the database too (moderation_log); here for whoever reads the log.
    const QString target = moderate.target.isEmpty()
        ? QString()
        : DisplayText::neutralized(moderate.target.left(64)) + QLatin1Char(' ');
    qCInfo(lcConnection).noquote() << m_transport->peer() << m_name << moderate.action
                                   << target + QStringLiteral("in ") + room->name();
}

void ClientSession::handle(const Wire::HistoryRequest &request)
{
    constexpr int DefaultPage = 50;
    const std::shared_ptr<Room> room = joinedRoom(request.room);
    if (!room)
        return;
    const int limit =
        qMin(request.limit > 0 ? request.limit : DefaultPage, m_config->historyPageLimit);
    m_hub->history(room, m_transport->outbox(), request.before, limit);
}

void ClientSession::send(const QByteArray &bytes)
{
    m_transport->send(bytes);
}

void ClientSession::sendError(QLatin1StringView code, const QString &text)
{
    send(Wire::encode(Wire::Error { code, text }));
}

void ClientSession::closeWithError(QLatin1StringView code, const QString &text)
{
    if (Q_UNLIKELY(Trace::enabled()))
        Trace::drop(connectionId(), code);
    qCWarning(lcConnection).noquote() << m_transport->peer() << m_name << "closed:" << text;
    if (m_state != State::Closing)
        Metrics::instance().countClose(Metrics::closeFor(code));
    sendError(code, text);
    beginClosing(LingerMs);
}

void ClientSession::beginClosing(int lingerMs)
{
    if (m_state == State::Closing)
        return;
    leaveRoom();
    m_state = State::Closing;
    m_timer.stop();
    m_transport->closeAfterWriting(lingerMs);
}

void ClientSession::transportOverflowed()
{
    qCWarning(lcConnection).noquote()
        << m_transport->peer() << m_name << "dropped: does not read; owed more than"
        << m_config->maxUnsentBytes << "bytes";
    if (Q_UNLIKELY(Trace::enabled()))
        Trace::drop(connectionId(), "slow_reader");
    m_transport->close(QStringLiteral("slow reader"));
}

void ClientSession::replace()
{
    if (Q_UNLIKELY(Trace::enabled()))
        Trace::drop(connectionId(), Code::Replaced);
    m_name.clear(); // the name now belongs to the new connection
    if (m_state != State::Closing)
        Metrics::instance().countClose(Metrics::Close::Replaced);
    m_state = State::Closing;
    m_transport->close(QStringLiteral("replaced: its name went to another connection"));
}

void ClientSession::shutdown()
{
    if (!m_transport->isOpen())
        return;
    // Whatever a slow or paced client still owes would delay the news past our exit.
    m_transport->discardQueued();
    if (m_state != State::Closing) // else closing already, for a reason counted then
        Metrics::instance().countClose(Metrics::Close::Shutdown);
    send(Wire::encode(
        Wire::Notice { QStringLiteral("The server is shutting down."), Code::Shutdown }));
    beginClosing(ShutdownLingerMs);
}

void ClientSession::timerEvent(QTimerEvent *event)
{
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
            send(Wire::encode(Wire::Ping { silence }));
        }
        break;
    }
    case State::Closing:
        break;
    }
}

void ClientSession::leaveRoom()
{
    if (m_state != State::Joined)
        return;
    m_hub->leave(m_name, m_transport->outbox().get());
    m_rooms.clear();
    qCInfo(lcConnection).noquote() << m_transport->peer() << m_name << "left";
}

void ClientSession::transportClosing(const QString &reason)
{
    // Not closing yet: the client went, or its outbox overflowed (transportOverflowed).
    if (m_state != State::Closing) {
        if (m_transport->outbox()->hasOverflowed()) {
            Metrics::instance().add(Metrics::Counter::SlowReadersDropped);
            Metrics::instance().countClose(Metrics::Close::SlowReader);
        } else {
            Metrics::instance().countClose(Metrics::Close::Disconnected);
        }
    }
    leaveRoom();
    m_state = State::Closing;
    m_timer.stop();
    qCInfo(lcConnection).noquote() << m_transport->peer() << "closed:" << reason;
    if (Q_UNLIKELY(Trace::enabled()))
        Trace::closed(connectionId(), reason.toUtf8());
}

void ClientSession::transportClosed()
{
    thread()->quit(); // the socket is closed and the client has left
}
