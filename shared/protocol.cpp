// SPDX-License-Identifier: MIT
#include "protocol.h"

#include "timestamp.h"
#include "wire.h"

#include <QDateTime>
#include <QJsonDocument>

namespace Protocol {

QByteArray encode(const QJsonObject &message)
{
    QByteArray bytes = QJsonDocument(message).toJson(QJsonDocument::Compact);
    bytes.append('\n');
    return bytes;
}

QString timestampNow()
{
    char text[Timestamp::Length + 1];
    Timestamp::write(text, QDateTime::currentMSecsSinceEpoch(), Timestamp::Zone::Utc);
    text[Timestamp::Length] = 'Z'; // Qt::ISODateWithMs in UTC
    return QString::fromLatin1(text, sizeof(text));
}

QJsonObject join(const QString &name)
{
    return Wire::Join { name }.toJson();
}

QJsonObject richJoin(const QString &name, const QString &clientName, qint64 since,
                     const QString &resumeToken, const QString &run)
{
    return Wire::Join { name, Version, clientName, since, run, resumeToken }.toJson();
}

QJsonObject passwordJoin(const QString &name, const QString &password, bool registerName)
{
    Wire::Join join { name, Version };
    join.password = password;
    join.registerAccount = registerName;
    return join.toJson();
}

QJsonObject tokenJoin(const QString &name, const QString &token)
{
    Wire::Join join { name, Version };
    join.token = token;
    return join.toJson();
}

QJsonObject chat(const QString &text, bool action)
{
    return Wire::Chat { text, action }.toJson();
}

QJsonObject roomChat(const QString &room, const QString &text)
{
    return Wire::Chat { text, false, room }.toJson();
}

QJsonObject enter(const QString &room, qint64 since)
{
    return Wire::Enter { room, since }.toJson();
}

QJsonObject privateMessage(const QString &to, const QString &text)
{
    return Wire::PrivateChat { to, text }.toJson();
}

QJsonObject usersRequest()
{
    return Wire::UsersRequest {}.toJson();
}

QJsonObject ping(qint64 id)
{
    return Wire::Ping { id }.toJson();
}

QJsonObject pong(qint64 id)
{
    return Wire::Pong { id }.toJson();
}

QJsonObject error(QLatin1StringView code, const QString &text)
{
    return Wire::Error { code, text }.toJson();
}

QJsonObject notice(const QString &text, QLatin1StringView code)
{
    return Wire::Notice { text, code }.toJson();
}

namespace Moderation {

bool isAction(const QString &action)
{
    return takesTarget(action) || action == LockTopic || action == UnlockTopic
        || action == InviteOnly || action == Open;
}

bool takesTarget(const QString &action)
{
    return action == Kick || action == Ban || action == Unban || action == Mute || action == Unmute
        || action == Op || action == Deop || action == Invite;
}

} // namespace Moderation

} // namespace Protocol
