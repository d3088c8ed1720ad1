// SPDX-License-Identifier: MIT
#include "protocol.h"

#include "wire.h"

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
    return Wire::Join { name }.toJson();
}

QJsonObject richJoin(const QString &name, const QString &clientName, qint64 since,
                     const QString &resumeToken, const QString &run)
{
    return Wire::Join { name, Version, clientName, since, run, resumeToken }.toJson();
}

QJsonObject chat(const QString &text, bool action)
{
    return Wire::Chat { text, action }.toJson();
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

} // namespace Protocol
