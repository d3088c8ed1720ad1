// SPDX-License-Identifier: MIT
#include "clusterevent.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

constexpr const char *KindNames[] = { "message", "room",    "topic", "hello",  "enter", "leave",
                                      "quit",    "private", "alive", "roster", "rules" };

// What a guest's or a roster member's Enter of #general adds.
void insertUser(QJsonObject *object, bool account, const QString &address, const QString &session,
                qint64 joinedMs)
{
    if (joinedMs)
        object->insert(QStringLiteral("joined"), joinedMs);
    if (!session.isEmpty())
        object->insert(QStringLiteral("session"), session);
    if (account)
        object->insert(QStringLiteral("account"), true);
    if (!address.isEmpty())
        object->insert(QStringLiteral("address"), address);
}

} // namespace

QByteArray ClusterEvent::encode() const
{
    QJsonObject object { { QStringLiteral("kind"), QLatin1StringView(KindNames[int(kind)]) },
                         { QStringLiteral("node"), node } };
    switch (kind) {
    case Kind::Message:
        object.insert(QStringLiteral("room"), message.room);
        object.insert(QStringLiteral("id"), message.id);
        object.insert(QStringLiteral("previous"), previous);
        object.insert(QStringLiteral("time"), message.time.toMSecsSinceEpoch());
        object.insert(QStringLiteral("from"), message.from);
        object.insert(QStringLiteral("text"), message.text);
        object.insert(QStringLiteral("action"), message.action);
        break;
    case Kind::Topic:
        object.insert(QStringLiteral("text"), text);
        object.insert(QStringLiteral("by"), by);
        object.insert(QStringLiteral("time"), time);
        Q_FALLTHROUGH();
    case Kind::Room:
        object.insert(QStringLiteral("room"), room);
        break;
    case Kind::Enter:
        if (takeOver)
            object.insert(QStringLiteral("takeOver"), true);
        insertUser(&object, account, address, session, joinedMs);
        Q_FALLTHROUGH();
    case Kind::Leave:
        object.insert(QStringLiteral("room"), room);
        Q_FALLTHROUGH();
    case Kind::Quit:
        object.insert(QStringLiteral("name"), name);
        break;
    case Kind::Private:
        object.insert(QStringLiteral("from"), message.from);
        object.insert(QStringLiteral("to"), message.to);
        object.insert(QStringLiteral("text"), message.text);
        object.insert(QStringLiteral("time"), message.time.toMSecsSinceEpoch());
        if (message.privateId)
            object.insert(QStringLiteral("privateId"), message.privateId);
        break;
    case Kind::Roster: {
        QJsonArray users;
        for (const Member &member : roster) {
            QJsonObject about;
            insertUser(&about, member.account, member.address, member.session, member.joinedMs);
            users.append(
                QJsonArray { member.name, QJsonArray::fromStringList(member.rooms), about });
        }
        object.insert(QStringLiteral("users"), users);
        break;
    }
    case Kind::Rules:
        object.insert(QStringLiteral("room"), room);
        object.insert(QStringLiteral("rules"), rules.toJson());
        if (announced)
            object.insert(QStringLiteral("announced"), announced->toJson());
        if (!name.isEmpty())
            object.insert(QStringLiteral("name"), name);
        break;
    case Kind::Hello:
    case Kind::Alive:
        break;
    }
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

std::optional<ClusterEvent> ClusterEvent::decode(const QByteArray &bytes)
{
    const QJsonObject object = QJsonDocument::fromJson(bytes).object();
    const QString kind = object.value(QStringLiteral("kind")).toString();
    ClusterEvent event;
    const auto found =
        std::find_if(std::begin(KindNames), std::end(KindNames),
                     [&kind](const char *name) { return kind == QLatin1StringView(name); });
    if (found == std::end(KindNames))
        return std::nullopt;
    event.kind = Kind(found - std::begin(KindNames));
    event.node = object.value(QStringLiteral("node")).toString();
    switch (event.kind) {
    case Kind::Message:
        event.message.room = object.value(QStringLiteral("room")).toString();
        event.message.id = object.value(QStringLiteral("id")).toInteger();
        event.previous = object.value(QStringLiteral("previous")).toInteger();
        event.message.time = QDateTime::fromMSecsSinceEpoch(
            object.value(QStringLiteral("time")).toInteger(), Qt::UTC);
        event.message.from = object.value(QStringLiteral("from")).toString();
        event.message.text = object.value(QStringLiteral("text")).toString();
        event.message.action = object.value(QStringLiteral("action")).toBool();
        if (event.message.room.isEmpty() || event.message.id <= 0 || event.previous < 0
            || event.previous >= event.message.id)
            return std::nullopt;
        break;
    case Kind::Topic:
        event.text = object.value(QStringLiteral("text")).toString();
        event.by = object.value(QStringLiteral("by")).toString();
        event.time = object.value(QStringLiteral("time")).toString();
        Q_FALLTHROUGH();
    case Kind::Room:
        event.room = object.value(QStringLiteral("room")).toString();
        if (event.room.isEmpty())
            return std::nullopt;
        break;
    case Kind::Enter:
        event.takeOver = object.value(QStringLiteral("takeOver")).toBool();
        event.session = object.value(QStringLiteral("session")).toString();
        event.account = object.value(QStringLiteral("account")).toBool();
        event.address = object.value(QStringLiteral("address")).toString();
        event.joinedMs = object.value(QStringLiteral("joined")).toInteger();
        Q_FALLTHROUGH();
    case Kind::Leave:
        event.room = object.value(QStringLiteral("room")).toString();
        if (event.room.isEmpty())
            return std::nullopt;
        Q_FALLTHROUGH();
    case Kind::Quit:
        event.name = object.value(QStringLiteral("name")).toString();
        if (event.name.isEmpty())
            return std::nullopt;
        break;
    case Kind::Private:
        event.message.from = object.value(QStringLiteral("from")).toString();
        event.message.to = object.value(QStringLiteral("to")).toString();
        event.message.text = object.value(QStringLiteral("text")).toString();
        event.message.time = QDateTime::fromMSecsSinceEpoch(
            object.value(QStringLiteral("time")).toInteger(), Qt::UTC);
        event.message.privateId = object.value(QStringLiteral("privateId")).toInteger();
        if (event.message.from.isEmpty() || event.message.to.isEmpty())
            return std::nullopt;
        break;
    case Kind::Roster:
        for (const QJsonValue &user : object.value(QStringLiteral("users")).toArray()) {
            const QJsonArray fields = user.toArray();
            Member member;
            member.name = fields.at(0).toString();
            for (const QJsonValue &room : fields.at(1).toArray())
                member.rooms.append(room.toString());
            const QJsonObject about = fields.at(2).toObject();
            member.account = about.value(QStringLiteral("account")).toBool();
            member.address = about.value(QStringLiteral("address")).toString();
            member.session = about.value(QStringLiteral("session")).toString();
            member.joinedMs = about.value(QStringLiteral("joined")).toInteger();
            if (!member.name.isEmpty())
                event.roster.append(member);
        }
        break;
    case Kind::Rules: {
        event.room = object.value(QStringLiteral("room")).toString();
        event.rules = RoomRules::fromJson(object.value(QStringLiteral("rules")).toObject());
        event.name = object.value(QStringLiteral("name")).toString();
        if (const QJsonValue announced = object.value(QStringLiteral("announced"));
            announced.isObject()) {
            Wire::Moderated moderated;
            QString reason;
            if (!Wire::Moderated::fromJson(announced.toObject(), &moderated, &reason))
                return std::nullopt;
            event.announced = moderated;
        }
        if (event.room.isEmpty())
            return std::nullopt;
        break;
    }
    case Kind::Hello:
    case Kind::Alive:
        break;
    }
    return event;
}
