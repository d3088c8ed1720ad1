// SPDX-License-Identifier: MIT
#include "protocol.h"

#include <QDateTime>
#include <QJsonDocument>

#include <ctime>

namespace Protocol {

QByteArray encode(const QJsonObject &message)
{
    QByteArray bytes = QJsonDocument(message).toJson(QJsonDocument::Compact);
    bytes.append('\n');
    return bytes;
}

// By hand rather than with QDateTime::toString(), which formats through
// vasprintf: 2 KiB more stack, and the server stamps presence messages from
// every joining connection's thread, whose touched stack pages stay resident.
QString timestampNow()
{
    const qint64 msecs = QDateTime::currentMSecsSinceEpoch();
    const time_t seconds = time_t(msecs / 1000);
    tm utc {};
    ::gmtime_r(&seconds, &utc);
    char text[] = "yyyy-MM-ddTHH:mm:ss.zzzZ"; // Qt::ISODateWithMs in UTC
    const auto put = [&text](int at, int width, int value) {
        for (int i = at + width - 1; i >= at; --i, value /= 10)
            text[i] = char('0' + value % 10);
    };
    put(0, 4, utc.tm_year + 1900);
    put(5, 2, utc.tm_mon + 1);
    put(8, 2, utc.tm_mday);
    put(11, 2, utc.tm_hour);
    put(14, 2, utc.tm_min);
    put(17, 2, utc.tm_sec);
    put(20, 3, int(msecs % 1000));
    return QString::fromLatin1(text, sizeof(text) - 1);
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
