// SPDX-License-Identifier: MIT
#include "chatclient.h"

#include "dialect.h"
#include "knownservers.h"
#include "protocol.h"
#include "redaction.h"
#include "tokenbucket.h"
#include "validation.h"
#include "wire.h"

#include <QFile>
#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSignalBlocker>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QSslSocket>

#include <algorithm>
#include <utility>

using namespace Protocol;

// History ids remembered per server run, so that no welcome shows one twice.
static constexpr int DeliveredIdsLimit = 20000;
// Own room lines remembered until a welcome's history confirms them.
static constexpr int UnconfirmedOwnLimit = 100;
// History pages one catch-up fetches at most: a room that said more than this
// while we were away shows what the pages held.
static constexpr int MaxCatchUpPages = 100;

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
    , m_socket(new QSslSocket(this))
    , m_decoder(ClientMaxFrameBytes)
    , m_dialect(&Dialect::seed())
{
    m_clientName = QStringLiteral("PyNet Chat %1").arg(QStringLiteral(PYNET_VERSION));
    m_welcomeTimer.setSingleShot(true);
    m_connectTimer.setSingleShot(true);
    m_reconnectTimer.setSingleShot(true);
    m_seedSendTimer.setInterval(100);

    connect(m_socket, &QTcpSocket::connected, this, &ChatClient::onConnected);
    connect(m_socket, &QSslSocket::encrypted, this, &ChatClient::onEncrypted);
    connect(m_socket, &QSslSocket::sslErrors, this, &ChatClient::onSslErrors);
    connect(m_socket, &QTcpSocket::readyRead, this, &ChatClient::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &ChatClient::onBytesWritten);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &ChatClient::onSocketError);
    connect(m_socket, &QTcpSocket::disconnected, this, &ChatClient::onSocketClosed);
    // No welcome: the server was written from the seed and replies to nothing.
    connect(&m_welcomeTimer, &QTimer::timeout, this, [this] {
        if (m_status != Status::Joining)
            return;
        if (m_loginPending) {
            // A seed server answers nothing and knows no accounts.
            m_loginPending = false;
            m_joinRefused = true;
            Q_EMIT loginRefused(
                QString(Code::AccountsUnavailable),
                QStringLiteral("%1 did not answer the login: it may be a server without accounts.")
                    .arg(m_host));
            return;
        }
        traceTimeline([this] {
            return QStringLiteral("no welcome within %1 ms: a seed server, so one message at a "
                                  "time, %2 ms apart")
                .arg(m_welcomeTimer.interval())
                .arg(m_seedSendTimer.interval());
        });
        becomeJoined(Dialect::seed());
    });
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        if (m_socket->state() != QAbstractSocket::ConnectingState
            && m_socket->state() != QAbstractSocket::HostLookupState)
            return;
        reportConnectionError(
            ConnectionError::Timeout,
            QStringLiteral("No answer within %1 s").arg(m_connectTimeoutMs / 1000.0));
        {
            const QSignalBlocker blocker(m_socket); // not connected: nothing to tell
            m_socket->abort();
        }
        onSocketClosed(); // the next server, a later round, or the end
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
    abortLookup();
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
    m_welcomeTimeoutMs = ms;
}

void ChatClient::setConnectTimeout(int ms)
{
    m_connectTimeoutMs = ms;
}

bool ChatClient::parseConnectTimeout(const QString &seconds, int *ms, QString *error)
{
    constexpr double MinSeconds = MinConnectTimeoutMs / 1000.0;
    constexpr double MaxSeconds = MaxConnectTimeoutMs / 1000.0;
    bool ok = false;
    const double value = seconds.toDouble(&ok);
    if (!ok || !(value >= MinSeconds) || !(value <= MaxSeconds)) {
        *error = QStringLiteral("Invalid --connect-timeout: %1 (%2 to %3 seconds)")
                     .arg(seconds)
                     .arg(MinSeconds)
                     .arg(MaxSeconds);
        return false;
    }
    *ms = qRound(value * 1000);
    return true;
}

void ChatClient::setPassword(const QString &password, bool registerIfNew)
{
    forgetPassword();
    m_password = password;
    m_registerIfNew = registerIfNew;
    m_loginToken.clear(); // a new password is a new login
}

void ChatClient::forgetPassword()
{
    m_password.fill(u'\0'); // not left in freed memory
    m_password.clear();
}

// A password leaves only encrypted, or for this machine, unless allowed.
bool ChatClient::mayLogInHere() const
{
    return isEncrypted() || m_plainLoginAllowed || m_socket->peerAddress().isLoopback();
}

SendResult ChatClient::changePassword(const QString &oldPassword, const QString &newPassword)
{
    if (m_status != Status::Joined || !m_loggedIn)
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("Only an account has a password: log in first."));
    if (newPassword.isEmpty())
        return SendResult::failed(SendResult::Status::InvalidText,
                                  QStringLiteral("The new password is empty."));
    if (!mayLogInHere())
        return SendResult::failed(
            SendResult::Status::Unsupported,
            QStringLiteral("Not sending a password unencrypted to %1.").arg(m_host));
    sendObject(Wire::Password { newPassword, oldPassword }.toJson());
    return SendResult::sent(0);
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
    connectToServer(QList<ServerEndpoint> { { host, port } }, name);
}

void ChatClient::connectToServer(const QList<ServerEndpoint> &servers, const QString &name)
{
    // Lines queued for the old session were meant for it, not for this one.
    failQueued(QStringLiteral("Not sent: the connection was replaced by a new one."));
    abortLookup();
    m_servers = servers.isEmpty() ? QList<ServerEndpoint> { {} } : servers;
    selectServer(0);
    beginRound();
    m_droppedServer = -1;
    m_droppedAddress.clear();
    m_requestedName = name;
    m_everJoined = false;
    m_leaving = false;
    m_reconnectAttempt = 0;
    m_lastMessageId = 0;
    m_sessionToken.clear();
    m_loggedIn = false;
    m_admin = false;
    m_privateConversations.clear();
    m_serverRun.clear();
    m_rooms.clear();
    m_pendingEnters.clear();
    m_error = ConnectionError::None;
    m_errorString.clear();
    // A retry of the old session must not fire into the new one, nor make it
    // ignore its own drop (onSocketClosed returns while the timer runs).
    m_reconnectTimer.stop();
    startConnection();
}

void ChatClient::startConnection()
{
    abortLookup();
    {
        const QSignalBlocker blocker(m_socket); // closing the old connection is no news
        m_socket->abort();
    }
    m_joinRefused = false;
    m_decoder = JsonFrameDecoder(ClientMaxFrameBytes);
    m_sendQueue.clear();
    m_dialect = &Dialect::seed(); // until a welcome shows otherwise
    m_welcomed = false;
    m_pingOutstanding = false;
    m_pingSent.invalidate(); // a pong from the old connection cannot come
    // Unanswered requests die with the connection; the rejoin asks again.
    m_enterSince.clear();
    m_catchUps.clear();
    m_historyRequests.clear();
    m_privateHistoryRequests.clear();
    m_rejoin = m_everJoined;
    m_certificateCheck = CertificateCheck::None;
    setStatus(m_everJoined ? Status::Reconnecting : Status::Connecting);
    m_connectStarted.start();
    traceTimeline([this] {
        const QString address = server().toString();
        return m_everJoined ? QStringLiteral("reconnect attempt %1: connecting to %2")
                                  .arg(m_reconnectAttempt)
                                  .arg(address)
                            : QStringLiteral("connecting to %1").arg(address);
    });
    if (!m_addresses.isEmpty()) {
        connectToAddress(); // the next address of a name already looked up, or a trust retry
        return;
    }
    const QHostAddress literal(m_host);
    if (!literal.isNull()) {
        m_addresses = { literal };
        m_addressIndex = 0;
        connectToAddress();
        return;
    }
    // Looked up here rather than by the socket, which would try the addresses
    // itself: a failover goes on with the next one, and says which it is.
    m_lookupId = QHostInfo::lookupHost(m_host, this, &ChatClient::onLookedUp);
}

void ChatClient::onLookedUp(const QHostInfo &info)
{
    if (info.lookupId() != m_lookupId)
        return; // for an attempt given up since
    m_lookupId = -1;
    QList<QHostAddress> addresses = info.addresses();
    if (info.error() != QHostInfo::NoError || addresses.isEmpty()) {
        reportConnectionError(ConnectionError::HostNotFound,
                              info.error() == QHostInfo::NoError ? QStringLiteral("Host not found")
                                                                 : info.errorString());
        onSocketClosed(); // the next server, a later round, or the end
        return;
    }
    // The address whose connection dropped is likely down: the others first.
    const qsizetype dropped =
        m_serverIndex == m_droppedServer ? addresses.indexOf(m_droppedAddress) : -1;
    if (dropped >= 0)
        std::rotate(addresses.begin(), addresses.begin() + dropped + 1, addresses.end());
    traceTimeline([this, &addresses] {
        QStringList shown;
        for (const QHostAddress &address : std::as_const(addresses))
            shown.append(address.toString());
        return QStringLiteral("looked up %1 in %2 ms: %3")
            .arg(m_host)
            .arg(m_connectStarted.elapsed())
            .arg(shown.join(QLatin1StringView(", ")));
    });
    m_addresses = addresses;
    m_addressIndex = 0;
    connectToAddress();
}

void ChatClient::connectToAddress()
{
    const QHostAddress address = m_addresses.at(m_addressIndex);
    Q_EMIT connectingTo(server(), address);
    m_connectTimer.start(m_connectTimeoutMs);
    if (m_addresses.size() > 1)
        traceTimeline(
            [&address] { return QStringLiteral("trying address %1").arg(address.toString()); });
    if (!m_tls) {
        m_socket->connectToHost(address, m_port);
        return;
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
    configuration.addCaCertificates(m_extraCaCertificates);
    m_socket->setSslConfiguration(configuration);
    // The certificate is checked against the name given, not the address.
    m_socket->connectToHostEncrypted(address.toString(), m_port, m_host);
}

void ChatClient::abortLookup()
{
    if (m_lookupId < 0)
        return;
    QHostInfo::abortHostLookup(m_lookupId);
    m_lookupId = -1;
}

void ChatClient::selectServer(int index)
{
    m_serverIndex = index;
    m_host = m_servers.at(index).host;
    m_port = m_servers.at(index).port;
    m_addresses.clear(); // looked up again: the name may point elsewhere by now
    m_addressIndex = 0;
}

void ChatClient::beginRound()
{
    m_roundLeft = int(m_servers.size());
    m_roundFailures.clear();
}

// Another address of this server, or another server, is left to try in this round.
bool ChatClient::hasNextTarget() const
{
    return m_addressIndex + 1 < m_addresses.size() || m_roundLeft > 1;
}

void ChatClient::advanceTarget()
{
    if (m_addressIndex + 1 < m_addresses.size()) {
        ++m_addressIndex;
        return;
    }
    --m_roundLeft;
    selectServer((m_serverIndex + 1) % int(m_servers.size()));
}

// The server being tried, with its address when its name has several.
QString ChatClient::targetName() const
{
    if (m_addresses.size() <= 1)
        return server().toString();
    return QStringLiteral("%1 (%2)").arg(server().toString(), serverAddress().toString());
}

bool ChatClient::setCaFile(const QString &path, QString *error)
{
    m_extraCaCertificates.clear();
    if (path.isEmpty())
        return true;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the CA file %1: %2").arg(path, file.errorString());
        return false;
    }
    m_extraCaCertificates = QSslCertificate::fromData(file.readAll(), QSsl::Pem);
    if (m_extraCaCertificates.isEmpty()) {
        *error = QStringLiteral("the CA file %1 holds no PEM certificate").arg(path);
        return false;
    }
    return true;
}

bool ChatClient::isEncrypted() const
{
    return m_socket->isEncrypted();
}

QSslCertificate ChatClient::peerCertificate() const
{
    return m_socket->isEncrypted() ? m_socket->peerCertificate() : QSslCertificate();
}

void ChatClient::onEncrypted()
{
    traceTimeline([this] {
        const QSslCertificate certificate = m_socket->peerCertificate();
        return QStringLiteral("TLS %1 with %2 in %3 ms; certificate %4, SHA-256 %5")
            .arg(m_socket->sessionCipher().protocolString(), m_socket->sessionCipher().name())
            .arg(m_connectStarted.elapsed())
            .arg(certificate.subjectDisplayName(), KnownServers::fingerprintOf(certificate));
    });
    join(m_requestedName);
}

// No CA vouches for the certificate: trust on first use decides.
void ChatClient::onSslErrors(const QList<QSslError> &errors)
{
    const QSslCertificate certificate = m_socket->peerCertificate();
    const QString fingerprint = KnownServers::fingerprintOf(certificate);
    const KnownServers known;
    const QString accepted = known.fingerprint(m_host, m_port);
    if (fingerprint == accepted
        || (fingerprint == m_trustedFingerprint && server() == m_trustedServer)) {
        m_socket->ignoreSslErrors(errors);
        return;
    }
    // Not ignored: the socket drops the connection after this slot returns.
    if (!accepted.isEmpty()) {
        m_certificateCheck = CertificateCheck::Refused;
        reportConnectionError(
            ConnectionError::CertificateRejected,
            QStringLiteral("REFUSED: the TLS certificate of %1:%2 has CHANGED since you "
                           "accepted it. It was SHA-256 %3, it is now SHA-256 %4. Someone may be "
                           "intercepting the connection. If the server's certificate was really "
                           "replaced, remove the line for %1:%2 from %5 and connect again.")
                .arg(m_host)
                .arg(m_port)
                .arg(accepted, fingerprint, known.path()));
        return;
    }
    QStringList reasons;
    for (const QSslError &error : errors)
        reasons.append(error.errorString());
    reasons.removeDuplicates();
    m_certificateCheck = CertificateCheck::AwaitingTrust;
    m_untrustedCertificate = certificate;
    traceTimeline([&fingerprint, &reasons] {
        return QStringLiteral("TLS certificate SHA-256 %1 not verified (%2): asking whether to "
                              "trust it")
            .arg(fingerprint, reasons.join(QLatin1StringView("; ")));
    });
    // After the socket has dropped this attempt, so that an answer at once finds it closed.
    QMetaObject::invokeMethod(
        this,
        [this, fingerprint, certificate, reason = reasons.join(QLatin1StringView("; "))] {
            if (m_certificateCheck == CertificateCheck::AwaitingTrust)
                Q_EMIT certificateNeedsTrust(fingerprint, certificate, reason);
        },
        Qt::QueuedConnection);
}

void ChatClient::trustCertificate(bool trusted)
{
    if (m_certificateCheck != CertificateCheck::AwaitingTrust)
        return;
    const QString fingerprint = KnownServers::fingerprintOf(m_untrustedCertificate);
    m_untrustedCertificate = QSslCertificate();
    if (!trusted) {
        m_certificateCheck = CertificateCheck::Refused;
        reportConnectionError(ConnectionError::CertificateRejected,
                              QStringLiteral("Not connected: the TLS certificate of %1:%2 "
                                             "(SHA-256 %3) was not trusted.")
                                  .arg(m_host)
                                  .arg(m_port)
                                  .arg(fingerprint));
        endSession();
        return;
    }
    m_trustedFingerprint = fingerprint;
    m_trustedServer = server();
    QString error;
    if (!KnownServers().remember(m_host, m_port, fingerprint, &error))
        traceTimeline(
            [&error] { return QStringLiteral("trusted for this session only: %1").arg(error); });
    startConnection();
}

void ChatClient::endSession()
{
    abortLookup();
    {
        const QSignalBlocker blocker(m_socket);
        m_socket->abort();
    }
    failQueued(m_errorString.isEmpty() ? QStringLiteral("Not sent: the connection was closed.")
                                       : QStringLiteral("Not sent: %1").arg(m_errorString));
    setStatus(Status::Disconnected);
    traceTimeline([] { return QStringLiteral("session ended"); });
    Q_EMIT disconnected();
}

void ChatClient::onConnected()
{
    m_connectTimer.stop();
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_sinceLastReceive.start();
    traceTimeline([this] {
        return QStringLiteral("connected to %1:%2 from port %3 in %4 ms")
            .arg(m_socket->peerAddress().toString())
            .arg(m_socket->peerPort())
            .arg(m_socket->localPort())
            .arg(m_connectStarted.elapsed());
    });
    if (!m_tls)
        join(m_requestedName); // with TLS, once encrypted
}

void ChatClient::join(const QString &name)
{
    if (m_socket->state() != QAbstractSocket::ConnectedState || m_status == Status::Joined)
        return;
    m_joinRefused = false;
    m_requestedName = name;
    // The join is the one message a seed server expects, so it goes out at once.
    // The welcome is the default room's answer, so since is that room's.
    const ChatRoom *general = room(DefaultRoom);
    Wire::Join request { name,         Version,
                         m_clientName, general ? general->lastMessageId : 0,
                         m_serverRun,  m_sessionToken };
    if (!m_password.isEmpty()) {
        if (!mayLogInHere()) {
            const QString text =
                QStringLiteral("Not sending your password unencrypted to %1: connect with TLS.")
                    .arg(m_host);
            traceTimeline([&text] { return text; });
            m_joinRefused = true;
            Q_EMIT loginRefused(QString(Code::InsecureLogin), text);
            return;
        }
        request.password = m_password;
        request.registerAccount = m_registerIfNew;
    } else if (!m_loginToken.isEmpty()) {
        request.token = m_loginToken;
    }
    writeFrame(Wire::encode(request));
    setStatus(Status::Joining);
    // Hashing a password takes the server a while, more when others log in
    // too: a login's welcome may come later than a guest's.
    m_loginPending = request.isLogin();
    m_welcomeTimer.start(m_loginPending ? std::max(m_welcomeTimeoutMs, LoginTimeoutMs)
                                        : m_welcomeTimeoutMs);
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

void ChatClient::reconnectNow()
{
    if (m_status != Status::Reconnecting || !m_reconnectTimer.isActive())
        return;
    m_reconnectTimer.stop();
    traceTimeline([] { return QStringLiteral("reconnecting now, as asked"); });
    startConnection();
}

void ChatClient::disconnectFromServer()
{
    m_leaving = true;
    traceTimeline([] { return QStringLiteral("leaving: what was sent is written, then closed"); });
    m_sendRateTimer.stop();
    failQueued(QStringLiteral("Not sent: you left before it could be sent."));
    m_reconnectTimer.stop();
    m_connectTimer.stop();
    m_welcomeTimer.stop();
    m_keepAliveTimer.stop();
    m_certificateCheck = CertificateCheck::None; // an unanswered question is moot
    if (m_socket->state() != QAbstractSocket::ConnectedState) {
        // Still looking up or connecting: nothing to flush, and no join may follow.
        abortLookup();
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
    return sendChat(DefaultRoom, text);
}

SendResult ChatClient::sendChat(const QString &room, const QString &text)
{
    return submit({ 0, Outgoing::Kind::Chat, {}, text, room });
}

SendResult ChatClient::sendAction(const QString &text)
{
    return sendAction(DefaultRoom, text);
}

SendResult ChatClient::sendAction(const QString &room, const QString &text)
{
    return submit({ 0, Outgoing::Kind::Action, {}, text, room });
}

SendResult ChatClient::sendPrivate(const QString &to, const QString &text)
{
    return submit({ 0, Outgoing::Kind::Private, to, text, {} });
}

SendResult ChatClient::requestUsers()
{
    return requestUsers(DefaultRoom);
}

SendResult ChatClient::requestUsers(const QString &roomName)
{
    if (m_status != Status::Joined)
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("Not connected."));
    if (!m_dialect->carries(Wire::UsersRequest::Type))
        return SendResult::failed(
            SendResult::Status::Unsupported,
            QStringLiteral("This server does not support /who: it speaks only the seed "
                           "protocol, which has no user list."));
    const ChatRoom *known = room(roomName);
    // The default room's request stays the one without a room that older servers know.
    if (!known || known->isDefault())
        sendObject(usersRequest());
    else
        sendObject(Wire::UsersRequest { known->name }.toJson());
    return SendResult::sent(0);
}

// The room requests need Joined and a server that speaks our protocol.
SendResult ChatClient::needsRoomsSupport() const
{
    if (m_status != Status::Joined)
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("Not connected."));
    if (!m_dialect->carries(Wire::Enter::Type))
        return SendResult::failed(SendResult::Status::Unsupported,
                                  QStringLiteral("This server speaks only the seed protocol: "
                                                 "it has no rooms besides %1.")
                                      .arg(DefaultRoom));
    return SendResult::sent(0);
}

static SendResult checkRoomName(const QString &room)
{
    QString reason;
    if (!Validation::isValidRoomName(room, &reason))
        return SendResult::failed(SendResult::Status::InvalidText,
                                  QStringLiteral("Not a room name: %1").arg(reason));
    return SendResult::sent(0);
}

// A server from before rooms leaves the room out, or empty: it has only the default one.
static QString orDefault(const QString &room)
{
    return room.isEmpty() ? QString(Protocol::DefaultRoom) : room;
}

static auto sameRoom(const QString &name)
{
    return [key = Validation::roomKey(name)](const QString &other) {
        return Validation::roomKey(other) == key;
    };
}

SendResult ChatClient::enterRoom(const QString &name)
{
    const QString roomName = Validation::normalizedName(name);
    if (const SendResult valid = checkRoomName(roomName); !valid.isAccepted())
        return valid;
    if (isInRoom(roomName) || isEntering(roomName))
        return SendResult::sent(0);
    if (m_status == Status::Disconnected || m_leaving)
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("Not connected."));
    if (m_status != Status::Joined) {
        m_pendingEnters.append(roomName); // the welcome sends it, before queued lines
        return SendResult::queued(0);
    }
    if (const SendResult supported = needsRoomsSupport(); !supported.isAccepted())
        return supported;
    m_pendingEnters.append(roomName);
    sendEnter(roomName);
    return SendResult::sent(0);
}

SendResult ChatClient::leaveRoom(const QString &name)
{
    const ChatRoom *known = room(name);
    if (!known && m_status != Status::Joined && isEntering(name)) {
        m_pendingEnters.removeIf(sameRoom(name)); // never sent: nothing to leave
        return SendResult::sent(0);
    }
    if (const SendResult supported = needsRoomsSupport(); !supported.isAccepted())
        return supported;
    if (!known && !isEntering(name))
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("You are not in %1.").arg(name));
    sendObject(Wire::Leave { known ? known->name : name }.toJson());
    return SendResult::sent(0);
}

SendResult ChatClient::requestRooms()
{
    if (const SendResult supported = needsRoomsSupport(); !supported.isAccepted())
        return supported;
    sendObject(Wire::RoomsRequest {}.toJson());
    return SendResult::sent(0);
}

SendResult ChatClient::setTopic(const QString &roomName, const QString &text)
{
    if (const SendResult supported = needsRoomsSupport(); !supported.isAccepted())
        return supported;
    QString reason;
    if (!text.trimmed().isEmpty() && !Validation::isValidText(text, DefaultMaxTextLength, &reason))
        return SendResult::failed(SendResult::Status::InvalidText,
                                  QStringLiteral("Not set: %1").arg(reason));
    const ChatRoom *known = room(roomName);
    if (!known)
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("You are not in %1.").arg(roomName));
    sendObject(Wire::Topic { known->name, text.trimmed(), {}, {} }.toJson());
    return SendResult::sent(0);
}

SendResult ChatClient::moderate(const QString &roomName, const QString &action,
                                const QString &target, const QString &reason)
{
    if (const SendResult supported = needsRoomsSupport(); !supported.isAccepted())
        return supported;
    if (!Protocol::Moderation::isAction(action))
        return SendResult::failed(
            SendResult::Status::InvalidText,
            QStringLiteral("Not sent: %1 is no moderation action.").arg(action));
    const QString who = target.trimmed();
    if (Protocol::Moderation::takesTarget(action) && who.isEmpty())
        return SendResult::failed(SendResult::Status::InvalidText,
                                  QStringLiteral("Not sent: %1 needs a name.").arg(action));
    QString problem;
    if (!reason.trimmed().isEmpty()
        && !Validation::isValidText(reason, DefaultMaxTextLength, &problem))
        return SendResult::failed(SendResult::Status::InvalidText,
                                  QStringLiteral("Not sent: %1").arg(problem));
    const ChatRoom *known = room(roomName);
    if (!known)
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("You are not in %1.").arg(roomName));
    Wire::Moderate moderate;
    moderate.room = known->name;
    moderate.action = action;
    moderate.target = who;
    moderate.reason = reason.trimmed();
    sendObject(moderate.toJson());
    return SendResult::sent(0);
}

SendResult ChatClient::requestHistory(const QString &roomName, qint64 before, int limit)
{
    if (const SendResult supported = needsRoomsSupport(); !supported.isAccepted())
        return supported;
    const ChatRoom *known = room(roomName);
    if (!known)
        return SendResult::failed(SendResult::Status::NotConnected,
                                  QStringLiteral("You are not in %1.").arg(roomName));
    sendHistoryRequest(known->name, before, limit, false);
    return SendResult::sent(0);
}

SendResult ChatClient::requestOlderHistory(const QString &roomName, int limit)
{
    const ChatRoom *known = room(roomName);
    return requestHistory(roomName, known ? known->oldestMessageId : 0, limit);
}

SendResult ChatClient::requestPrivateHistory(const QString &with, qint64 before, int limit)
{
    if (const SendResult supported = needsRoomsSupport(); !supported.isAccepted())
        return supported;
    if (!m_loggedIn)
        return SendResult::failed(SendResult::Status::Unsupported,
                                  QStringLiteral("Only accounts keep private conversations: log "
                                                 "in to read yours."));
    if (with.trimmed().isEmpty())
        return SendResult::failed(SendResult::Status::InvalidText,
                                  QStringLiteral("Whose conversation? Name the other account."));
    m_privateHistoryRequests.append(with);
    sendObject(Wire::PrivateHistoryRequest { with, before, limit }.toJson());
    return SendResult::sent(0);
}

SendResult ChatClient::requestOlderPrivateHistory(const QString &with, int limit)
{
    const auto known = m_privateConversations.constFind(Validation::nameKey(with));
    return requestPrivateHistory(with, known == m_privateConversations.cend() ? 0 : known->oldestId,
                                 limit);
}

bool ChatClient::hasOlderPrivateMessages(const QString &with) const
{
    const auto known = m_privateConversations.constFind(Validation::nameKey(with));
    return known == m_privateConversations.cend() || known->hasOlder;
}

void ChatClient::takePrivateId(const QString &with, qint64 privateId)
{
    PrivateConversation &conversation = m_privateConversations[Validation::nameKey(with)];
    conversation.deliveredIds.insert(privateId);
    if (conversation.oldestId == 0 || privateId < conversation.oldestId)
        conversation.oldestId = privateId;
}

void ChatClient::handle(const Wire::PrivateHistory &history)
{
    const QString key = Validation::nameKey(history.with);
    const auto request =
        std::find_if(m_privateHistoryRequests.begin(), m_privateHistoryRequests.end(),
                     [&key](const QString &with) { return Validation::nameKey(with) == key; });
    if (request != m_privateHistoryRequests.end())
        m_privateHistoryRequests.erase(request);
    PrivateConversation &conversation = m_privateConversations[key];
    QList<ChatMessage> messages;
    for (const ChatMessage &message : history.messages) {
        if (message.privateId > 0 && conversation.deliveredIds.contains(message.privateId))
            continue; // live, or sent by us, in this session
        messages.append(message);
    }
    for (const ChatMessage &message : std::as_const(messages)) {
        if (message.privateId > 0)
            takePrivateId(history.with, message.privateId);
    }
    conversation.hasOlder = history.more;
    Q_EMIT privateHistoryReceived(history.with, messages, history.more);
}

// The errors a conversation request may get; the oldest request open takes it.
bool ChatClient::takePrivateHistoryError(const Wire::Error &error)
{
    static const QLatin1StringView codes[] = {
        Code::NoSuchUser,  Code::NotLoggedIn, Code::AccountsUnavailable,
        Code::InvalidName, Code::BadField,    Code::UnknownType,
    };
    if (m_privateHistoryRequests.isEmpty()
        || std::find(std::begin(codes), std::end(codes), error.code) == std::end(codes))
        return false;
    const QString with = m_privateHistoryRequests.takeFirst();
    Q_EMIT privateHistoryFailed(with, error.code, error.text);
    return true;
}

void ChatClient::sendHistoryRequest(const QString &room, qint64 before, int limit, bool catchUp)
{
    m_historyRequests.append({ Validation::roomKey(room), catchUp });
    sendObject(Wire::HistoryRequest { room, before, limit }.toJson());
}

QStringList ChatClient::users(const QString &name) const
{
    const ChatRoom *known = room(name);
    return known ? known->users : QStringList();
}

const ChatRoom *ChatClient::room(const QString &name) const
{
    const auto same = sameRoom(name);
    for (const ChatRoom &known : m_rooms) {
        if (same(known.name))
            return &known;
    }
    return nullptr;
}

ChatRoom *ChatClient::findRoom(const QString &name)
{
    return const_cast<ChatRoom *>(std::as_const(*this).room(name));
}

bool ChatClient::isEntering(const QString &name) const
{
    return std::any_of(m_pendingEnters.cbegin(), m_pendingEnters.cend(), sameRoom(name));
}

void ChatClient::sendEnter(const QString &roomName)
{
    const ChatRoom *known = room(roomName);
    const qint64 since = known ? known->lastMessageId : 0;
    m_enterSince.insert(Validation::roomKey(roomName), since);
    sendObject(Wire::Enter { known ? known->name : roomName, since }.toJson());
}

// After a welcome: every room the session was in again, then the ones asked for meanwhile.
void ChatClient::sendPendingEnters()
{
    for (const ChatRoom &known : std::as_const(m_rooms)) {
        if (!known.isDefault() && !isEntering(known.name))
            m_pendingEnters.append(known.name);
    }
    for (const QString &roomName : std::as_const(m_pendingEnters))
        sendEnter(roomName);
}

void ChatClient::failPendingEnters(const QString &reason)
{
    if (m_pendingEnters.isEmpty())
        return;
    m_pendingEnters.clear();
    Q_EMIT errorReceived(Code::InvalidRoom, reason);
}

bool ChatClient::serverCarries(const Outgoing &message) const
{
    switch (message.kind) {
    case Outgoing::Kind::Chat:
        return m_dialect->carries(Wire::Chat::Type)
            && (Validation::roomKey(message.room) == Validation::roomKey(DefaultRoom)
                || m_dialect->carries(Wire::Enter::Type));
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

static QString unsupportedReason(const ChatClient::Outgoing &message)
{
    switch (message.kind) {
    case ChatClient::Outgoing::Kind::Chat:
        return QStringLiteral("Not sent: this server has no rooms besides %1.")
            .arg(Protocol::DefaultRoom);
    case ChatClient::Outgoing::Kind::Action:
        return QStringLiteral("This server does not support /me.");
    case ChatClient::Outgoing::Kind::Private:
        break;
    }
    return QStringLiteral("This server does not support private messages.");
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
    if (message.kind != Outgoing::Kind::Private) {
        if (const ChatRoom *known = room(message.room))
            message.room = known->name;
        else if (!isEntering(message.room)
                 && Validation::roomKey(message.room) != Validation::roomKey(DefaultRoom))
            return SendResult::failed(
                SendResult::Status::NotConnected,
                QStringLiteral("Not sent: you are not in %1; /join it first.").arg(message.room));
    }
    if (m_status == Status::Joined && !serverCarries(message))
        return SendResult::failed(SendResult::Status::Unsupported, unsupportedReason(message));
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
    case Outgoing::Kind::Action: {
        // The default room's line is the seed's chat, with no room.
        const bool inDefault =
            Validation::roomKey(message.room) == Validation::roomKey(DefaultRoom);
        sendObject(Wire::Chat { message.text, message.kind == Outgoing::Kind::Action,
                                inDefault ? QString() : message.room }
                       .toJson());
        break;
    }
    case Outgoing::Kind::Private:
        // Logged in, the stored copy comes back with its privateId (an
        // account's lines are kept), so that no page shows it twice.
        sendObject(Wire::PrivateChat { message.to, message.text, m_loggedIn }.toJson());
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
                                                 unsupportedReason(message), message.id));
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

// A frame as a trace shows it: with its secrets masked, at its real size.
WireEvent ChatClient::tracedFrame(WireEvent::Kind kind, const QByteArray &frame,
                                  const QString &type)
{
    WireEvent event = WireEvent::frame(kind, Redaction::redactFrame(frame), type);
    event.bytes = frame.size();
    return event;
}

void ChatClient::writeFrame(const QByteArray &bytes)
{
    if (m_traceEnabled) {
        // Parsed again only for the trace: the callers have objects, the queue bytes.
        const QJsonObject object = QJsonDocument::fromJson(bytes).object();
        Q_EMIT wireEvent(
            tracedFrame(WireEvent::Kind::FrameOut, bytes, object.value(Field::Type).toString()));
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
    // What came before, in case this read continues a secret split across reads.
    const QByteArray context = m_decoder.bufferedTail(Redaction::ContextBytes);
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
    Q_EMIT wireEvent(WireEvent::read(Redaction::redactRead(context, data), carried, frames,
                                     m_decoder.bufferedBytes()));
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
            Q_EMIT wireEvent(tracedFrame(WireEvent::Kind::FrameIn, frame,
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
                tracedFrame(WireEvent::Kind::FrameIn, frame, QStringLiteral("(not JSON)")));
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
    Q_EMIT eventReceived(Redaction::redact(object));
    const auto decoded = Wire::decode<Wire::ToClient>(object);
    switch (decoded.status) {
    case Wire::Decoded<Wire::ToClient>::Status::Ok:
        std::visit([this](const auto &message) { handle(message); }, decoded.message);
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
    m_dialect = &Dialect::rich(); // the catch-up below may ask for history already
    m_name = welcome.name.isEmpty() ? m_requestedName : welcome.name;
    m_serverName = welcome.server;
    m_serverVersion = welcome.version;
    m_sessionToken = welcome.session;
    m_loginPending = false;
    m_loggedIn = welcome.account;
    m_admin = welcome.admin;
    m_loginToken = welcome.account ? welcome.token : QString();
    if (welcome.account)
        forgetPassword();
    const bool wasJoined = m_status == Status::Joined; // as a seed server, wrongly
    traceTimeline([&welcome] {
        return QStringLiteral("welcome from %1 %2: our protocol %3, %4 online, %5 in history")
            .arg(welcome.server, welcome.version)
            .arg(welcome.protocol)
            .arg(welcome.userCount)
            .arg(welcome.history.size());
    });
    takeRun(welcome.run);
    // The welcome is the default room's answer to the join.
    const Wire::RoomState state { welcome.room.isEmpty() ? QString(DefaultRoom) : welcome.room,
                                  welcome.topic,
                                  welcome.users,
                                  welcome.userCount,
                                  welcome.history,
                                  welcome.missed };
    const ChatRoom *general = room(state.room);
    // Before joined(): a front end that shows the join has the history in already.
    takeRoomState(state, general ? general->lastMessageId : 0, m_rejoin);
    becomeJoined(Dialect::rich());
    if (wasJoined)
        Q_EMIT joined(m_rejoin);
    // The enters go first, so that lines queued for those rooms find us in them.
    sendPendingEnters();
    sendQueued();
}

void ChatClient::takeRun(const QString &run)
{
    if (run != m_serverRun) { // a server without a database restarted: its ids start again
        m_serverRun = run;
        m_lastMessageId = 0;
        for (ChatRoom &known : m_rooms) {
            known.lastMessageId = 0;
            known.oldestMessageId = 0;
        }
    }
    if (run != m_deliveredRun) {
        m_deliveredRun = run;
        m_deliveredIds.clear();
    }
}

ChatRoom &ChatClient::updateRoom(const Wire::RoomState &state)
{
    ChatRoom *known = findRoom(state.room);
    if (!known) {
        m_rooms.append(ChatRoom {});
        known = &m_rooms.last();
    }
    if (known->topic != state.topic)
        known->topicBy.clear();
    known->name = state.room;
    known->topic = state.topic;
    known->userCount = state.userCount;
    known->owner = state.owner;
    known->operators = state.operators;
    known->inviteOnly = state.inviteOnly;
    known->topicLocked = state.topicLocked;
    setUsers(*known, state.users);
    return *known;
}

void ChatClient::takeRoomState(const Wire::RoomState &state, qint64 since, bool afterReconnect)
{
    const QString name = updateRoom(state).name;
    // missed: -1 for "some", or more than the answer holds: page back to since.
    if (since > 0 && state.missed != 0) {
        CatchUp &catchUp = m_catchUps[Validation::roomKey(name)];
        catchUp = CatchUp {};
        catchUp.since = since;
        catchUp.afterReconnect = afterReconnect;
        for (ChatMessage message : state.history) {
            if (message.room.isEmpty())
                message.room = name;
            catchUp.history.append(message);
        }
        continueCatchUp(name);
        return;
    }
    finishEnter(name, state.history, afterReconnect);
}

void ChatClient::continueCatchUp(const QString &name)
{
    CatchUp &catchUp = m_catchUps[Validation::roomKey(name)];
    ++catchUp.pages;
    const qint64 before = catchUp.history.isEmpty() ? 0 : catchUp.history.constFirst().id;
    traceTimeline([&name, before] {
        return QStringLiteral("%1 missed more than its answer holds: history before %2")
            .arg(name)
            .arg(before);
    });
    sendHistoryRequest(name, before, 0, true);
}

void ChatClient::finishCatchUp(const QString &key)
{
    const CatchUp catchUp = m_catchUps.take(key);
    const ChatRoom *known = room(key);
    if (!known)
        return;
    QList<ChatMessage> missed;
    for (const ChatMessage &message : catchUp.history) {
        if (message.id <= 0 || message.id > catchUp.since)
            missed.append(message);
    }
    finishEnter(known->name, missed, catchUp.afterReconnect);
    // A live line the pages held as well is shown once.
    for (const ChatMessage &message : catchUp.live) {
        if (message.id <= 0 || !m_deliveredIds.contains(message.id))
            deliverLive(message);
    }
}

void ChatClient::finishEnter(const QString &name, const QList<ChatMessage> &history,
                             bool afterReconnect)
{
    deliverHistory(name, history);
    if (const ChatRoom *entered = room(name)) {
        const ChatRoom copy = *entered; // a slot may leave it
        Q_EMIT roomEntered(copy, afterReconnect);
    }
}

void ChatClient::deliverHistory(const QString &name, const QList<ChatMessage> &history)
{
    ChatRoom *known = findRoom(name);
    const QString key = Validation::roomKey(name);
    const QString self = Validation::nameKey(m_name);
    for (ChatMessage message : history) {
        if (message.room.isEmpty() && !message.isPrivate())
            message.room = name;
        if (message.id > 0) {
            m_lastMessageId = qMax(m_lastMessageId, message.id);
            if (known) {
                known->lastMessageId = qMax(known->lastMessageId, message.id);
                if (known->oldestMessageId == 0 || message.id < known->oldestMessageId)
                    known->oldestMessageId = message.id;
            }
            if (m_deliveredIds.contains(message.id))
                continue;
            m_deliveredIds.insert(message.id);
        }
        // Our own lines from before a drop: on screen already, never echoed.
        if (!message.isPrivate() && Validation::nameKey(message.from) == self) {
            const auto own = std::find_if(
                m_unconfirmedOwn.cbegin(), m_unconfirmedOwn.cend(), [&](const Outgoing &sent) {
                    return sent.text == message.text
                        && (sent.kind == Outgoing::Kind::Action) == message.action
                        && Validation::roomKey(sent.room) == key;
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
    m_unconfirmedOwn.removeIf(
        [&key](const Outgoing &sent) { return Validation::roomKey(sent.room) == key; });
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
    if (!m_welcomed && !wasJoined) {
        // A seed server's one room has no answer of its own.
        if (!room(DefaultRoom)) {
            ChatRoom general;
            general.name = QString(DefaultRoom);
            general.hasOlderMessages = false;
            m_rooms.prepend(general);
        }
        failPendingEnters(
            QStringLiteral("This server speaks only the seed protocol: it has no rooms besides %1.")
                .arg(DefaultRoom));
        Q_EMIT roomEntered(m_rooms.constFirst(), m_rejoin);
    }
    if (!wasJoined)
        Q_EMIT joined(m_rejoin);
    if (!m_welcomed) // a welcome sends what waited once its history is in
        sendQueued();
}

void ChatClient::handle(const ChatMessage &received)
{
    if (m_status == Status::Joining && !m_welcomed) {
        traceTimeline(
            [] { return QStringLiteral("a chat message before any welcome: a seed server"); });
        becomeJoined(Dialect::seed()); // a seed server relays without welcoming first
    }
    ChatMessage message = received;
    if (message.isPrivate() && message.privateId > 0) {
        const QString self = Validation::nameKey(m_name);
        const bool own = Validation::nameKey(message.from) == self;
        takePrivateId(own ? message.to : message.from, message.privateId);
        // The stored copy of a line we sent, which messageSent() showed.
        if (own && Validation::nameKey(message.to) != self)
            return;
    }
    if (!message.isPrivate())
        message.room = orDefault(message.room); // the seed's one room
    const auto catchUp = m_catchUps.find(Validation::roomKey(message.room));
    if (!message.isPrivate() && catchUp != m_catchUps.end()) {
        catchUp->live.append(message); // after the missed ones, in order
        return;
    }
    deliverLive(message);
}

void ChatClient::deliverLive(const ChatMessage &message)
{
    if (message.id > 0) {
        m_deliveredIds.insert(message.id);
        m_lastMessageId = qMax(m_lastMessageId, message.id);
        if (ChatRoom *known = message.isPrivate() ? nullptr : findRoom(message.room)) {
            known->lastMessageId = qMax(known->lastMessageId, message.id);
            if (known->oldestMessageId == 0)
                known->oldestMessageId = message.id;
        }
    }
    Q_EMIT messageReceived(message, false);
}

void ChatClient::handle(const Wire::Presence &presence)
{
    ChatRoom *known = findRoom(orDefault(presence.room));
    if (!known)
        return; // a room we left a moment ago
    const QString name = known->name;
    QStringList users = known->users;
    if (presence.event == Wire::Presence::Event::Joined) {
        if (users.contains(presence.name))
            return;
        users.append(presence.name);
        ++known->userCount;
        setUsers(*known, users);
        Q_EMIT userJoined(presence.name, name);
    } else {
        if (!users.removeOne(presence.name))
            return;
        known->userCount = qMax<qint64>(0, known->userCount - 1);
        setUsers(*known, users);
        Q_EMIT userLeft(presence.name, name);
    }
}

void ChatClient::handle(const Wire::Users &users)
{
    ChatRoom *known = findRoom(orDefault(users.room));
    const QString name = known ? known->name : orDefault(users.room);
    if (known)
        setUsers(*known, users.names);
    Q_EMIT usersListed(users.names, name);
}

void ChatClient::handle(const Wire::RoomState &state)
{
    const QString key = Validation::roomKey(state.room);
    const ChatRoom *known = room(state.room);
    const bool wasIn = known != nullptr;
    const qint64 since = m_enterSince.value(key, known ? known->lastMessageId : 0);
    m_enterSince.remove(key);
    m_pendingEnters.removeIf(
        [&key](const QString &room) { return Validation::roomKey(room) == key; });
    takeRoomState(state, since, wasIn && m_rejoin);
}

void ChatClient::handle(const Wire::Leave &leave)
{
    const QString key = Validation::roomKey(leave.room);
    const ChatRoom *known = room(leave.room);
    const QString name = known ? known->name : leave.room;
    m_rooms.removeIf(
        [&key](const ChatRoom &room) { return Validation::roomKey(room.name) == key; });
    m_pendingEnters.removeIf(
        [&key](const QString &room) { return Validation::roomKey(room) == key; });
    m_catchUps.remove(key);
    Q_EMIT roomLeft(name);
}

void ChatClient::handle(const Wire::RoomList &list)
{
    Q_EMIT roomsListed(list.rooms);
}

void ChatClient::handle(const Wire::Topic &topic)
{
    ChatRoom *known = findRoom(topic.room);
    if (known) {
        known->topic = topic.text;
        known->topicBy = topic.by;
    }
    Q_EMIT topicChanged(known ? known->name : topic.room, topic.text, topic.by);
}

void ChatClient::handle(const Wire::Moderated &event)
{
    namespace Action = Protocol::Moderation;
    if (ChatRoom *known = findRoom(event.room)) {
        if (event.action == Action::Op || event.action == Action::Deop) {
            const QString key = Validation::nameKey(event.target);
            known->operators.removeIf(
                [&key](const QString &name) { return Validation::nameKey(name) == key; });
            if (event.action == Action::Op)
                known->operators.append(event.target);
        } else if (event.action == Action::InviteOnly || event.action == Action::Open) {
            known->inviteOnly = event.action == Action::InviteOnly;
        } else if (event.action == Action::LockTopic || event.action == Action::UnlockTopic) {
            known->topicLocked = event.action == Action::LockTopic;
        }
    }
    Q_EMIT moderated(event);
}

void ChatClient::handle(const Wire::History &history)
{
    const QString key = Validation::roomKey(history.room);
    const auto request =
        std::find_if(m_historyRequests.begin(), m_historyRequests.end(),
                     [&key](const HistoryRequest &sent) { return sent.roomKey == key; });
    const bool catchUp = request != m_historyRequests.end() && request->catchUp;
    if (request != m_historyRequests.end())
        m_historyRequests.erase(request);
    ChatRoom *known = findRoom(history.room);
    const QString name = known ? known->name : history.room;
    QList<ChatMessage> messages;
    for (ChatMessage message : history.messages) {
        if (message.room.isEmpty())
            message.room = name;
        messages.append(message);
    }
    const auto pending = m_catchUps.find(key);
    if (catchUp && pending != m_catchUps.end()) {
        // Older than what came so far, so the pages go in front.
        QList<ChatMessage> older;
        for (const ChatMessage &message : std::as_const(messages)) {
            if (pending->history.isEmpty() || message.id < pending->history.constFirst().id)
                older.append(message);
        }
        pending->history = older + pending->history;
        const bool reached = older.isEmpty() || !history.more
            || older.constFirst().id <= pending->since || pending->pages >= MaxCatchUpPages;
        if (reached)
            finishCatchUp(key);
        else
            continueCatchUp(name);
        return;
    }
    if (known) {
        for (const ChatMessage &message : std::as_const(messages)) {
            if (message.id > 0
                && (known->oldestMessageId == 0 || message.id < known->oldestMessageId))
                known->oldestMessageId = message.id;
        }
        known->hasOlderMessages = history.more;
    }
    Q_EMIT historyReceived(name, messages, history.more);
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

void ChatClient::setUsers(ChatRoom &known, const QStringList &users)
{
    known.users = users;
    const QString name = known.name;
    Q_EMIT usersChanged(users, name);
}

// An error names no request; the one it answers is the oldest of its kind still open.
void ChatClient::takeRequestError(const QString &code)
{
    if (code == Code::UnknownType || code == Code::NotInRoom || code == Code::BadField) {
        if (!m_historyRequests.isEmpty() && m_historyRequests.constFirst().catchUp) {
            const QString key = m_historyRequests.takeFirst().roomKey;
            if (m_catchUps.contains(key))
                finishCatchUp(key); // show what came; the server cannot page
            return;
        }
    }
    // A room that keeps us out (banned, invite only) answers the enter too.
    if ((code == Code::UnknownType || code == Code::InvalidRoom || code == Code::TooManyRooms
         || code == Code::Banned || code == Code::InviteOnly)
        && m_status == Status::Joined && !m_pendingEnters.isEmpty())
        m_enterSince.remove(Validation::roomKey(m_pendingEnters.takeFirst()));
}

void ChatClient::handle(const Wire::Error &error)
{
    static const QLatin1StringView loginCodes[] = {
        Code::AuthFailed,         Code::TokenInvalid, Code::NameRegistered,
        Code::RegistrationClosed, Code::GuestsDenied, Code::InsecureLogin,
        Code::LoginThrottled,     Code::WeakPassword, Code::AccountsUnavailable,
    };
    if (m_status == Status::Joining
        && std::find(std::begin(loginCodes), std::end(loginCodes), error.code)
            != std::end(loginCodes)) {
        m_welcomeTimer.stop();
        m_loginPending = false;
        if (error.code == Code::TokenInvalid)
            m_loginToken.clear(); // expired or revoked: the password again
        traceTimeline([&error] { return QStringLiteral("login refused: %1").arg(error.text); });
        m_joinRefused = true;
        Q_EMIT loginRefused(error.code, error.text);
        return;
    }
    if (m_status == Status::Joining
        && (error.code == Code::NameTaken || error.code == Code::InvalidName)) {
        m_welcomeTimer.stop();
        if (m_everJoined && error.code == Code::NameTaken) {
            // Our old connection may still hold the name; it times out on the server.
            dropConnection(ConnectionError::NameInUse, error.text);
            return;
        }
        traceTimeline([&error] { return QStringLiteral("name refused: %1").arg(error.text); });
        m_joinRefused = true;
        Q_EMIT nameRefused(error.text);
        return;
    }
    if (takePrivateHistoryError(error))
        return;
    takeRequestError(error.code);
    Q_EMIT errorReceived(error.code, error.text);
}

void ChatClient::handle(const Wire::PasswordChanged &changed)
{
    m_loginToken = changed.token;
    traceTimeline([] { return QStringLiteral("password changed; earlier logins revoked"); });
    Q_EMIT passwordChanged();
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
    if (m_status == Status::Joined || m_status == Status::Disconnected
        || error == ConnectionError::CertificateRejected) {
        Q_EMIT connectionError(error, text);
        return;
    }
    m_roundFailures.append(QStringLiteral("%1: %2").arg(targetName(), text));
    // onSocketClosed() goes on with the next one; a refused certificate or a
    // name the front end is asked about stops here.
    if (!m_leaving && !m_joinRefused && m_certificateCheck == CertificateCheck::None
        && hasNextTarget()) {
        Q_EMIT attemptFailed(server(), error, text);
        return;
    }
    // The whole round failed: each server's reason, when there was more than one.
    if (m_roundFailures.size() > 1)
        m_errorString = m_roundFailures.join(QLatin1StringView("; "));
    Q_EMIT connectionError(error, m_errorString);
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
    if (m_certificateCheck == CertificateCheck::AwaitingTrust)
        return; // the handshake failed as it had to; trustCertificate() goes on
    if (m_certificateCheck == CertificateCheck::Refused) {
        if (m_socket->state() == QAbstractSocket::UnconnectedState)
            onSocketClosed(); // the error said is the certificate's, not this one
        return;
    }
    reportConnectionError(errorFor(error), m_socket->errorString());
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        onSocketClosed(); // a failed connect emits no disconnected()
}

void ChatClient::onSocketClosed()
{
    if (m_reconnectTimer.isActive() || m_status == Status::Disconnected
        || m_certificateCheck == CertificateCheck::AwaitingTrust)
        return;
    const bool dropped = m_status == Status::Joined;
    m_connectTimer.stop();
    m_welcomeTimer.stop();
    m_keepAliveTimer.stop();
    m_seedSendTimer.stop();
    m_sendRateTimer.stop();
    traceTimeline([] { return QStringLiteral("connection closed"); });
    const bool stop = m_leaving || m_certificateCheck == CertificateCheck::Refused;
    // Not past a refused name or login: the front end is asking about it.
    if (!dropped && !stop && !m_joinRefused && hasNextTarget()) {
        advanceTarget();
        traceTimeline([this] { return QStringLiteral("trying %1 next").arg(targetName()); });
        // From the event loop: the socket is still inside its error signal.
        m_reconnectTimer.start(0);
        return;
    }
    if (stop || !m_autoReconnect || !m_everJoined) {
        failQueued(m_errorString.isEmpty() ? QStringLiteral("Not sent: the connection was closed.")
                                           : QStringLiteral("Not sent: %1").arg(m_errorString));
        setStatus(Status::Disconnected);
        traceTimeline([] { return QStringLiteral("session ended"); });
        Q_EMIT disconnected();
        return;
    }
    scheduleReconnect(dropped);
}

void ChatClient::scheduleReconnect(bool dropped)
{
    if (dropped) {
        m_droppedServer = m_serverIndex;
        m_droppedAddress = serverAddress();
    }
    // Round robin: the next round starts after the server that dropped or
    // failed last, which the round then tries last.
    selectServer((m_serverIndex + 1) % int(m_servers.size()));
    beginRound();
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
