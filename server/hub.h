// SPDX-License-Identifier: MIT
#pragma once

#include "clusterevent.h"
#include "room.h"
#include "storage.h"
#include "wire.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QLatin1StringView>
#include <QList>
#include <QMap>
#include <QSet>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

class ConnectionHandle;
class Dialect;
class Outbox;

// Who is online and which rooms exist. Any connection thread calls it. A user
// joins once (and is put in #general), then enters and leaves rooms; room
// messages go through storage, when there is one, before the room delivers
// them (Room has the words for how a message travels).
//
// Lock order: Hub::m_mutex first (see Room).
class Hub
{
public:
    struct Settings
    {
        QString serverName;
        Room::Settings room;
        int maxRooms = 0;
        int maxRoomsPerClient = 0;
        QString run; // what ids count in: the database's identity, or random per start
        QSet<QString> admins; // Validation::nameKey of the accounts that moderate everywhere
        int maxRoomRules = 0; // bans, mutes, invitations and operators per room
    };

    // storage may be null (--database none); stored are the rooms it loaded.
    Hub(const Settings &settings, Storage *storage, const QList<Storage::Room> &stored = {});

    struct JoinRequest
    {
        QString name; // normalised
        const Dialect *dialect = nullptr;
        qint64 since = 0;
        QString run; // what since counts in
        QString resumeToken;
        std::shared_ptr<Outbox> outbox;
        std::shared_ptr<ConnectionHandle> connection; // replaced if a resume takes its name
        // Logged in to the account of this name: takes the name over from
        // whoever holds it, and the welcome says so and carries token.
        bool account = false;
        QString token;
        QString address; // the peer's: a guest's identity in bans and mutes
    };

    // An error code and text, or the room the request was about.
    struct Result
    {
        QLatin1StringView errorCode; // empty on success
        QString errorText;
        std::shared_ptr<Room> room;

        bool ok() const { return errorCode.isEmpty(); }
    };

    // Registers the client and puts it in #general, whose answer (the welcome)
    // reaches it before any broadcast can. Refuses a name in use, unless
    // resumeToken proves it is the same user reconnecting, or the request
    // logged in to the name's account: the old connection is replaced.
    Result join(const JoinRequest &request);

    // Removes the client from every room if outbox is still the one registered
    // under name (with storage, once what it said before is delivered).
    void leave(const QString &name, const Outbox *outbox);

    // Enters the room (normalised and valid name), creating it if it does not
    // exist; its answer (a RoomState with history after since) is posted.
    Result enter(const QString &name, const Outbox *outbox, const QString &room, qint64 since);
    // Leaves the room, and confirms it to the client.
    void leaveRoom(const QString &name, const std::shared_ptr<Outbox> &outbox,
                   const std::shared_ptr<Room> &room);

    // Moderation. The rules that accounts kept (by room key), before serving;
    // and who stores each change: the room, its rules as they now are, the
    // announcement, and an account that a kick or ban took out of the room.
    void restoreRules(const QHash<QString, RoomRules> &rules);
    using RulesRecorder =
        std::function<void(const QString &roomKey, const RoomRules &rules,
                           const Wire::Moderated &event, const QString &removedAccount)>;
    void setRulesRecorder(RulesRecorder recorder) { m_recordRules = std::move(recorder); }
    // --cluster: who reads every room's stored rules again (Accounts), for a
    // server that may have missed the others' changes; and the reading,
    // whose rules replace those they supersede (RoomRules::version()).
    using RulesRead = std::function<void(const QHash<QString, RoomRules> &rules)>;
    using RulesLoader = std::function<void(RulesRead done)>;
    void setRulesLoader(RulesLoader loader) { m_loadRules = std::move(loader); }
    void reloadRules();
    void adoptRules(const QHash<QString, RoomRules> &rules);
    // A moderation request by name (joined, in room); announced to the room when done.
    Result moderate(const QString &name, const Outbox *outbox, const std::shared_ptr<Room> &room,
                    const Wire::Moderate &request);
    // A server administrator: logged in to an account the configuration names.
    bool isAdmin(const QString &name, bool account) const;

    // Stores (if anything stores) and then relays a room message to everyone
    // in the room except the sender.
    void chat(const std::shared_ptr<Room> &room, const QString &from,
              const std::shared_ptr<Outbox> &sender, const QString &text, bool action);
    void setTopic(const std::shared_ptr<Room> &room, const QString &by, const QString &text);
    // What another server of the cluster committed (Storage::setCluster()'s
    // remote listener, on the storage thread): delivered to this server's members.
    void remote(const ClusterEvent &event);
    // --cluster, live: what to tell the other servers of users entering,
    // leaving and quitting, and of private messages to theirs (set before
    // serving); what they told (any thread), each event also saying that its
    // server is alive for timeout more; the servers not heard within their
    // timeout go, with their users (returned: their nodes); and who is here.
    using ClusterListener = std::function<void(const ClusterEvent &event)>;
    // node: this server's id in the events it publishes.
    void setClusterPublisher(ClusterListener publish, const QString &node)
    {
        m_publish = std::move(publish);
        m_node = node;
    }
    void presence(const ClusterEvent &event, std::chrono::milliseconds timeout);
    QStringList expireNodes();
    ClusterEvent roster() const;
    // Posts the room's messages before `before` (0: the newest) to outbox.
    void history(const std::shared_ptr<Room> &room, const std::shared_ptr<Outbox> &outbox,
                 qint64 before, int limit);

    // Posts bytes to outbox once everything said before has been delivered
    // (with storage, room messages wait for their commit): a pong then means
    // that all the client sent before its ping has been handled.
    void postInOrder(const std::shared_ptr<Outbox> &outbox, const QByteArray &bytes);

    // Sends a private message; false when nobody of that name is online.
    bool sendPrivate(const QString &from, const QString &to, const QString &text);
    // Who is online under name (empty name: nobody), as joined.
    struct Online
    {
        QString name;
        bool account = false;
    };
    Online online(const QString &name) const;
    // A private message between accounts, once stored: to its recipient if
    // online, and its copy to echoTo (its sender) unless null, each after
    // what was said before, as sendPrivate() posts.
    void deliverPrivate(const ChatMessage &stored, const std::shared_ptr<Outbox> &echoTo);

    Wire::RoomList rooms() const;

    // Sends a notice to everyone (shutdown); returns how many were told.
    int broadcastNotice(const QString &text, QLatin1StringView code);

    int memberCount() const; // users online

    // The longest any room holds writes back to coalesce them.
    std::chrono::nanoseconds coalescing() const;
    // Delivers what coalescing held back and is now due, in every room that
    // coalesces. The server calls it on a timer.
    void deliverCoalesced();

private:
    struct User
    {
        QString name;
        std::shared_ptr<Outbox> outbox;
        const Dialect *dialect = nullptr;
        QString session;
        std::shared_ptr<ConnectionHandle> connection;
        QList<std::shared_ptr<Room>> rooms; // the rooms it is in
        bool account = false;
        QString address;
        qint64 joinedMs = 0; // UTC

        QString identity() const; // RoomRules'
    };

    struct RemoteUser
    {
        QString name;
        QString node; // its server
        QString session; // sessionDigest() of its resume token
        bool account = false;
        QString address; // a guest's, for a ban
        QList<std::shared_ptr<Room>> rooms;
    };

    void leaveNow(const QString &name, const Outbox *outbox);
    void publishUser(ClusterEvent::Kind kind, const QString &name, const QString &room = {});
    void publishJoin(const User &user, bool takeOver);
    void publishRules(const std::shared_ptr<Room> &room, const RoomRules &rules,
                      const std::optional<Wire::Moderated> &announced, const QString &removed);
    // Another server's Enter of a room, or a roster's; member's account,
    // address and session count for #general.
    void enterRemoteLocked(const QString &node, const ClusterEvent::Member &member,
                           const QString &roomName, QList<std::shared_ptr<Room>> *toDeliver);
    // Another server's moderation (a Rules event).
    void rulesLocked(const ClusterEvent &event, QList<std::shared_ptr<Room>> *toDeliver);
    static QString sessionDigest(const QString &token);
    // Takes the user out of its rooms (those that announce it join toDeliver,
    // once each) and forgets it; returns the next user.
    QHash<QString, RemoteUser>::iterator quitRemoteLocked(QHash<QString, RemoteUser>::iterator user,
                                                          QList<std::shared_ptr<Room>> *toDeliver);
    // Removes the user; returns the rooms whose leave announcements await delivery.
    QList<std::shared_ptr<Room>> leaveLocked(QMap<QString, User>::iterator user);
    // owner: the account that creates it, if one does; save: tell storage
    // (not for a room another server made and stored).
    std::shared_ptr<Room> createRoomLocked(const QString &name, const User *owner = nullptr,
                                           bool save = true);
    qint64 sinceInThisRun(const JoinRequest &request) const;
    static void deliverAll(const QList<std::shared_ptr<Room>> &rooms);

    const Settings m_settings;
    Storage *const m_storage;
    mutable std::mutex m_mutex;
    QMap<QString, User> m_users; // by Validation::nameKey
    QMap<QString, std::shared_ptr<Room>> m_rooms; // by Validation::roomKey, so listed in order
    std::shared_ptr<Room> m_general;
    QHash<QString, RoomRules> m_storedRules; // of rooms not created yet, by room key
    RulesRecorder m_recordRules;
    RulesLoader m_loadRules;
    ClusterListener m_publish;
    QString m_node;
    QHash<QString, RemoteUser> m_remoteUsers; // the other servers' users, by Validation::nameKey
    QHash<QString, QDeadlineTimer> m_nodes; // the other servers, until they are silent too long
    std::atomic<qint64> m_lastId { 0 }; // without storage: ids count within this run
    // Rooms with committed messages not yet delivered, each with the sender of
    // the last of them, whose thread is asked to walk: the storage thread's only.
    std::vector<std::pair<std::shared_ptr<Room>, std::shared_ptr<Outbox>>> m_committedTo;
};
