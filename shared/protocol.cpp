// SPDX-License-Identifier: MIT
#include "protocol.h"

#include "timestamp.h"

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
    return { { Field::Type, Type::Join }, { Field::Data, name } };
}

QJsonObject richJoin(const QString &name, const QString &clientName, qint64 since,
                     const QString &resumeToken, const QString &run)
{
    QJsonObject message = join(name);
    message.insert(Field::Protocol, Version);
    if (!clientName.isEmpty())
        message.insert(Field::Client, clientName);
    if (since > 0)
        message.insert(Field::Since, since);
    if (!run.isEmpty())
        message.insert(Field::Run, run);
    if (!resumeToken.isEmpty())
        message.insert(Field::Resume, resumeToken);
    return message;
}

QJsonObject chat(const QString &text, bool action)
{
    QJsonObject message { { Field::Type, Type::Chat }, { Field::Data, text } };
    if (action)
        message.insert(Field::Action, true);
    return message;
}

QJsonObject privateMessage(const QString &to, const QString &text)
{
    return { { Field::Type, Type::Private }, { Field::To, to }, { Field::Data, text } };
}

QJsonObject usersRequest()
{
    return { { Field::Type, Type::Users } };
}

QJsonObject ping(qint64 id)
{
    return { { Field::Type, Type::Ping }, { Field::Id, id } };
}

QJsonObject pong(qint64 id)
{
    return { { Field::Type, Type::Pong }, { Field::Id, id } };
}

QJsonObject error(QLatin1StringView code, const QString &text)
{
    return { { Field::Type, Type::Error }, { Field::Code, code }, { Field::Data, text } };
}

QJsonObject notice(const QString &text, QLatin1StringView code)
{
    QJsonObject message { { Field::Type, Type::Notice }, { Field::Data, text } };
    if (!code.isEmpty())
        message.insert(Field::Code, code);
    return message;
}

} // namespace Protocol
