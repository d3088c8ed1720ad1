// SPDX-License-Identifier: MIT
// What travels on the wire, as small value types: one struct per message, each
// with its type name, toJson() and fromJson(). Code that reads a message decodes
// it once into one of these; code that writes one builds it and encodes it.
// docs/PROTOCOL.md shows every message with an example.
//
// Adding a message: a struct here, its name in the list of its direction
// (ToServer or ToClient) and a handler for it on the side that receives it.
#pragma once

#include "chatmessage.h"
#include "protocol.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringList>

#include <utility>
#include <variant>

namespace Wire {

// Client to server.

// The first message on every connection. Without "protocol" it is exactly the
// seed's join, and the server speaks the seed dialect to that client.
struct Join
{
    static constexpr QLatin1StringView Type = Protocol::Type::Join;
    QString name {};
    int protocol = 0; // 0: a seed client
    QString client {}; // free text, e.g. "pynet-cli 0.1.0"
    qint64 since = 0; // the last room message id seen, for catch-up
    QString run {}; // the server run that since counts in
    QString resume {}; // the session token of a welcome, to take over a dead connection
    // Accounts (rich clients only): a password, or a login token of an earlier
    // welcome; neither is a guest. registerAccount creates the account first
    // when the name is free ("register" on the wire).
    QString password {};
    bool registerAccount = false;
    QString token {};

    bool isRich() const { return protocol >= 1; }
    bool isLogin() const { return isRich() && (!password.isEmpty() || !token.isEmpty()); }
    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Join *join, QString *reason);
};

// A line for a room the sender is in.
struct Chat
{
    static constexpr QLatin1StringView Type = Protocol::Type::Chat;
    QString text {};
    bool action = false; // "/me waves"
    QString room {}; // empty: Protocol::DefaultRoom

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Chat *chat, QString *reason);
};

// A line for one user.
struct PrivateChat
{
    static constexpr QLatin1StringView Type = Protocol::Type::Private;
    QString to {};
    QString text {};
    // Between two accounts: send the sender the stored copy, with its
    // privateId, once it is stored. Off for clients from before that.
    bool echo = false;

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, PrivateChat *chat, QString *reason);
};

// Asks for a room's members; the answer is Users.
struct UsersRequest
{
    static constexpr QLatin1StringView Type = Protocol::Type::Users;
    QString room {}; // empty: Protocol::DefaultRoom

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, UsersRequest *request, QString *reason);
};

// Enters a room, creating it when it does not exist; the answer is RoomState.
struct Enter
{
    static constexpr QLatin1StringView Type = Protocol::Type::Enter;
    QString room {};
    qint64 since = 0; // the last message id seen in this room, for catch-up

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Enter *enter, QString *reason);
};

// Asks for the list of rooms; the answer is RoomList.
struct RoomsRequest
{
    static constexpr QLatin1StringView Type = Protocol::Type::Rooms;

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, RoomsRequest *request, QString *reason);
};

// Asks for the messages of a room before an id, newest last; the answer is History.
struct HistoryRequest
{
    static constexpr QLatin1StringView Type = Protocol::Type::History;
    QString room {};
    qint64 before = 0; // 0: up to the newest
    int limit = 0; // 0: the server's default; capped by the server's limit

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, HistoryRequest *request, QString *reason);
};

// Asks for the stored private conversation of the sender's account with the
// account with, before a privateId, newest last; the answer is PrivateHistory.
struct PrivateHistoryRequest
{
    static constexpr QLatin1StringView Type = Protocol::Type::Conversation;
    QString with {};
    qint64 before = 0; // 0: up to the newest
    int limit = 0; // 0: the server's default; capped by the server's limit

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, PrivateHistoryRequest *request,
                         QString *reason);
};

// Either direction.

// Client: leaves a room. Server: confirms it to the client that left.
struct Leave
{
    static constexpr QLatin1StringView Type = Protocol::Type::Leave;
    QString room {};

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Leave *leave, QString *reason);
};

// Client: sets a room's topic (by and time are ignored). Server: tells every
// member of the room what the topic now is, and who set it when.
struct Topic
{
    static constexpr QLatin1StringView Type = Protocol::Type::Topic;
    QString room {};
    QString text {};
    QString by {};
    QString time {}; // as written on the wire (Protocol::timestampNow())

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Topic *topic, QString *reason);
};

// Asks the other side to show it is alive; the answer is a Pong with the same id.
struct Ping
{
    static constexpr QLatin1StringView Type = Protocol::Type::Ping;
    QJsonValue id {}; // opaque: echoed as it came

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Ping *ping, QString *reason);
};

struct Pong
{
    static constexpr QLatin1StringView Type = Protocol::Type::Pong;
    QJsonValue id {};

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Pong *pong, QString *reason);
};

// Changes a logged-in account's password; the answer is PasswordChanged.
struct Password
{
    static constexpr QLatin1StringView Type = Protocol::Type::Password;
    QString password {}; // the new one ("data")
    QString old {};

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Password *password, QString *reason);
};

// Server to client. A relayed chat line is a ChatMessage (chatmessage.h).

// The answer to Password: every earlier token is revoked, this one replaces them.
struct PasswordChanged
{
    static constexpr QLatin1StringView Type = Protocol::Type::Password;
    QString token {};

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, PasswordChanged *changed, QString *reason);
};

// The answer to a rich join: who we are now, who is here, what was said.
struct Welcome
{
    static constexpr QLatin1StringView Type = Protocol::Type::Welcome;
    int protocol = Protocol::Version;
    QString server {};
    QString version {};
    QString name {}; // as the server normalised it
    QString session {}; // resume token for the next connection
    QString run {}; // what ids count in: the database's, or random per start without one
    QString room {}; // Protocol::DefaultRoom: users, topic and history are its
    QString topic {};
    QStringList users {}; // empty past the presence limit; userCount still counts
    qint64 userCount = 0;
    QList<ChatMessage> history {}; // oldest first
    qint64 missed = 0; // messages after since that history does not hold
    bool account = false; // logged in to an account, not a guest
    QString token {}; // with account: a login token for the next connection
    bool admin = false; // a server administrator (--admins): moderates every room

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Welcome *welcome, QString *reason);
};

// The answer to Enter: the room as the client now finds it.
struct RoomState
{
    static constexpr QLatin1StringView Type = Protocol::Type::Room;
    QString room {};
    QString topic {};
    QStringList users {}; // empty past the presence limit; userCount still counts
    qint64 userCount = 0;
    QList<ChatMessage> history {}; // oldest first
    qint64 missed = 0; // messages after since that history does not hold
    // Moderation: the owning account (empty: none), the operators besides it,
    // and the room's settings.
    QString owner {};
    QStringList operators {};
    bool inviteOnly = false;
    bool topicLocked = false;

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, RoomState *state, QString *reason);
};

// The answer to RoomsRequest.
struct RoomList
{
    static constexpr QLatin1StringView Type = Protocol::Type::Rooms;
    struct Entry
    {
        QString room {};
        QString topic {};
        qint64 users = 0;
    };
    QList<Entry> rooms {}; // in name order

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, RoomList *list, QString *reason);
};

// The answer to HistoryRequest.
struct History
{
    static constexpr QLatin1StringView Type = Protocol::Type::History;
    QString room {};
    QList<ChatMessage> messages {}; // oldest first
    bool more = false; // older messages than these are stored

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, History *history, QString *reason);
};

// The answer to PrivateHistoryRequest.
struct PrivateHistory
{
    static constexpr QLatin1StringView Type = Protocol::Type::Conversation;
    QString with {}; // the other account, as registered
    QList<ChatMessage> messages {}; // oldest first, each with its privateId
    bool more = false; // older messages than these are stored

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, PrivateHistory *history, QString *reason);
};

// Someone joined or left.
struct Presence
{
    static constexpr QLatin1StringView Type = Protocol::Type::Presence;
    enum class Event { Joined, Left };
    Event event = Event::Joined;
    QString room {};
    QString name {};
    QString time {}; // as written on the wire (Protocol::timestampNow())
    QString text {}; // the same for people: "Alice joined the chat."

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Presence *presence, QString *reason);
};

// Server news for people; code (optional) for programs.
struct Notice
{
    static constexpr QLatin1StringView Type = Protocol::Type::Notice;
    QString text {};
    QString code {};

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Notice *notice, QString *reason);
};

// Something we sent was refused; code is one of Protocol::Code.
struct Error
{
    static constexpr QLatin1StringView Type = Protocol::Type::Error;
    QString code {};
    QString text {};

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Error *error, QString *reason);
};

// The answer to UsersRequest.
struct Users
{
    static constexpr QLatin1StringView Type = Protocol::Type::Users;
    QString room {};
    QStringList names {};

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Users *users, QString *reason);
};

// Client: an owner's, operator's or administrator's action on a room (the
// actions are Protocol::Moderation's). Server: tells every member of the room
// what was done, by whom, with the same fields and text for people.
struct Moderation
{
    QString room {};
    QString action {};
    QString target {}; // a name (or, to unban, an address); empty for the room's settings
    QString reason {};
    QString by {}; // server only
    QString time {}; // server only, as written on the wire
    QString text {}; // server only: "alice kicked bob from #dev (spam)"
};

struct Moderate : Moderation
{
    static constexpr QLatin1StringView Type = Protocol::Type::Moderate;

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Moderate *moderate, QString *reason);
};

struct Moderated : Moderation
{
    static constexpr QLatin1StringView Type = Protocol::Type::Moderation;

    QJsonObject toJson() const;
    static bool fromJson(const QJsonObject &object, Moderated *moderated, QString *reason);
};

using ToServer =
    std::variant<Join, Chat, PrivateChat, UsersRequest, Enter, Leave, RoomsRequest, Topic,
                 HistoryRequest, Password, Moderate, PrivateHistoryRequest, Ping, Pong>;
using ToClient =
    std::variant<ChatMessage, Welcome, RoomState, Leave, RoomList, Topic, History, Presence, Notice,
                 Error, Users, PasswordChanged, Moderated, PrivateHistory, Ping, Pong>;

// The outcome of decoding one object of a direction's list.
template<typename Messages> struct Decoded
{
    enum class Status { Ok, UnknownType, BadField };
    Status status = Status::UnknownType;
    Messages message;
    QString type {}; // as it came
    QString reason {}; // for BadField: which field, and what is wrong with it

    bool isValid() const { return status == Status::Ok; }
};

namespace Detail {
template<typename Messages, std::size_t... Index>
void decodeAs(const QJsonObject &object, Decoded<Messages> *result, std::index_sequence<Index...>)
{
    // The first alternative whose Type matches reads the object.
    const auto tryOne = [&](auto *none) {
        using Message = std::remove_pointer_t<decltype(none)>;
        if (result->type != Message::Type)
            return false;
        Message message;
        if (Message::fromJson(object, &message, &result->reason)) {
            result->message = std::move(message);
            result->status = Decoded<Messages>::Status::Ok;
        } else {
            result->status = Decoded<Messages>::Status::BadField;
        }
        return true;
    };
    (tryOne(static_cast<std::variant_alternative_t<Index, Messages> *>(nullptr)) || ...);
}
} // namespace Detail

// Turns an object (from Validation::parseFrame) into the message its "type" names.
template<typename Messages> Decoded<Messages> decode(const QJsonObject &object)
{
    Decoded<Messages> result;
    result.type = object.value(Protocol::Field::Type).toString();
    Detail::decodeAs(object, &result, std::make_index_sequence<std::variant_size_v<Messages>>());
    return result;
}

// One compact JSON object and '\n', as every message is written.
template<typename Message> QByteArray encode(const Message &message)
{
    return Protocol::encode(message.toJson());
}

} // namespace Wire
