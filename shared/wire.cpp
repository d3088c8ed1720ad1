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
    *join = std::move(result);
    return true;
}

QJsonObject Chat::toJson() const
{
    QJsonObject object { { Field::Type, Type }, { Field::Data, text } };
    if (action)
        object.insert(Field::Action, true);
    return object;
}

bool Chat::fromJson(const QJsonObject &object, Chat *chat, QString *reason)
{
    if (!Validation::stringField(object, Field::Data, &chat->text, reason))
        return false;
    chat->action = object.value(Field::Action).toBool();
    return true;
}

QJsonObject PrivateChat::toJson() const
{
    return { { Field::Type, Type }, { Field::To, to }, { Field::Data, text } };
}

bool PrivateChat::fromJson(const QJsonObject &object, PrivateChat *chat, QString *reason)
{
    return Validation::stringField(object, Field::To, &chat->to, reason)
        && Validation::stringField(object, Field::Data, &chat->text, reason);
}

QJsonObject UsersRequest::toJson() const
{
    return { { Field::Type, Type } };
}

bool UsersRequest::fromJson(const QJsonObject &, UsersRequest *, QString *)
{
    return true;
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
    QJsonArray messages;
    for (const ChatMessage &message : history)
        messages.append(message.toJson());
    return { { Field::Type, Type },
             { Field::Protocol, protocol },
             { Field::Server, server },
             { Field::Version, version },
             { Field::Name, name },
             { Field::Session, session },
             { Field::Run, run },
             { Field::Users, QJsonArray::fromStringList(users) },
             { Field::UserCount, userCount },
             { Field::History, messages },
             { Field::Missed, missed } };
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
    result.users = object.value(Field::Users).toVariant().toStringList();
    result.userCount = object.value(Field::UserCount).toInteger(result.users.size());
    const QJsonArray history = object.value(Field::History).toArray();
    for (const QJsonValue &value : history) {
        ChatMessage message;
        QString ignored; // one unreadable entry does not cost the others
        if (ChatMessage::fromJson(value.toObject(), &message, &ignored))
            result.history.append(message);
    }
    result.missed = object.value(Field::Missed).toInteger();
    *welcome = std::move(result);
    return true;
}

QJsonObject Presence::toJson() const
{
    return { { Field::Type, Type },
             { Field::Event,
               event == Event::Joined ? Protocol::Event::Joined : Protocol::Event::Left },
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
    return { { Field::Type, Type }, { Field::Users, QJsonArray::fromStringList(names) } };
}

bool Users::fromJson(const QJsonObject &object, Users *users, QString *)
{
    users->names = object.value(Field::Users).toVariant().toStringList();
    return true;
}

} // namespace Wire
