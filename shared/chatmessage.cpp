// SPDX-License-Identifier: MIT
#include "chatmessage.h"

#include "protocol.h"
#include "validation.h"

using namespace Protocol;

QJsonObject ChatMessage::toJson() const
{
    QJsonObject object { { Field::Type, Type::Message } };
    if (id > 0)
        object.insert(Field::Id, id);
    if (time.isValid())
        object.insert(Field::Time, time.toString(Qt::ISODateWithMs));
    if (!room.isEmpty())
        object.insert(Field::Room, room);
    object.insert(Field::From, from);
    if (!to.isEmpty())
        object.insert(Field::To, to);
    object.insert(Field::Data, text);
    if (action)
        object.insert(Field::Action, true);
    if (privateId > 0)
        object.insert(Field::PrivateId, privateId);
    return object;
}

bool ChatMessage::fromJson(const QJsonObject &object, ChatMessage *message, QString *reason)
{
    ChatMessage result;
    if (!Validation::stringField(object, Field::From, &result.from, reason)
        || !Validation::stringField(object, Field::Data, &result.text, reason))
        return false;
    result.id = object.value(Field::Id).toInteger();
    result.time = QDateTime::fromString(object.value(Field::Time).toString(), Qt::ISODateWithMs);
    result.to = object.value(Field::To).toString();
    result.room = object.value(Field::Room).toString();
    result.action = object.value(Field::Action).toBool();
    result.privateId = object.value(Field::PrivateId).toInteger();
    *message = result;
    return true;
}
