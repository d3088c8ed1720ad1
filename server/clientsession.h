// SPDX-License-Identifier: MIT
#pragma once

#include "accountreply.h"
#include "connectioncontrol.h"
#include "connectionhandle.h"
#include "hub.h"
#include "tokenbucket.h"
#include "transport.h"
#include "wire.h"

#include <QBasicTimer>
#include <QByteArrayList>
#include <QElapsedTimer>
#include <QHash>
#include <QLatin1StringView>

#include <memory>

class Accounts;
class Dialect;
struct ServerConfig;

// One client's session, served by its own thread: what its frames mean. It
// checks and acts on each message (join, chat, private, users, ping), times
// out a client that never joins or falls silent, and leaves the hub when the
// client goes. The bytes come and go through its Transport; when that closes,
// the session ends its thread.
class ClientSession final : public ConnectionControl, private Transport::Listener
{
    Q_OBJECT
public:
    // Runs in the accepting thread; takes the transport, which moves with it.
    // accounts may be null (--database none): then everyone is a guest.
    ClientSession(Transport *transport, Hub *hub, const ServerConfig *config,
                  Accounts *accounts = nullptr);
    ~ClientSession() override;

    quint64 connectionId() const { return m_transport->connectionId(); }

protected:
    void start() override;
    void replace() override;
    void shutdown() override;
    void accountAnswered() override;
    void timerEvent(QTimerEvent *event) override;

private:
    enum class State { Connected, Joined, Closing };
    // What the accounts threads are answering: one request at a time.
    enum class Asked { Nothing, Login, GuestName, Password };

    void transportReceived() override;
    void transportOverflowed() override;
    void transportClosing(const QString &reason) override;
    void transportClosed() override;

    void handleFrame(const QByteArray &frame);
    void handle(const Wire::Join &join);
    void handle(const Wire::Chat &chat);
    void handle(const Wire::PrivateChat &chat);
    void handle(const Wire::UsersRequest &request);
    void handle(const Wire::Enter &enter);
    void handle(const Wire::Leave &leave);
    void handle(const Wire::RoomsRequest &request);
    void handle(const Wire::Topic &topic);
    void handle(const Wire::HistoryRequest &request);
    void handle(const Wire::Password &password);
    void handle(const Wire::Moderate &moderate);
    void handle(const Wire::PrivateHistoryRequest &request);
    void handle(const Wire::Ping &ping);
    void handle(const Wire::Pong &pong);
    bool requireJoined();
    // The room a request names (empty: #general) if the client is in it;
    // otherwise sends why not and returns null.
    std::shared_ptr<Room> joinedRoom(const QString &name);
    bool acceptLine(const QString &text);
    // Joins the hub: the join was checked, and the login (if any) is done.
    bool joinHub(const Wire::Join &join, const QString &name, const QString &token);
    void onJoined(const Wire::Join &join);
    void enterRemembered(const QStringList &rooms, qint64 since);
    // An account's rooms are kept for its next login (not #general: always in).
    void remember(const Room &room, bool in);
    void askAccounts(Asked asked);
    void answered(Asked asked, const AccountReply::Answer &answer, const Wire::Join &join);
    bool joinIsBeingChecked() const
    {
        return m_asked == Asked::Login || m_asked == Asked::GuestName;
    }
    // What arrived while the join was checked, in order once it is answered.
    void handleHeldFrames();
    // A password may cross this connection (--plain-logins).
    bool passwordsMayCross() const;
    QString peerAddress() const;
    void sendUnknownType(const QString &type);
    void refuseJoin(const QString &name, const Hub::Result &result);
    void sendAlreadyJoined();
    void send(const QByteArray &bytes);
    void sendError(QLatin1StringView code, const QString &text);
    // Sends the error, stops reading, lingers so the client can read why.
    void closeWithError(QLatin1StringView code, const QString &text);
    void beginClosing(int lingerMs);
    void leaveRoom();

    Transport *m_transport; // a child: deleted with the session
    Hub *m_hub;
    const ServerConfig *m_config;
    Accounts *m_accounts;
    std::shared_ptr<AccountReply> m_reply; // made at the first request
    // How the hub reaches this session, until it is destroyed.
    const std::shared_ptr<ConnectionHandle> m_handle = std::make_shared<ConnectionHandle>(this);
    Asked m_asked = Asked::Nothing;
    Wire::Join m_waitingJoin; // while Asked::Login or GuestName, without its secrets
    bool m_account = false; // logged in to the account of m_name
    QByteArrayList m_held; // frames behind a join being checked; the rate limit bounds them
    const Dialect *m_dialect; // the seed's until a join asks for more
    TokenBucket m_bucket;
    QBasicTimer m_timer; // join timeout, then keepalive
    QElapsedTimer m_sinceReceive;
    QString m_name;
    // The rooms this client is in, by Validation::roomKey: only this thread
    // changes them, so a chat finds its room without the hub's lock.
    QHash<QString, std::shared_ptr<Room>> m_rooms;
    State m_state = State::Connected;
    bool m_pingOutstanding = false;
    bool m_rateLimitReported = false;
};
