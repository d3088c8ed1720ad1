// SPDX-License-Identifier: MIT
#pragma once

#include "chatmessage.h"
#include "chatroom.h"
#include "jsonframedecoder.h"
#include "sendresult.h"
#include "serverendpoint.h"
#include "wire.h"
#include "wireevent.h"

#include <QAbstractSocket>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QSslCertificate>
#include <QSslError>
#include <QStringList>
#include <QTimer>

#include <memory>

class Dialect;
class QHostInfo;
class QSslSocket;
class TokenBucket;

// One user's session with a PyNet Chat server, shared by the console and the
// desktop client: connect, join, send, receive, keep the connection alive and
// come back after it drops, in every room it entered.
//
// Against our server the session speaks the richer protocol (welcome, presence,
// user list, private messages, ping). Against a server written literally from the
// seed spec, which would choke on two messages in one read, it sends only the
// join and then chat messages, spaced apart, once it has decided no welcome is
// coming (welcomeTimeout) or a plain message has arrived.
//
// The session owns its policy, so the front ends need keep no copy of it: what
// may be sent now and what waits (send*() say which, with a reason), the lines
// held until the join (MaxQueuedSends), the pace of sends (setSendRate), what a
// reconnect re-does, and which history messages were delivered already.
//
// Rooms: after a join the session is in Protocol::DefaultRoom; enterRoom()
// adds others (ChatRoom holds what is known of each). A reconnect enters each
// again with the last id it saw there and fetches what was missed, paging back
// with history requests when the answer does not hold it all, so that every
// missed message is delivered once, in order, before that room's roomEntered().
//
// TLS (setTls): the server's certificate is verified against the system's CAs
// and setCaFile()'s. One that does not verify goes through trust on first use
// (KnownServers): unknown, the session stops and asks through
// certificateNeedsTrust(), and a yes is remembered and connects again; the
// one accepted before, it connects; any other, it is refused with both
// fingerprints named, and the session ends without asking.
//
// Several servers (connectToServer() with a list; nodes of one cluster, which
// share one database and so one run of ids): each is tried in turn, and a name
// that resolves to several addresses address by address. A round tries every
// server once, one after the other at once; only a whole round that fails
// counts as a failed attempt, and the back-off waits between rounds. After a
// drop the round starts at the next server, so the one that went away is tried
// last. The reconnect then catches up by id exactly as after a restart. TLS
// trust is per server of the list, by host:port as given: the addresses of one
// name share its entry (and the certificate is checked against the name).
class ChatClient : public QObject
{
    Q_OBJECT
public:
    enum class Status {
        Disconnected, // idle, or given up
        Connecting, // TCP connection under way
        Joining, // connected, join sent, waiting for the server's verdict
        Joined, // chatting
        Reconnecting, // the connection dropped; waiting to try again
    };
    Q_ENUM(Status)

    // Why a connection failed or was given up, as libcommuni's socketError does;
    // connectionError() carries the words for a person alongside.
    enum class ConnectionError {
        None,
        ConnectionRefused, // nothing listens at host:port
        HostNotFound, // the name does not resolve
        Timeout, // connecting took too long, or the server stopped answering pings
        RemoteClosed, // the server closed the connection
        NetworkError, // any other socket failure (unreachable, reset, ...)
        ProtocolError, // the server sent what no server may (oversized, nested too deep)
        NameInUse, // on a rejoin the server still holds our old connection's name
        CertificateRejected, // TLS: changed since it was trusted, or not trusted
    };
    Q_ENUM(ConnectionError)

    // A line waiting in, or leaving, the session's send queue.
    struct Outgoing
    {
        enum class Kind { Chat, Action, Private };
        quint64 id = 0; // as in the SendResult that accepted it
        Kind kind = Kind::Chat;
        QString to; // Private: the recipient
        QString text;
        QString room; // Chat, Action: the room, as the server spells it once entered
    };

    // Lines held while connecting, joining or reconnecting (and while the send
    // rate holds them back). A person does not type more than this before a
    // join; a pipe stops reading at this depth (queuedCount()) and goes on
    // after messageSent(). More is refused with NotConnected.
    static constexpr int MaxQueuedSends = 200;
    // How long a login waits for its welcome: the server hashes the password,
    // one login after another when many come at once.
    static constexpr int LoginTimeoutMs = 20000;

    explicit ChatClient(QObject *parent = nullptr);
    ~ChatClient() override;

    // Settings; change them before connectToServer().
    void setClientName(const QString &clientName); // sent in the join, e.g. "pynet-cli 0.1.0"
    void setAutoReconnect(bool enabled); // default true: reconnect after a joined session drops
    void setReconnectDelays(int firstMs, int maxMs); // back-off bounds, default 1 s to 30 s
    void setKeepAliveInterval(int ms); // ping after this much silence, default 30 s; 0 = off
    void setWelcomeTimeout(int ms); // wait for a welcome before assuming a seed server, 2 s
    // A TCP connect not done in this time fails with Timeout, and the next
    // server or address is tried: a host that drops packets would otherwise
    // hold the attempt for the kernel's two minutes. Default 10 s.
    void setConnectTimeout(int ms);
    int connectTimeout() const { return m_connectTimeoutMs; }
    // What the front ends let a person choose; below the least, a loaded
    // loopback could miss it.
    static constexpr int DefaultConnectTimeoutMs = 10 * 1000;
    static constexpr int MinConnectTimeoutMs = 100;
    static constexpr int MaxConnectTimeoutMs = 3600 * 1000;
    // A --connect-timeout in seconds, in that range. Returns false, with a
    // message naming the range, for anything else.
    static bool parseConnectTimeout(const QString &seconds, int *ms, QString *error);
    void setSeedSendInterval(int ms); // gap between messages to a seed server, 100 ms
    // Paces chat, action and private lines to perSecond, with bursts of up to
    // burst (at least 1; default max(1, perSecond)), so that the session stays
    // under the server's --rate/--burst. 0, the default, sends at once.
    void setSendRate(double perSecond, double burst = 0);
    // The wire trace: while enabled, every read, frame in and out, step of the
    // connection's timeline and round trip is reported as wireEvent(). Off by
    // default, and then nothing is built; what goes on the wire is the same
    // either way. May change at any time.
    void setTraceEnabled(bool enabled);
    bool isTraceEnabled() const { return m_traceEnabled; }
    // Connect with TLS (1.2 or later) from the next connectToServer() on.
    void setTls(bool enabled) { m_tls = enabled; }
    bool isTls() const { return m_tls; }
    // A PEM file of CA certificates trusted besides the system's (empty: none);
    // false, with the reason, when it cannot be read or holds none.
    bool setCaFile(const QString &path, QString *error);

    // After certificateNeedsTrust(): yes remembers the certificate for this
    // host:port and connects again; no ends the session (CertificateRejected).
    void trustCertificate(bool trusted);

    // Connects and joins as name. Failure to connect the first time is final
    // (connectionError, then disconnected); a drop after joining reconnects.
    void connectToServer(const QString &host, quint16 port, const QString &name);
    // The same with several servers, tried in the list's order (see above);
    // only when every one has failed is the first connection given up.
    void connectToServer(const QList<ServerEndpoint> &servers, const QString &name);

    // After nameRefused: try another name on the same connection.
    void join(const QString &name);

    // Accounts. A password makes the next join a login (registerIfNew: create
    // the account first when the name is free); empty: a guest. Call it before
    // connectToServer(), or after loginRefused() and then join() again. Once
    // logged in the session keeps the welcome's token, not the password, and
    // a reconnect logs in with the token.
    void setPassword(const QString &password, bool registerIfNew = false);
    // A password goes unencrypted only to a loopback address unless this is
    // allowed; otherwise the login is refused here, before anything is sent.
    void setPlainLoginAllowed(bool allowed) { m_plainLoginAllowed = allowed; }
    bool isLoggedIn() const { return m_loggedIn; }
    // The server names this account an administrator (--admins): it may
    // moderate every room, as far as the room allows (#general: mute only).
    bool isAdmin() const { return m_admin; }
    // Changes the account's password; passwordChanged() or errorReceived()
    // answers. Needs Joined and a login.
    SendResult changePassword(const QString &oldPassword, const QString &newPassword);

    // Reconnecting and waiting out the back-off: the next attempt starts now,
    // at the server it would have tried, resuming the session as it would
    // (catching up by id). Nothing otherwise.
    void reconnectNow();

    // Leaves: writes everything already sent, closes, and does not reconnect.
    // Lines still queued are not sent (sendFailed). disconnected() follows.
    void disconnectFromServer();

    // Sends, or queues while Connecting, Joining or Reconnecting (and while the
    // send rate holds lines back): every line is validated here, once, and the
    // result says what became of it. A queued line leaves in order once joined
    // (messageSent), or is given up (sendFailed): /me and private lines when
    // the server turns out to speak only the seed protocol, everything when the
    // session ends. Actions and private lines need a server that speaks ours.
    // Without a room: Protocol::DefaultRoom. A line for a room the session is
    // neither in nor entering is refused (NotConnected: "you are not in #x").
    SendResult sendChat(const QString &text);
    SendResult sendChat(const QString &room, const QString &text);
    SendResult sendAction(const QString &text);
    SendResult sendAction(const QString &room, const QString &text);
    SendResult sendPrivate(const QString &to, const QString &text);
    // Asks for a room's user list (usersListed() answers). Not queued: needs Joined.
    SendResult requestUsers();
    SendResult requestUsers(const QString &room);

    // Enters room, creating it on the server when needed; roomEntered() follows.
    // Before the join it waits (Queued) and is sent first once joined. Entering
    // a room the session is in already sends nothing (Sent, id 0).
    SendResult enterRoom(const QString &room);
    // Leaves room; roomLeft() follows. Needs Joined.
    SendResult leaveRoom(const QString &room);
    // Asks for the server's rooms; roomsListed() answers. Needs Joined.
    SendResult requestRooms();
    // Sets a room's topic; every member, us too, gets topicChanged(). Needs Joined.
    SendResult setTopic(const QString &room, const QString &text);
    // A moderation action on room (Protocol::Moderation: kick, ban, op...), on
    // target (a name; empty for the room's settings), with a reason for people.
    // The server announces it to the room (moderated()) or refuses it
    // (errorReceived(), e.g. not_operator). Needs Joined.
    SendResult moderate(const QString &room, const QString &action, const QString &target = {},
                        const QString &reason = {});
    // Asks for up to limit (0: the server's default) messages of room older than
    // before (0: the newest); historyReceived() answers. Needs Joined.
    SendResult requestHistory(const QString &room, qint64 before, int limit = 0);
    // The same, before the oldest message delivered in room so far (scrolling up).
    SendResult requestOlderHistory(const QString &room, int limit = 0);
    // Private conversations between accounts are stored on the server: asks
    // for up to limit (0: the server's default) messages of ours with the
    // account with, older than the privateId before (0: the newest);
    // privateHistoryReceived() or privateHistoryFailed() answers. Needs Joined
    // and a login; a guest's conversations are live only.
    SendResult requestPrivateHistory(const QString &with, qint64 before, int limit = 0);
    // The same, before the oldest message of that conversation this session
    // delivered (received, sent and stored, or paged in): scrolling up.
    SendResult requestOlderPrivateHistory(const QString &with, int limit = 0);
    // Whether older messages of the conversation with are stored, as the last
    // page said; true before any page.
    bool hasOlderPrivateMessages(const QString &with) const;
    // Measures the round trip now: sends a ping, whose pong sets
    // lastRoundTripMs() (and is a RoundTrip wireEvent()). Needs Joined and a
    // server that speaks our protocol; keep-alive pings measure it too.
    SendResult pingServer();

    Status status() const { return m_status; }
    // The server connected, or being tried or waited for, of servers().
    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    ServerEndpoint server() const { return { m_host, m_port }; }
    QList<ServerEndpoint> servers() const { return m_servers; }
    // The address of server() connected or being tried; null while looking it up.
    QHostAddress serverAddress() const { return m_addresses.value(m_addressIndex); }
    // All of server()'s, in the order they are tried; empty until looked up.
    QList<QHostAddress> serverAddresses() const { return m_addresses; }
    QString name() const { return m_name; } // as the server confirmed it
    QString requestedName() const { return m_requestedName; } // as last asked for in a join
    // The current connection replaces one that dropped: its welcome's history
    // is what was missed, and its joined() has afterReconnect set.
    bool isRejoin() const { return m_rejoin; }
    int reconnectAttempt() const { return m_reconnectAttempt; } // 0 unless Reconnecting
    int reconnectRemainingMs() const; // until the next attempt; -1 unless one is scheduled
    ConnectionError error() const { return m_error; } // the last one; None after a join
    QString errorString() const { return m_errorString; }
    int queuedCount() const { return int(m_outgoing.size()); }
    bool serverSpeaksRichProtocol() const { return m_welcomed; }
    QString serverName() const { return m_serverName; }
    QString serverVersion() const { return m_serverVersion; }
    // Online users of the default room, self included.
    QStringList users() const { return users(Protocol::DefaultRoom); }
    QStringList users(const QString &room) const;
    // The rooms the session is in, in the order they were entered (the default
    // room first); empty before the first join. Rooms being re-entered after a
    // reconnect stay listed.
    QList<ChatRoom> rooms() const { return m_rooms; }
    // The room of that name (case-insensitively), or null when not in it.
    const ChatRoom *room(const QString &name) const;
    bool isInRoom(const QString &name) const { return room(name) != nullptr; }
    // An enter was sent or waits to be, and not yet answered.
    bool isEntering(const QString &room) const;
    // The newest message id seen in any room.
    qint64 lastMessageId() const { return m_lastMessageId; }
    bool hasPendingWrites() const; // queued or unwritten bytes remain
    double lastRoundTripMs() const { return m_lastRoundTripMs; } // ping to pong; -1 before one
    // The connection is TLS and its handshake is done.
    bool isEncrypted() const;
    // The server's TLS certificate; null unless encrypted.
    QSslCertificate peerCertificate() const;

Q_SIGNALS:
    void statusChanged(ChatClient::Status status);
    // The server accepted the join. The welcome's history came before it, as
    // messageReceived(..., true): everything is in when this arrives. Queued
    // lines go out right after. afterReconnect: this is a rejoin (isRejoin()).
    void joined(bool afterReconnect);
    // A chat message for a room (message.room, never empty: a seed server's
    // lines are the default room's) or for us. fromHistory: the recent history
    // of a welcome or room answer (missed messages on a rejoin), before its
    // roomEntered() and, for the welcome, before joined(). History never
    // repeats what this session delivered (by id, in one server run) nor own
    // lines it sent before a drop.
    void messageReceived(const ChatMessage &message, bool fromHistory);
    // The session is in room now; its history came just before. Also for the
    // default room on every welcome (before joined()), and after a reconnect
    // for each room entered again (afterReconnect).
    void roomEntered(const ChatRoom &room, bool afterReconnect);
    void roomLeft(const QString &room);
    void roomsListed(const QList<Wire::RoomList::Entry> &rooms);
    // by: who set it; empty when the server did not say.
    void topicChanged(const QString &room, const QString &text, const QString &by);
    // Someone moderated room (event.room): the room() shows the outcome
    // already. A kick or ban of us is followed by roomLeft().
    void moderated(const Wire::Moderated &event);
    // The answer to requestHistory(): older messages, oldest first; more: older ones exist.
    void historyReceived(const QString &room, const QList<ChatMessage> &messages, bool more);
    // The answer to requestPrivateHistory(): with as the server spells the
    // account, older messages of the conversation oldest first (own lines
    // among them), none this session delivered before; more: older ones exist.
    void privateHistoryReceived(const QString &with, const QList<ChatMessage> &messages, bool more);
    // The server refused it (code as in docs/PROTOCOL.md: no_such_user when
    // with has no account). Instead of errorReceived().
    void privateHistoryFailed(const QString &with, const QString &code, const QString &text);
    // A line went to the connection: at once (SendResult::Sent) or from the
    // queue. The protocol has no receipt, so this is as confirmed as it gets.
    void messageSent(const ChatClient::Outgoing &message);
    // A queued line will not be sent; result.reason says why.
    void sendFailed(const ChatClient::Outgoing &message, const SendResult &result);
    // Presence and member lists, each for one room (the last argument).
    void userJoined(const QString &name, const QString &room);
    void userLeft(const QString &name, const QString &room);
    void usersChanged(const QStringList &users, const QString &room);
    // The server's answer to requestUsers().
    void usersListed(const QStringList &users, const QString &room);
    void noticeReceived(const QString &text);
    // An error the server reported, or a protocol violation by the server
    // (codes as in docs/PROTOCOL.md). Not fatal by itself.
    void errorReceived(const QString &code, const QString &text);
    // The server refused the name; the connection stays open for join().
    void nameRefused(const QString &reason);
    // The server (or the session, before sending a password in clear) refused
    // the login, or a guest's name is registered (Code::NameRegistered). code
    // as in docs/PROTOCOL.md. The connection stays open: setPassword() and
    // join() again, or disconnect.
    void loginRefused(const QString &code, const QString &text);
    void passwordChanged();
    // TLS: the server's certificate verifies against no CA we trust and was not
    // accepted before. The session waits for trustCertificate(). reason: what
    // the verification found (self-signed, another host's name...).
    void certificateNeedsTrust(const QString &fingerprint, const QSslCertificate &certificate,
                               const QString &reason);
    // Could not connect, or the connection was lost; text says why in words.
    // With several servers or addresses, a round that failed says each one's.
    void connectionError(ChatClient::ConnectionError error, const QString &text);
    // A TCP connection to server at address (one of those its name resolved to) begins.
    void connectingTo(const ServerEndpoint &server, const QHostAddress &address);
    // Connecting to, or joining, server failed and the next server or address
    // of the round is tried at once: instead of connectionError().
    void attemptFailed(const ServerEndpoint &server, ChatClient::ConnectionError error,
                       const QString &text);
    void reconnectScheduled(int attempt, int delayMs);
    // Every object the server sent, unmodified, for --json output and bots.
    void eventReceived(const QJsonObject &event);
    // Everything queued so far has been handed to the operating system.
    void allWritten();
    // The session ended for good: status is Disconnected and no reconnect is pending.
    void disconnected();
    // Only while setTraceEnabled(true): what happened on the wire, as it happened.
    void wireEvent(const WireEvent &event);

private:
    void setStatus(Status status);
    void startConnection();
    void onLookedUp(const QHostInfo &info);
    void connectToAddress();
    void abortLookup();
    void selectServer(int index);
    void beginRound();
    bool hasNextTarget() const;
    void advanceTarget();
    QString targetName() const;
    void onConnected();
    void onEncrypted();
    void onSslErrors(const QList<QSslError> &errors);
    void endSession();
    void onReadyRead();
    void traceRead();
    bool takeFrame(JsonFrameDecoder::Result result, const QByteArray &frame);
    void onBytesWritten();
    void onSocketError(QAbstractSocket::SocketError error);
    void onSocketClosed();
    void handleObject(const QJsonObject &object);
    void handle(const ChatMessage &message);
    void handle(const Wire::Welcome &welcome);
    void handle(const Wire::Presence &presence);
    void handle(const Wire::Notice &notice);
    void handle(const Wire::Error &error);
    void handle(const Wire::Users &users);
    void handle(const Wire::Ping &ping);
    void handle(const Wire::Pong &pong);
    void handle(const Wire::RoomState &state);
    void handle(const Wire::Leave &leave);
    void handle(const Wire::RoomList &list);
    void handle(const Wire::Topic &topic);
    void handle(const Wire::Moderated &event);
    void handle(const Wire::History &history);
    void handle(const Wire::PasswordChanged &changed);
    void handle(const Wire::PrivateHistory &history);
    // A private message's privateId, delivered now: no page repeats it.
    void takePrivateId(const QString &with, qint64 privateId);
    bool takePrivateHistoryError(const Wire::Error &error);
    bool mayLogInHere() const;
    void forgetPassword();
    ChatRoom *findRoom(const QString &name);
    ChatRoom &updateRoom(const Wire::RoomState &state);
    void takeRun(const QString &run);
    void takeRequestError(const QString &code);
    void finishCatchUp(const QString &key);
    void takeRoomState(const Wire::RoomState &state, qint64 since, bool afterReconnect);
    void finishEnter(const QString &room, const QList<ChatMessage> &history, bool afterReconnect);
    void deliverHistory(const QString &room, const QList<ChatMessage> &history);
    void deliverLive(const ChatMessage &message);
    void continueCatchUp(const QString &room);
    void sendEnter(const QString &room);
    void sendPendingEnters();
    void failPendingEnters(const QString &reason);
    void sendHistoryRequest(const QString &room, qint64 before, int limit, bool catchUp);
    SendResult needsRoomsSupport() const;
    void becomeJoined(const Dialect &dialect);
    bool serverCarries(const Outgoing &message) const;
    void reportConnectionError(ConnectionError error, const QString &text);
    void dropConnection(ConnectionError error, const QString &reason);
    void scheduleReconnect(bool dropped);
    SendResult submit(Outgoing message);
    void transmit(const Outgoing &message);
    void sendQueued();
    void failQueued(const QString &reason);
    bool takeSendToken();
    void sendObject(const QJsonObject &object);
    void writeQueued();
    void writeFrame(const QByteArray &bytes);
    static WireEvent tracedFrame(WireEvent::Kind kind, const QByteArray &frame,
                                 const QString &type);
    void sendPing();
    // Builds the words only while tracing: text is called then, not before.
    template<typename Text> void traceTimeline(Text &&text)
    {
        if (m_traceEnabled)
            Q_EMIT wireEvent(WireEvent::timeline(text()));
    }
    void onKeepAliveTick();
    void setUsers(ChatRoom &room, const QStringList &users);

    QSslSocket *m_socket; // plain TCP unless m_tls
    JsonFrameDecoder m_decoder;
    QTimer m_welcomeTimer;
    QTimer m_connectTimer;
    int m_connectTimeoutMs = DefaultConnectTimeoutMs;
    QTimer m_reconnectTimer;
    QTimer m_keepAliveTimer;
    QTimer m_seedSendTimer;
    QTimer m_sendRateTimer;
    std::unique_ptr<TokenBucket> m_sendBucket; // null: no pacing
    QElapsedTimer m_sinceLastReceive;
    QElapsedTimer m_connectStarted; // for the timeline's "connected in"
    QElapsedTimer m_pingSent; // for the round trip of ping m_pingId

    QList<ServerEndpoint> m_servers;
    int m_serverIndex = 0; // of m_servers: the current one, m_host and m_port
    QString m_host;
    quint16 m_port = 0;
    QList<QHostAddress> m_addresses; // m_host's; empty until looked up
    int m_addressIndex = 0;
    int m_lookupId = -1; // the lookup under way
    int m_roundLeft = 0; // servers of this round not yet given up, the current one included
    QStringList m_roundFailures; // "server: why" for each attempt of this round that failed
    int m_droppedServer = -1; // the server and address whose connection dropped last:
    QHostAddress m_droppedAddress; // tried last of that server's addresses
    bool m_joinRefused = false; // the front end is to answer a refused join: no failover
    QString m_requestedName;
    QString m_name;
    QString m_clientName;
    QString m_serverName;
    QString m_serverVersion;
    QString m_sessionToken;
    QString m_password; // until the login it is for has been answered
    QString m_loginToken; // the last welcome's, for the next login
    bool m_registerIfNew = false;
    bool m_plainLoginAllowed = false;
    bool m_loggedIn = false;
    bool m_admin = false; // as the last welcome said
    bool m_loginPending = false; // the join sent was a login, not yet answered
    int m_welcomeTimeoutMs = 2000;
    QString m_serverRun; // which server run m_lastMessageId counts in
    QList<ChatRoom> m_rooms; // in the order entered
    QStringList m_pendingEnters; // enters to send once joined, or sent and unanswered
    QHash<QString, qint64> m_enterSince; // by roomKey: the since an unanswered enter carried
    // A room whose answer missed messages: what came so far, until the pages reach since.
    struct CatchUp
    {
        qint64 since = 0;
        bool afterReconnect = false;
        int pages = 0;
        QList<ChatMessage> history; // oldest first
        QList<ChatMessage> live; // arrived meanwhile, delivered after history
    };
    QHash<QString, CatchUp> m_catchUps; // by roomKey
    struct HistoryRequest
    {
        QString roomKey;
        bool catchUp = false;
    };
    QList<HistoryRequest> m_historyRequests; // sent, in order; the server answers in order
    // What this session delivered of each private conversation, by nameKey.
    struct PrivateConversation
    {
        qint64 oldestId = 0;
        bool hasOlder = true;
        QSet<qint64> deliveredIds;
    };
    QHash<QString, PrivateConversation> m_privateConversations;
    QStringList m_privateHistoryRequests; // with, sent and unanswered, in order
    QList<QByteArray> m_sendQueue; // bytes spaced out for a seed server
    QList<Outgoing> m_outgoing; // lines waiting for the join or the send rate
    // Own room lines sent since the last welcome: the server does not echo
    // them, so the next welcome's history is the first time their ids show.
    QList<Outgoing> m_unconfirmedOwn;
    QSet<qint64> m_deliveredIds; // of m_deliveredRun, so no history repeats
    QString m_deliveredRun;
    QString m_errorString;
    ConnectionError m_error = ConnectionError::None;
    quint64 m_nextSendId = 0;
    Status m_status = Status::Disconnected;
    qint64 m_lastMessageId = 0;
    qint64 m_nextPingId = 1;
    qint64 m_pingId = 0; // the last ping sent, whose pong is timed
    double m_lastRoundTripMs = -1;
    int m_reconnectAttempt = 0;
    int m_firstReconnectDelay = 1000;
    int m_maxReconnectDelay = 30000;
    int m_keepAliveInterval = 30000;
    bool m_autoReconnect = true;
    const Dialect *m_dialect; // the server's; the seed's until a welcome
    bool m_welcomed = false; // on this connection
    bool m_everJoined = false;
    bool m_rejoin = false;
    bool m_leaving = false;
    bool m_pingOutstanding = false;
    bool m_traceEnabled = false;
    bool m_tls = false;
    QList<QSslCertificate> m_extraCaCertificates;
    // Where trust on first use stands for the current connection attempt.
    enum class CertificateCheck { None, AwaitingTrust, Refused };
    CertificateCheck m_certificateCheck = CertificateCheck::None;
    QSslCertificate m_untrustedCertificate; // while AwaitingTrust
    QString m_trustedFingerprint; // accepted in this session, even if it could not be saved
    ServerEndpoint m_trustedServer; // the server m_trustedFingerprint was accepted for
};
