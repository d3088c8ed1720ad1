// SPDX-License-Identifier: MIT
#include "wire.h"

#include "validation.h"

#include <QJsonArray>

using namespace Protocol;

namespace Wire {

QJsonObject Join::toJson() const
{
    QJsonObject object { { Field::Type, Type }, { Field::Data, name } };
    if (protocol > 0)
        object.insert(Field::Protocol, protocol);
    if (!client.isEmpty())
        object.insert(Field::Client, client);
    if (since > 0)
        object.insert(Field::Since, since);
    if (!run.isEmpty())
        object.insert(Field::Run, run);
    if (!resume.isEmpty())
        object.insert(Field::Resume, resume);
    if (!password.isEmpty())
        object.insert(Field::Password, password);
    if (registerAccount)
        object.insert(Field::Register, true);
    if (!token.isEmpty())
        object.insert(Field::Token, token);
    return object;
}

bool Join::fromJson(const QJsonObject &object, Join *join, QString *reason)
{
    Join result;
    if (!Validation::stringField(object, Field::Data, &result.name, reason))
        return false;
    result.protocol = object.value(Field::Protocol).toInt();
    result.client = object.value(Field::Client).toString();
    result.since = object.value(Field::Since).toInteger();
    result.run = object.value(Field::Run).toString();
    result.resume = object.value(Field::Resume).toString();
    // A secret of the wrong type is refused rather than read as none: the
    // client meant to log in and must not silently become a guest.
    for (const QLatin1StringView field : { Field::Password, Field::Token }) {
        const QJsonValue value = object.value(field);
        if (!value.isUndefined() && !value.isString()) {
            *reason = QStringLiteral("\"%1\" must be a string.").arg(field);
            return false;
        }
    }
    result.password = object.value(Field::Password).toString();
    result.token = object.value(Field::Token).toString();
    result.registerAccount = object.value(Field::Register).toBool();
    *join = std::move(result);
    return true;
}

// An optional "room" must be a string when present.
static bool optionalRoom(const QJsonObject &object, QString *room, QString *reason)
{
    const QJsonValue value = object.value(Field::Room);
    if (value.isUndefined() || value.isNull())
        return true;
    if (!value.isString()) {
        *reason = QStringLiteral("\"room\" must be a string.");
        return false;
    }
    *room = value.toString();
    return true;
}

static QJsonArray messagesToJson(const QList<ChatMessage> &messages)
{
    QJsonArray array;
    for (const ChatMessage &message : messages)
        array.append(message.toJson());
    return array;
}

static QList<ChatMessage> messagesFromJson(const QJsonValue &value)
{
    QList<ChatMessage> messages;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &entry : array) {
        ChatMessage message;
        QString ignored; // one unreadable entry does not cost the others
        if (ChatMessage::fromJson(entry.toObject(), &message, &ignored))
            messages.append(message);
    }
    return messages;
}

QJsonObject Chat::toJson() const
{
    QJsonObject object { { Field::Type, Type }, { Field::Data, text } };
    if (action)
        object.insert(Field::Action, true);
    if (!room.isEmpty())
        object.insert(Field::Room, room);
    return object;
}

bool Chat::fromJson(const QJsonObject &object, Chat *chat, QString *reason)
{
    if (!Validation::stringField(object, Field::Data, &chat->text, reason)
        || !optionalRoom(object, &chat->room, reason))
        return false;
    chat->action = object.value(Field::Action).toBool();
    return true;
}

QJsonObject PrivateChat::toJson() const
{
    QJsonObject object { { Field::Type, Type }, { Field::To, to }, { Field::Data, text } };
    if (echo)
        object.insert(Field::Echo, true);
    return object;
}

bool PrivateChat::fromJson(const QJsonObject &object, PrivateChat *chat, QString *reason)
{
    chat->echo = object.value(Field::Echo).toBool();
    return Validation::stringField(object, Field::To, &chat->to, reason)
        && Validation::stringField(object, Field::Data, &chat->text, reason);
}

QJsonObject UsersRequest::toJson() const
{
    QJsonObject object { { Field::Type, Type } };
    if (!room.isEmpty())
        object.insert(Field::Room, room);
    return object;
}

bool UsersRequest::fromJson(const QJsonObject &object, UsersRequest *request, QString *reason)
{
    return optionalRoom(object, &request->room, reason);
}

QJsonObject Enter::toJson() const
{
    QJsonObject object { { Field::Type, Type }, { Field::Room, room } };
    if (since > 0)
        object.insert(Field::Since, since);
    return object;
}

bool Enter::fromJson(const QJsonObject &object, Enter *enter, QString *reason)
{
    if (!Validation::stringField(object, Field::Room, &enter->room, reason))
        return false;
    enter->since = object.value(Field::Since).toInteger();
    return true;
}

QJsonObject Leave::toJson() const
{
    return { { Field::Type, Type }, { Field::Room, room } };
}

bool Leave::fromJson(const QJsonObject &object, Leave *leave, QString *reason)
{
    return Validation::stringField(object, Field::Room, &leave->room, reason);
}

QJsonObject RoomsRequest::toJson() const
{
    return { { Field::Type, Type } };
}

bool RoomsRequest::fromJson(const QJsonObject &, RoomsRequest *, QString *)
{
    return true;
}

QJsonObject Topic::toJson() const
{
    QJsonObject object { { Field::Type, Type }, { Field::Room, room }, { Field::Data, text } };
    if (!by.isEmpty())
        object.insert(Field::By, by);
    if (!time.isEmpty())
        object.insert(Field::Time, time);
    return object;
}

bool Topic::fromJson(const QJsonObject &object, Topic *topic, QString *reason)
{
    if (!Validation::stringField(object, Field::Room, &topic->room, reason)
        || !Validation::stringField(object, Field::Data, &topic->text, reason))
        return false;
    topic->by = object.value(Field::By).toString();
    topic->time = object.value(Field::Time).toString();
    return true;
}

QJsonObject HistoryRequest::toJson() const
{
    QJsonObject object { { Field::Type, Type }, { Field::Room, room } };
    if (before > 0)
        object.insert(Field::Before, before);
    if (limit > 0)
        object.insert(Field::Limit, limit);
    return object;
}

bool HistoryRequest::fromJson(const QJsonObject &object, HistoryRequest *request, QString *reason)
{
    if (!Validation::stringField(object, Field::Room, &request->room, reason))
        return false;
    const QJsonValue before = object.value(Field::Before);
    const QJsonValue limit = object.value(Field::Limit);
    if ((!before.isUndefined() && !before.isDouble())
        || (!limit.isUndefined() && !limit.isDouble())) {
        *reason = QStringLiteral("\"before\" and \"limit\" must be numbers.");
        return false;
    }
    request->before = qMax<qint64>(0, before.toInteger());
    request->limit = int(qBound(qint64(0), limit.toInteger(), qint64(1) << 30));
    return true;
}

QJsonObject PrivateHistoryRequest::toJson() const
{
    QJsonObject object { { Field::Type, Type }, { Field::With, with } };
    if (before > 0)
        object.insert(Field::Before, before);
    if (limit > 0)
        object.insert(Field::Limit, limit);
    return object;
}

// Strict, unlike HistoryRequest's (which came first and stays lenient): a
// page that cannot be told is refused with what is wrong.
bool PrivateHistoryRequest::fromJson(const QJsonObject &object, PrivateHistoryRequest *request,
                                     QString *reason)
{
    if (!Validation::stringField(object, Field::With, &request->with, reason))
        return false;
    const auto count = [&object, reason](QLatin1StringView field, qint64 most, qint64 *value) {
        const QJsonValue given = object.value(field);
        if (given.isUndefined())
            return true;
        const double number = given.toDouble(-1);
        if (!given.isDouble() || number < 0 || number > double(most)
            || number != double(qint64(number))) {
            *reason =
                QStringLiteral("\"%1\" must be a whole number from 0 to %2.").arg(field).arg(most);
            return false;
        }
        *value = qint64(number);
        return true;
    };
    qint64 before = 0;
    qint64 limit = 0;
    if (!count(Field::Before, qint64(1) << 53, &before)
        || !count(Field::Limit, qint64(1) << 30, &limit))
        return false;
    request->before = before;
    request->limit = int(limit);
    return true;
}

QJsonObject Password::toJson() const
{
    return { { Field::Type, Type }, { Field::Data, password }, { Field::Old, old } };
}

bool Password::fromJson(const QJsonObject &object, Password *password, QString *reason)
{
    return Validation::stringField(object, Field::Data, &password->password, reason)
        && Validation::stringField(object, Field::Old, &password->old, reason);
}

QJsonObject PasswordChanged::toJson() const
{
    return { { Field::Type, Type }, { Field::Token, token } };
}

bool PasswordChanged::fromJson(const QJsonObject &object, PasswordChanged *changed, QString *reason)
{
    return Validation::stringField(object, Field::Token, &changed->token, reason);
}

QJsonObject Ping::toJson() const
{
    return { { Field::Type, Type }, { Field::Id, id } };
}

bool Ping::fromJson(const QJsonObject &object, Ping *ping, QString *)
{
    ping->id = object.value(Field::Id);
    return true;
}

QJsonObject Pong::toJson() const
{
    return { { Field::Type, Type }, { Field::Id, id } };
}

bool Pong::fromJson(const QJsonObject &object, Pong *pong, QString *)
{
    pong->id = object.value(Field::Id);
    return true;
}

QJsonObject Welcome::toJson() const
{
    QJsonObject object { { Field::Type, Type },
                         { Field::Protocol, protocol },
                         { Field::Server, server },
                         { Field::Version, version },
                         { Field::Name, name },
                         { Field::Session, session },
                         { Field::Run, run },
                         { Field::Room, room },
                         { Field::Topic, topic },
                         { Field::Users, QJsonArray::fromStringList(users) },
                         { Field::UserCount, userCount },
                         { Field::History, messagesToJson(history) },
                         { Field::Missed, missed } };
    if (account) {
        object.insert(Field::Account, true);
        object.insert(Field::Token, token);
    }
    if (admin)
        object.insert(Field::Admin, true);
    return object;
}

// Lenient: a newer or different server may leave fields out; what is there is used.
bool Welcome::fromJson(const QJsonObject &object, Welcome *welcome, QString *)
{
    Welcome result;
    result.protocol = object.value(Field::Protocol).toInt(Protocol::Version);
    result.server = object.value(Field::Server).toString();
    result.version = object.value(Field::Version).toString();
    result.name = object.value(Field::Name).toString();
    result.session = object.value(Field::Session).toString();
    result.run = object.value(Field::Run).toString();
    result.room = object.value(Field::Room).toString(Protocol::DefaultRoom);
    result.topic = object.value(Field::Topic).toString();
    result.users = object.value(Field::Users).toVariant().toStringList();
    result.userCount = object.value(Field::UserCount).toInteger(result.users.size());
    result.history = messagesFromJson(object.value(Field::History));
    result.missed = object.value(Field::Missed).toInteger();
    result.account = object.value(Field::Account).toBool();
    result.token = object.value(Field::Token).toString();
    result.admin = object.value(Field::Admin).toBool();
    *welcome = std::move(result);
    return true;
}

QJsonObject RoomState::toJson() const
{
    QJsonObject object {
        { Field::Type, Type },           { Field::Room, room },
        { Field::Topic, topic },         { Field::Users, QJsonArray::fromStringList(users) },
        { Field::UserCount, userCount }, { Field::History, messagesToJson(history) },
        { Field::Missed, missed }
    };
    // Only what a moderated room has, so that other rooms look as before.
    if (!owner.isEmpty())
        object.insert(Field::Owner, owner);
    if (!operators.isEmpty())
        object.insert(Field::Operators, QJsonArray::fromStringList(operators));
    if (inviteOnly)
        object.insert(Field::InviteOnly, true);
    if (topicLocked)
        object.insert(Field::TopicLocked, true);
    return object;
}

bool RoomState::fromJson(const QJsonObject &object, RoomState *state, QString *reason)
{
    RoomState result;
    if (!Validation::stringField(object, Field::Room, &result.room, reason))
        return false;
    result.topic = object.value(Field::Topic).toString();
    result.users = object.value(Field::Users).toVariant().toStringList();
    result.userCount = object.value(Field::UserCount).toInteger(result.users.size());
    result.history = messagesFromJson(object.value(Field::History));
    result.missed = object.value(Field::Missed).toInteger();
    result.owner = object.value(Field::Owner).toString();
    result.operators = object.value(Field::Operators).toVariant().toStringList();
    result.inviteOnly = object.value(Field::InviteOnly).toBool();
    result.topicLocked = object.value(Field::TopicLocked).toBool();
    *state = std::move(result);
    return true;
}

QJsonObject RoomList::toJson() const
{
    QJsonArray array;
    for (const Entry &entry : rooms) {
        array.append(QJsonObject { { Field::Room, entry.room },
                                   { Field::Topic, entry.topic },
                                   { Field::Users, entry.users } });
    }
    return { { Field::Type, Type }, { Field::Rooms, array } };
}

bool RoomList::fromJson(const QJsonObject &object, RoomList *list, QString *reason)
{
    if (!object.value(Field::Rooms).isArray()) {
        *reason = QStringLiteral("\"rooms\" must be an array.");
        return false;
    }
    RoomList result;
    const QJsonArray array = object.value(Field::Rooms).toArray();
    for (const QJsonValue &value : array) {
        const QJsonObject entry = value.toObject();
        result.rooms.append({ entry.value(Field::Room).toString(),
                              entry.value(Field::Topic).toString(),
                              entry.value(Field::Users).toInteger() });
    }
    *list = std::move(result);
    return true;
}

QJsonObject History::toJson() const
{
    return { { Field::Type, Type },
             { Field::Room, room },
             { Field::History, messagesToJson(messages) },
             { Field::More, more } };
}

bool History::fromJson(const QJsonObject &object, History *history, QString *reason)
{
    History result;
    if (!Validation::stringField(object, Field::Room, &result.room, reason))
        return false;
    result.messages = messagesFromJson(object.value(Field::History));
    result.more = object.value(Field::More).toBool();
    *history = std::move(result);
    return true;
}

QJsonObject PrivateHistory::toJson() const
{
    return { { Field::Type, Type },
             { Field::With, with },
             { Field::History, messagesToJson(messages) },
             { Field::More, more } };
}

bool PrivateHistory::fromJson(const QJsonObject &object, PrivateHistory *history, QString *reason)
{
    PrivateHistory result;
    if (!Validation::stringField(object, Field::With, &result.with, reason))
        return false;
    result.messages = messagesFromJson(object.value(Field::History));
    result.more = object.value(Field::More).toBool();
    *history = std::move(result);
    return true;
}

QJsonObject Presence::toJson() const
{
    return { { Field::Type, Type },
             { Field::Event,
               event == Event::Joined ? Protocol::Event::Joined : Protocol::Event::Left },
             { Field::Room, room },
             { Field::Name, name },
             { Field::Time, time },
             { Field::Data, text } };
}

bool Presence::fromJson(const QJsonObject &object, Presence *presence, QString *reason)
{
    if (!Validation::stringField(object, Field::Name, &presence->name, reason))
        return false;
    const QString event = object.value(Field::Event).toString();
    if (event == Protocol::Event::Joined) {
        presence->event = Event::Joined;
    } else if (event == Protocol::Event::Left) {
        presence->event = Event::Left;
    } else {
        *reason = QStringLiteral("\"event\" must be \"join\" or \"leave\".");
        return false;
    }
    presence->room = object.value(Field::Room).toString(Protocol::DefaultRoom);
    presence->time = object.value(Field::Time).toString();
    presence->text = object.value(Field::Data).toString();
    return true;
}

QJsonObject Notice::toJson() const
{
    QJsonObject object { { Field::Type, Type }, { Field::Data, text } };
    if (!code.isEmpty())
        object.insert(Field::Code, code);
    return object;
}

bool Notice::fromJson(const QJsonObject &object, Notice *notice, QString *)
{
    notice->text = object.value(Field::Data).toString();
    notice->code = object.value(Field::Code).toString();
    return true;
}

QJsonObject Error::toJson() const
{
    return { { Field::Type, Type }, { Field::Code, code }, { Field::Data, text } };
}

bool Error::fromJson(const QJsonObject &object, Error *error, QString *)
{
    error->code = object.value(Field::Code).toString();
    error->text = object.value(Field::Data).toString();
    return true;
}

QJsonObject Users::toJson() const
{
    QJsonObject object { { Field::Type, Type },
                         { Field::Users, QJsonArray::fromStringList(names) } };
    if (!room.isEmpty())
        object.insert(Field::Room, room);
    return object;
}

bool Users::fromJson(const QJsonObject &object, Users *users, QString *)
{
    users->room = object.value(Field::Room).toString(Protocol::DefaultRoom);
    users->names = object.value(Field::Users).toVariant().toStringList();
    return true;
}

namespace {

QJsonObject moderationToJson(QLatin1StringView type, const Moderation &moderation)
{
    QJsonObject object { { Field::Type, type },
                         { Field::Room, moderation.room },
                         { Field::Action, moderation.action } };
    const auto insertIfSet = [&object](QLatin1StringView field, const QString &value) {
        if (!value.isEmpty())
            object.insert(field, value);
    };
    insertIfSet(Field::Target, moderation.target);
    insertIfSet(Field::Reason, moderation.reason);
    insertIfSet(Field::By, moderation.by);
    insertIfSet(Field::Time, moderation.time);
    insertIfSet(Field::Data, moderation.text);
    return object;
}

bool moderationFromJson(const QJsonObject &object, Moderation *moderation, QString *reason)
{
    if (!Validation::stringField(object, Field::Room, &moderation->room, reason)
        || !Validation::stringField(object, Field::Action, &moderation->action, reason))
        return false;
    for (const auto &[field, value] :
         { std::pair { Field::Target, &moderation->target },
           std::pair { Field::Reason, &moderation->reason },
           std::pair { Field::By, &moderation->by }, std::pair { Field::Time, &moderation->time },
           std::pair { Field::Data, &moderation->text } }) {
        const QJsonValue json = object.value(field);
        if (!json.isUndefined() && !json.isString()) {
            *reason = QStringLiteral("\"%1\" must be a string.").arg(field);
            return false;
        }
        *value = json.toString();
    }
    return true;
}

} // namespace

QJsonObject Moderate::toJson() const
{
    return moderationToJson(Type, *this);
}

bool Moderate::fromJson(const QJsonObject &object, Moderate *moderate, QString *reason)
{
    if (!moderationFromJson(object, moderate, reason))
        return false;
    if (!Protocol::Moderation::isAction(moderate->action)) {
        *reason = QStringLiteral("\"action\" must be one of kick, ban, unban, mute, unmute, op, "
                                 "deop, invite, lock_topic, unlock_topic, invite_only, open.");
        return false;
    }
    if (Protocol::Moderation::takesTarget(moderate->action) && moderate->target.isEmpty()) {
        *reason = QStringLiteral("\"%1\" needs a \"target\".").arg(moderate->action);
        return false;
    }
    return true;
}

QJsonObject Moderated::toJson() const
{
    return moderationToJson(Type, *this);
}

bool Moderated::fromJson(const QJsonObject &object, Moderated *moderated, QString *reason)
{
    return moderationFromJson(object, moderated, reason);
}

} // namespace Wire
