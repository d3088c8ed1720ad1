// SPDX-License-Identifier: MIT
#include "clusterevent.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace {

constexpr const char *KindNames[] = { "message", "room", "topic", "hello" };

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
    case Kind::Hello:
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
    case Kind::Hello:
        break;
    }
    return event;
}
