// SPDX-License-Identifier: MIT
#include "hub.h"

#include "connectionhandle.h"
#include "dialect.h"
#include "outbox.h"
#include "protocol.h"
#include "validation.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QRandomGenerator>

#include <algorithm>

using namespace Protocol;

static QString randomToken()
{
    return QString::number(QRandomGenerator::system()->generate64(), 16);
}

Hub::Hub(const Settings &settings, Storage *storage, const QList<Storage::Room> &stored)
    : m_settings(settings), m_storage(storage)
{
    for (const Storage::Room &record : stored) {
        auto room = std::make_shared<Room>(record.name, m_settings.room);
        Wire::Topic topic { record.name, record.topic, record.topicBy, record.topicTime };
        room->restore(topic, record.recent, record.olderStored);
        m_rooms.insert(room->key(), room);
    }
    std::lock_guard lock(m_mutex);
    m_general = m_rooms.value(Validation::roomKey(Protocol::DefaultRoom));
    if (!m_general)
        m_general = createRoomLocked(Protocol::DefaultRoom);
    if (m_storage) {
        // One walk per room for each group commit, however many it held for it,
        // by a sender's thread: the storage thread stays free to commit, and a
        // thread that is busy walking would wait its turn behind every idle
        // connection thread the kernel wakes first.
        m_storage->setGroupDoneListener([this] {
            for (const auto &[room, sender] : m_committedTo) {
                room->oweWalk();
                if (!sender || !sender->requestWalk(room))
                    room->deliver(); // no sender here: another server's message
            }
            m_committedTo.clear();
        });
        m_storage->setExpiredListener([this](const QString &key, qint64 throughId) {
            std::shared_ptr<Room> room;
            {
                std::lock_guard lock(m_mutex);
                room = m_rooms.value(key);
            }
            if (room)
                room->expire(throughId);
        });
    }
}

std::shared_ptr<Room> Hub::createRoomLocked(const QString &name, const User *owner, bool save)
{
    auto room = std::make_shared<Room>(name, m_settings.room);
    m_rooms.insert(room->key(), room);
    if (m_storage && save)
        m_storage->saveRoom(room->key(), name);
    if (const auto stored = m_storedRules.constFind(room->key()); stored != m_storedRules.cend()) {
        room->setRules(*stored); // a room whose messages are gone, but not its rules
    } else if (owner && owner->account && m_recordRules) {
        RoomRules rules;
        rules.setOwner(owner->identity(), owner->name);
        rules.stamp(QDateTime::currentMSecsSinceEpoch());
        room->setRules(rules);
        publishRules(room, rules, std::nullopt, {});
        Wire::Moderated created;
        created.room = name;
        created.action = QStringLiteral("create");
        created.by = owner->name;
        created.time = timestampNow();
        m_recordRules(room->key(), rules, created, {});
    }
    return room;
}

QString Hub::User::identity() const
{
    return account ? RoomRules::accountIdentity(name) : RoomRules::addressIdentity(address);
}

bool Hub::isAdmin(const QString &name, bool account) const
{
    return account && m_settings.admins.contains(Validation::nameKey(name));
}

void Hub::reloadRules()
{
    if (m_loadRules)
        m_loadRules([this](const QHash<QString, RoomRules> &rules) { adoptRules(rules); });
}

void Hub::adoptRules(const QHash<QString, RoomRules> &rules)
{
    QList<std::shared_ptr<Room>> toDeliver;
    {
        std::lock_guard lock(m_mutex);
        QSet<QString> admins;
        for (const QString &admin : std::as_const(m_settings.admins))
            admins.insert(RoomRules::accountIdentity(admin));
        for (auto it = rules.cbegin(); it != rules.cend(); ++it) {
            if (const std::shared_ptr<Room> room = m_rooms.value(it.key())) {
                const QStringList banned = room->adoptStored(it.value(), admins);
                for (const QString &name : banned) {
                    const auto user = m_users.find(Validation::nameKey(name));
                    if (user != m_users.end())
                        user->rooms.removeOne(room);
                    publishUser(ClusterEvent::Kind::Leave, name, room->name());
                }
                if (!banned.isEmpty())
                    toDeliver.append(room);
            } else if (const auto stored = m_storedRules.constFind(it.key());
                       stored == m_storedRules.cend() || it->supersedes(*stored)) {
                m_storedRules.insert(it.key(), it.value());
            }
        }
    }
    deliverAll(toDeliver);
}

void Hub::publishRules(const std::shared_ptr<Room> &room, const RoomRules &rules,
                       const std::optional<Wire::Moderated> &announced, const QString &removed)
{
    if (!m_publish)
        return;
    ClusterEvent event;
    event.kind = ClusterEvent::Kind::Rules;
    event.room = room->name();
    event.rules = rules;
    event.announced = announced;
    event.name = removed;
    m_publish(event);
}

void Hub::restoreRules(const QHash<QString, RoomRules> &rules)
{
    std::lock_guard lock(m_mutex);
    for (auto it = rules.cbegin(); it != rules.cend(); ++it) {
        if (const std::shared_ptr<Room> room = m_rooms.value(it.key()))
            room->setRules(it.value());
        else
            m_storedRules.insert(it.key(), it.value());
    }
}

Hub::Result Hub::moderate(const QString &name, const Outbox *outbox,
                          const std::shared_ptr<Room> &room, const Wire::Moderate &request)
{
    if (!m_recordRules) {
        return { Code::AccountsUnavailable,
                 QStringLiteral("This server keeps no accounts, so nobody owns a room."),
                 {} };
    }
    RoomRules after;
    Wire::Moderated event;
    QString removedAccount;
    QString removedElsewhere; // a member of another server, which takes it out
    {
        std::lock_guard lock(m_mutex);
        const auto actor = m_users.constFind(Validation::nameKey(name));
        if (actor == m_users.cend() || actor->outbox.get() != outbox)
            return { Code::NotJoined, QStringLiteral("Join first."), {} };
        RoomRules::Request resolved;
        resolved.moderate = request;
        resolved.moderate.by = actor->name;
        resolved.actorIdentity = actor->identity();
        resolved.actorIsAdmin = isAdmin(actor->name, actor->account);
        std::shared_ptr<Outbox> targetOutbox;
        if (Protocol::Moderation::takesTarget(request.action)) {
            const QString target = request.target.trimmed();
            const auto user = m_users.constFind(Validation::nameKey(target));
            if (user != m_users.cend()) {
                resolved.moderate.target = user->name;
                resolved.targetIdentity = user->identity();
                resolved.targetIsAdmin = isAdmin(user->name, user->account);
                resolved.targetIsGuest = !user->account;
                resolved.targetIsHere = user->rooms.contains(room);
                targetOutbox = user->outbox;
            } else if (const auto remote = m_remoteUsers.constFind(Validation::nameKey(target));
                       remote != m_remoteUsers.cend()) {
                resolved.moderate.target = remote->name;
                resolved.targetIdentity = remote->account || remote->address.isEmpty()
                    ? RoomRules::accountIdentity(remote->name)
                    : RoomRules::addressIdentity(remote->address);
                resolved.targetIsAdmin = isAdmin(remote->name, remote->account);
                resolved.targetIsGuest = !remote->account;
                resolved.targetIsHere = remote->rooms.contains(room);
            } else if (QHostAddress address(target); !address.isNull()) {
                resolved.targetIdentity = RoomRules::addressIdentity(target);
            } else {
                QString reason;
                const QString normalized = Validation::normalizedName(target);
                if (!Validation::isValidName(normalized, &reason))
                    return { Code::InvalidName, reason, {} };
                resolved.moderate.target = normalized;
                resolved.targetIdentity = RoomRules::accountIdentity(normalized);
            }
        }
        const RoomRules::Outcome outcome =
            room->moderate(resolved, targetOutbox, m_settings.maxRoomRules, &event, &after);
        if (!outcome.errorCode.isEmpty())
            return { outcome.errorCode, outcome.errorText, {} };
        if (outcome.removeTarget && resolved.targetIsHere) {
            const QString key = Validation::nameKey(resolved.moderate.target);
            if (auto user = m_users.find(key); user != m_users.end()) {
                user->rooms.removeOne(room);
                publishUser(ClusterEvent::Kind::Leave, user->name, room->name());
                if (user->account)
                    removedAccount = user->name;
            } else if (const auto remote = m_remoteUsers.constFind(key);
                       remote != m_remoteUsers.cend()) {
                removedElsewhere = remote->name;
                if (remote->account)
                    removedAccount = remote->name; // the database is shared
            }
        }
        publishRules(room, after, event, removedElsewhere);
    }
    room->deliver();
    m_recordRules(room->key(), after, event, removedAccount);
    return { {}, {}, room };
}

// A since that counts in other ids (another database, or an earlier run of a
// server without one) says nothing here: everything kept is new to that client.
// Without a run, since is trusted.
qint64 Hub::sinceInThisRun(const JoinRequest &request) const
{
    return request.run.isEmpty() || request.run == m_settings.run ? request.since : 0;
}

void Hub::deliverAll(const QList<std::shared_ptr<Room>> &rooms)
{
    for (const std::shared_ptr<Room> &room : rooms)
        room->deliver();
}

Hub::Result Hub::join(const JoinRequest &request)
{
    const QString key = Validation::nameKey(request.name);
    QList<std::shared_ptr<Room>> toDeliver;
    {
        std::lock_guard lock(m_mutex);
        auto existing = m_users.find(key);
        bool replaced = false;
        if (existing != m_users.end()) {
            const bool sameUser = request.account
                || (!request.resumeToken.isEmpty() && request.resumeToken == existing->session);
            if (sameUser) {
                // The old connection is dead but has not noticed yet: it goes
                // quietly from #general, where the new one takes its place, and
                // leaves its other rooms, which the client enters again.
                existing->outbox->post(Wire::encode(Wire::Error {
                    Code::Replaced, QStringLiteral("You connected again from elsewhere.") }));
                existing->connection->requestReplace();
                for (const std::shared_ptr<Room> &room : std::as_const(existing->rooms)) {
                    if (room->leave(existing->outbox.get(), room == m_general))
                        toDeliver.append(room);
                }
                m_users.erase(existing);
                replaced = true;
            } else if (existing->outbox->peerHasGone()) {
                // Its client is gone and its thread has not read that yet: the
                // name is free. It leaves now; its own leave later finds nothing.
                toDeliver += leaveLocked(existing);
            } else {
                return { Code::NameTaken,
                         QStringLiteral("The name \"%1\" is already in use.").arg(existing->name),
                         {} };
            }
        }
        // Held on another server: taken over by a login, or by the same
        // client resuming here (its server may have died).
        bool takeOver = request.account;
        if (const auto remote = m_remoteUsers.constFind(key); remote != m_remoteUsers.cend()) {
            takeOver = takeOver
                || (!request.resumeToken.isEmpty()
                    && sessionDigest(request.resumeToken) == remote->session);
            if (!takeOver) {
                return { Code::NameTaken,
                         QStringLiteral("The name \"%1\" is already in use.").arg(remote->name),
                         {} };
            }
        }
        User user { request.name,    request.outbox,     request.dialect,
                    randomToken(),   request.connection, { m_general },
                    request.account, request.address,    QDateTime::currentMSecsSinceEpoch() };
        const Dialect *dialect = request.dialect;
        const QString session = user.session;
        const Room::MakeAnswer welcome = [this, &request, dialect,
                                          session](const Wire::RoomState &state) {
            Wire::Welcome welcome;
            welcome.server = m_settings.serverName;
            welcome.version = QStringLiteral(PYNET_VERSION);
            welcome.name = request.name;
            welcome.session = session;
            welcome.run = m_settings.run;
            welcome.room = state.room;
            welcome.topic = state.topic;
            welcome.users = state.users;
            welcome.userCount = state.userCount;
            welcome.history = state.history;
            welcome.missed = state.missed;
            welcome.account = request.account;
            welcome.token = request.token;
            welcome.admin = isAdmin(request.name, request.account);
            return dialect->welcome(welcome);
        };
        m_users.insert(key, user);
        if (m_general->enter({ request.name, request.outbox, dialect, user.identity() },
                             sinceInThisRun(request), welcome, replaced))
            toDeliver.append(m_general);
        publishJoin(user, takeOver);
    }
    deliverAll(toDeliver);
    return { {}, {}, m_general };
}

void Hub::leave(const QString &name, const Outbox *outbox)
{
    if (m_storage) {
        // After the leaver's last words, which wait for their commit.
        std::shared_ptr<Outbox> kept; // so that its address means this client till then
        {
            std::lock_guard lock(m_mutex);
            const auto it = m_users.constFind(Validation::nameKey(name));
            if (it == m_users.constEnd() || it->outbox.get() != outbox)
                return;
            kept = it->outbox;
        }
        m_storage->then([this, name, kept] { leaveNow(name, kept.get()); });
        return;
    }
    leaveNow(name, outbox);
}

void Hub::leaveNow(const QString &name, const Outbox *outbox)
{
    QList<std::shared_ptr<Room>> toDeliver;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_users.find(Validation::nameKey(name));
        if (it == m_users.end() || it->outbox.get() != outbox)
            return;
        toDeliver = leaveLocked(it);
    }
    deliverAll(toDeliver);
}

QList<std::shared_ptr<Room>> Hub::leaveLocked(QMap<QString, User>::iterator user)
{
    QList<std::shared_ptr<Room>> toDeliver;
    const std::shared_ptr<Outbox> outbox = user->outbox;
    for (const std::shared_ptr<Room> &room : std::as_const(user->rooms)) {
        if (room->leave(outbox.get()))
            toDeliver.append(room);
    }
    publishUser(ClusterEvent::Kind::Quit, user->name);
    m_users.erase(user);
    return toDeliver;
}

Hub::Result Hub::enter(const QString &name, const Outbox *outbox, const QString &roomName,
                       qint64 since)
{
    std::shared_ptr<Room> room;
    bool announced = false;
    {
        std::lock_guard lock(m_mutex);
        const auto user = m_users.find(Validation::nameKey(name));
        if (user == m_users.end() || user->outbox.get() != outbox)
            return { Code::NotJoined, QStringLiteral("Join first."), {} };
        const QString key = Validation::roomKey(roomName);
        room = m_rooms.value(key);
        if (!room && m_rooms.size() >= m_settings.maxRooms) {
            return {
                Code::TooManyRooms,
                QStringLiteral("The server holds its limit of %1 rooms.").arg(m_settings.maxRooms),
                {}
            };
        }
        if (!user->rooms.contains(room) || !room) {
            if (user->rooms.size() >= m_settings.maxRoomsPerClient) {
                return { Code::TooManyRooms,
                         QStringLiteral("You are in %1 rooms, the most one client may be in.")
                             .arg(m_settings.maxRoomsPerClient),
                         {} };
            }
        }
        if (!room) {
            room = createRoomLocked(roomName, &*user);
        } else if (!user->rooms.contains(room)) {
            QString text;
            const QLatin1StringView refusal =
                room->refusalToEnter(user->identity(), isAdmin(user->name, user->account), &text);
            if (!refusal.isEmpty())
                return { refusal, text, {} };
        }
        const bool already = user->rooms.contains(room);
        if (already) // answered again, as a fresh look at the room
            room->leave(outbox, true);
        else
            user->rooms.append(room);
        const Room::MakeAnswer answer = [](const Wire::RoomState &state) {
            return Wire::encode(state);
        };
        announced = room->enter({ user->name, user->outbox, user->dialect, user->identity() },
                                since, answer, already);
        if (!already)
            publishUser(ClusterEvent::Kind::Enter, user->name, room->name());
    }
    if (announced)
        room->deliver();
    return { {}, {}, room };
}

void Hub::leaveRoom(const QString &name, const std::shared_ptr<Outbox> &outbox,
                    const std::shared_ptr<Room> &room)
{
    const auto leave = [this, name, outbox, room] {
        bool announced = false;
        {
            std::lock_guard lock(m_mutex);
            const auto user = m_users.find(Validation::nameKey(name));
            if (user == m_users.end() || user->outbox != outbox || !user->rooms.removeOne(room))
                return;
            publishUser(ClusterEvent::Kind::Leave, user->name, room->name());
            announced = room->leave(outbox.get());
        }
        outbox->post(Wire::encode(Wire::Leave { room->name() }));
        if (announced)
            room->deliver();
    };
    if (m_storage)
        m_storage->then(leave); // after what the leaver said there, which awaits its commit
    else
        leave();
}

void Hub::chat(const std::shared_ptr<Room> &room, const QString &from,
               const std::shared_ptr<Outbox> &sender, const QString &text, bool action)
{
    ChatMessage message;
    message.room = room->name();
    message.from = from;
    message.text = text;
    message.action = action;
    message.time = QDateTime::currentDateTimeUtc();
    if (!m_storage) {
        room->numberAndAppend(message, &m_lastId, sender.get());
        return;
    }
    // Delivered once durable: appended on the storage thread after the commit,
    // and walked once the whole group is (see the group listener above).
    m_storage->submit(message, [this, room, sender](const ChatMessage &stored) {
        room->appendOnly(stored, sender.get());
        if (room->mustWalkNow())
            room->deliver(); // a large group: before the log forgets what nobody took
        const auto it = std::find_if(m_committedTo.begin(), m_committedTo.end(),
                                     [&room](const auto &entry) { return entry.first == room; });
        if (it == m_committedTo.end())
            m_committedTo.emplace_back(room, sender);
        else
            it->second = sender;
    });
}

void Hub::remote(const ClusterEvent &event)
{
    const QString key = Validation::roomKey(
        event.kind == ClusterEvent::Kind::Message ? event.message.room : event.room);
    std::shared_ptr<Room> room;
    {
        std::lock_guard lock(m_mutex);
        room = m_rooms.value(key);
        // Every server holds every room, with its recent messages, so that an
        // enter on any of them is answered at once and alike.
        if (!room && event.kind != ClusterEvent::Kind::Topic)
            room = createRoomLocked(event.kind == ClusterEvent::Kind::Message ? event.message.room
                                                                              : event.room,
                                    nullptr, false);
    }
    if (!room)
        return;
    switch (event.kind) {
    case ClusterEvent::Kind::Message: {
        room->appendOnly(event.message, nullptr);
        if (room->mustWalkNow())
            room->deliver();
        const auto it = std::find_if(m_committedTo.begin(), m_committedTo.end(),
                                     [&room](const auto &entry) { return entry.first == room; });
        if (it == m_committedTo.end())
            m_committedTo.emplace_back(room, nullptr);
        break;
    }
    case ClusterEvent::Kind::Topic:
        room->setTopic({ room->name(), event.text, event.by, event.time });
        break;
    case ClusterEvent::Kind::Room:
    case ClusterEvent::Kind::Hello:
    case ClusterEvent::Kind::Enter:
    case ClusterEvent::Kind::Leave:
    case ClusterEvent::Kind::Quit:
    case ClusterEvent::Kind::Private:
    case ClusterEvent::Kind::Alive:
    case ClusterEvent::Kind::Roster:
    case ClusterEvent::Kind::Rules:
        break; // presence() has the live ones
    }
}

void Hub::publishUser(ClusterEvent::Kind kind, const QString &name, const QString &room)
{
    if (!m_publish)
        return;
    ClusterEvent event;
    event.kind = kind;
    event.name = name;
    event.room = room;
    m_publish(event);
}

void Hub::publishJoin(const User &user, bool takeOver)
{
    if (!m_publish)
        return;
    ClusterEvent event;
    event.kind = ClusterEvent::Kind::Enter;
    event.name = user.name;
    event.room = m_general->name();
    event.takeOver = takeOver;
    event.session = sessionDigest(user.session);
    event.account = user.account;
    if (!user.account)
        event.address = user.address;
    event.joinedMs = user.joinedMs;
    m_publish(event);
}

QString Hub::sessionDigest(const QString &token)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256).toHex());
}

ClusterEvent Hub::roster() const
{
    ClusterEvent event;
    event.kind = ClusterEvent::Kind::Roster;
    std::lock_guard lock(m_mutex);
    for (const User &user : m_users) {
        QStringList rooms;
        for (const std::shared_ptr<Room> &room : user.rooms)
            rooms.append(room->name());
        event.roster.append({ user.name, rooms, user.account,
                              user.account ? QString() : user.address, sessionDigest(user.session),
                              user.joinedMs });
    }
    return event;
}

void Hub::presence(const ClusterEvent &event, std::chrono::milliseconds timeout)
{
    QList<std::shared_ptr<Room>> toDeliver;
    std::shared_ptr<Outbox> privateTo;
    QByteArray privateBytes;
    {
        std::lock_guard lock(m_mutex);
        m_nodes.insert(event.node, QDeadlineTimer(timeout));
        switch (event.kind) {
        case ClusterEvent::Kind::Enter:
            if (event.takeOver) { // a login elsewhere: whoever holds the name here goes
                const auto local = m_users.find(Validation::nameKey(event.name));
                if (local != m_users.end()) {
                    local->outbox->post(Wire::encode(Wire::Error {
                        Code::Replaced, QStringLiteral("You connected again from elsewhere.") }));
                    local->connection->requestReplace();
                    toDeliver += leaveLocked(local);
                }
            }
            enterRemoteLocked(
                event.node,
                { event.name, {}, event.account, event.address, event.session, event.joinedMs },
                event.room, &toDeliver);
            break;
        case ClusterEvent::Kind::Leave: {
            const auto user = m_remoteUsers.find(Validation::nameKey(event.name));
            const std::shared_ptr<Room> room = m_rooms.value(Validation::roomKey(event.room));
            if (user != m_remoteUsers.end() && room && user->rooms.removeOne(room)
                && room->leaveRemote(user->name))
                toDeliver.append(room);
            break;
        }
        case ClusterEvent::Kind::Quit:
            if (const auto user = m_remoteUsers.find(Validation::nameKey(event.name));
                user != m_remoteUsers.end() && user->node == event.node)
                quitRemoteLocked(user, &toDeliver);
            break;
        case ClusterEvent::Kind::Roster:
            for (const ClusterEvent::Member &member : event.roster) {
                for (const QString &room : member.rooms)
                    enterRemoteLocked(event.node, member, room, &toDeliver);
            }
            break;
        case ClusterEvent::Kind::Rules:
            rulesLocked(event, &toDeliver);
            break;
        case ClusterEvent::Kind::Private:
            if (const auto it = m_users.constFind(Validation::nameKey(event.message.to));
                it != m_users.cend()) {
                privateTo = it->outbox;
                privateBytes = it->dialect->privateMessage(event.message);
            }
            break;
        case ClusterEvent::Kind::Message:
        case ClusterEvent::Kind::Room:
        case ClusterEvent::Kind::Topic:
        case ClusterEvent::Kind::Hello:
        case ClusterEvent::Kind::Alive:
            break;
        }
    }
    if (privateTo)
        postInOrder(privateTo, privateBytes);
    deliverAll(toDeliver);
}

void Hub::enterRemoteLocked(const QString &node, const ClusterEvent::Member &member,
                            const QString &roomName, QList<std::shared_ptr<Room>> *toDeliver)
{
    const QString key = Validation::nameKey(member.name);
    auto user = m_remoteUsers.find(key);
    if (user == m_remoteUsers.end())
        user = m_remoteUsers.insert(key, { member.name, node, {}, false, {}, {} });
    user->node = node;
    std::shared_ptr<Room> room = m_rooms.value(Validation::roomKey(roomName));
    if (!room)
        room = createRoomLocked(roomName, nullptr, false);
    if (room == m_general) { // its join: who it is
        if (!member.session.isEmpty())
            user->session = member.session;
        user->account = member.account;
        user->address = member.address;
        // Two guests given one name at once here and there (neither server
        // had heard of the other's yet): the earlier keeps it, on both.
        const auto local = m_users.find(key);
        if (local != m_users.end() && !local->account && !member.account
            && std::pair(member.joinedMs, node) < std::pair(local->joinedMs, m_node)) {
            local->outbox->post(Wire::encode(Wire::Error {
                Code::NameTaken,
                QStringLiteral("The name \"%1\" was taken on another server at the same "
                               "moment; connect again with another.")
                    .arg(local->name) }));
            local->connection->requestReplace();
            *toDeliver += leaveLocked(local);
        }
    }
    if (user->rooms.contains(room))
        return;
    user->rooms.append(room);
    if (room->enterRemote(member.name) && !toDeliver->contains(room)) // a roster: once each
        toDeliver->append(room);
}

void Hub::rulesLocked(const ClusterEvent &event, QList<std::shared_ptr<Room>> *toDeliver)
{
    std::shared_ptr<Room> room = m_rooms.value(Validation::roomKey(event.room));
    if (!room)
        room = createRoomLocked(event.room, nullptr, false);
    const auto user =
        event.name.isEmpty() ? m_users.end() : m_users.find(Validation::nameKey(event.name));
    const std::shared_ptr<Outbox> target =
        user != m_users.end() && user->rooms.contains(room) ? user->outbox : nullptr;
    if (room->adopt(event.rules, event.announced, target)) {
        user->rooms.removeOne(room);
        publishUser(ClusterEvent::Kind::Leave, user->name, room->name());
    }
    if (event.announced && !toDeliver->contains(room))
        toDeliver->append(room);
}

QHash<QString, Hub::RemoteUser>::iterator
Hub::quitRemoteLocked(QHash<QString, RemoteUser>::iterator user,
                      QList<std::shared_ptr<Room>> *toDeliver)
{
    for (const std::shared_ptr<Room> &room : std::as_const(user->rooms)) {
        if (room->leaveRemote(user->name) && !toDeliver->contains(room))
            toDeliver->append(room);
    }
    return m_remoteUsers.erase(user);
}

QStringList Hub::expireNodes()
{
    QStringList gone;
    QList<std::shared_ptr<Room>> toDeliver;
    {
        std::lock_guard lock(m_mutex);
        for (auto node = m_nodes.begin(); node != m_nodes.end();) {
            if (!node->hasExpired()) {
                ++node;
                continue;
            }
            gone.append(node.key());
            for (auto user = m_remoteUsers.begin(); user != m_remoteUsers.end();) {
                if (user->node == node.key())
                    user = quitRemoteLocked(user, &toDeliver);
                else
                    ++user;
            }
            node = m_nodes.erase(node);
        }
    }
    deliverAll(toDeliver);
    return gone;
}

void Hub::setTopic(const std::shared_ptr<Room> &room, const QString &by, const QString &text)
{
    const Wire::Topic topic { room->name(), text, by, timestampNow() };
    if (!m_storage) {
        room->setTopic(topic);
        return;
    }
    // Shown once stored, and after what its setter said before it.
    m_storage->saveTopic(room->key(), topic.text, topic.by, topic.time);
    m_storage->then([room, topic] { room->setTopic(topic); });
}

void Hub::history(const std::shared_ptr<Room> &room, const std::shared_ptr<Outbox> &outbox,
                  qint64 before, int limit)
{
    if (!m_storage) {
        outbox->post(Wire::encode(room->page(before, limit)));
        return;
    }
    const QString name = room->name();
    m_storage->history(room->key(), before, limit,
                       [name, outbox](const QList<ChatMessage> &messages, bool more) {
                           outbox->post(Wire::encode(Wire::History { name, messages, more }));
                       });
}

void Hub::postInOrder(const std::shared_ptr<Outbox> &outbox, const QByteArray &bytes)
{
    if (m_storage)
        m_storage->then([outbox, bytes] { outbox->post(bytes); });
    else
        outbox->post(bytes);
}

bool Hub::sendPrivate(const QString &from, const QString &to, const QString &text)
{
    ChatMessage message;
    message.from = from;
    message.text = text;
    message.time = QDateTime::currentDateTimeUtc();
    std::shared_ptr<Outbox> outbox;
    const Dialect *dialect = nullptr;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_users.constFind(Validation::nameKey(to));
        if (it == m_users.constEnd()) {
            const auto remote = m_remoteUsers.constFind(Validation::nameKey(to));
            if (remote == m_remoteUsers.cend() || !m_publish)
                return false;
            // Its server delivers it. The cluster keeps one order per room, not
            // between a room message and a private one from another server.
            ClusterEvent event;
            event.kind = ClusterEvent::Kind::Private;
            message.to = remote->name;
            event.message = message;
            m_publish(event);
            return true;
        }
        message.to = it->name; // no id: ids number room messages, for catch-up
        outbox = it->outbox;
        dialect = it->dialect;
    }
    // Room messages wait for their commit: this must not overtake the sender's.
    postInOrder(outbox, dialect->privateMessage(message));
    return true;
}

Hub::Online Hub::online(const QString &name) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_users.constFind(Validation::nameKey(name));
    if (it != m_users.constEnd())
        return { it->name, it->account };
    if (const auto remote = m_remoteUsers.constFind(Validation::nameKey(name));
        remote != m_remoteUsers.cend())
        return { remote->name, remote->account };
    return {};
}

void Hub::deliverPrivate(const ChatMessage &stored, const std::shared_ptr<Outbox> &echoTo)
{
    std::shared_ptr<Outbox> outbox;
    const Dialect *dialect = nullptr;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_users.constFind(Validation::nameKey(stored.to));
        // Gone meanwhile: it is stored, and its history shows it.
        if (it != m_users.constEnd() && it->account) {
            outbox = it->outbox;
            dialect = it->dialect;
        } else if (m_publish && m_remoteUsers.contains(Validation::nameKey(stored.to))) {
            ClusterEvent event; // its server delivers it
            event.kind = ClusterEvent::Kind::Private;
            event.message = stored;
            m_publish(event);
        }
    }
    if (outbox)
        postInOrder(outbox, dialect->privateMessage(stored));
    if (echoTo && echoTo != outbox)
        postInOrder(echoTo, Wire::encode(stored));
}

Wire::RoomList Hub::rooms() const
{
    QList<std::shared_ptr<Room>> rooms;
    {
        std::lock_guard lock(m_mutex);
        rooms = m_rooms.values();
    }
    Wire::RoomList list;
    list.rooms.reserve(rooms.size());
    for (const std::shared_ptr<Room> &room : std::as_const(rooms))
        list.rooms.append(room->summary());
    return list;
}

int Hub::broadcastNotice(const QString &text, QLatin1StringView code)
{
    QList<std::shared_ptr<Outbox>> outboxes;
    {
        std::lock_guard lock(m_mutex);
        for (const User &user : std::as_const(m_users))
            outboxes.append(user.outbox);
    }
    const QByteArray bytes = Wire::encode(Wire::Notice { text, code });
    for (const std::shared_ptr<Outbox> &outbox : std::as_const(outboxes))
        outbox->post(bytes);
    return int(outboxes.size());
}

int Hub::memberCount() const
{
    std::lock_guard lock(m_mutex);
    return int(m_users.size());
}

std::chrono::nanoseconds Hub::coalescing() const
{
    std::lock_guard lock(m_mutex);
    std::chrono::nanoseconds longest {};
    for (const std::shared_ptr<Room> &room : m_rooms)
        longest = std::max(longest, room->coalescing());
    return longest;
}

void Hub::deliverCoalesced()
{
    QList<std::shared_ptr<Room>> coalescing; // or left with a walk owed under saturation
    {
        std::lock_guard lock(m_mutex);
        for (const std::shared_ptr<Room> &room : std::as_const(m_rooms)) {
            if (room->owesWalk())
                coalescing.append(room);
        }
    }
    deliverAll(coalescing);
}
