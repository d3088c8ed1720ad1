// SPDX-License-Identifier: MIT
#include "seeddialect.h"

QLatin1StringView SeedDialect::name() const
{
    return QLatin1StringView("seed client");
}

bool SeedDialect::carries(QLatin1StringView type) const
{
    return type == Wire::Join::Type || type == Wire::Chat::Type || type == ChatMessage::Type;
}

QByteArray SeedDialect::welcome(const Wire::Welcome &welcome) const
{
    const QStringList &names = welcome.users;
    const QString greeting = QStringLiteral("Welcome, %1! ").arg(welcome.name);
    QByteArray bytes = Wire::encode(
        Wire::Notice { greeting + QStringLiteral("%1 people are online.").arg(welcome.userCount) });
    QString online = QStringLiteral("Online: ");
    for (qsizetype shown = 0; shown < names.size(); ++shown) {
        online += (shown > 0 ? QStringLiteral(", ") : QString()) + names.at(shown);
        const qsizetype rest = welcome.userCount - shown - 1;
        const QByteArray candidate = Wire::encode(Wire::Notice {
            greeting + online
            + (rest > 0 ? QStringLiteral(" and %1 more.").arg(rest) : QStringLiteral(".")) });
        if (candidate.size() > ReadSize)
            break;
        bytes = candidate;
    }
    return bytes;
}

QByteArray SeedDialect::presence(const Wire::Presence &presence) const
{
    return Wire::encode(Wire::Notice { presence.text });
}

QByteArray SeedDialect::privateMessage(const ChatMessage &message) const
{
    ChatMessage shown = message;
    shown.text = QStringLiteral("(private) ") + message.text;
    return Wire::encode(shown);
}

QByteArray SeedDialect::topic(const Wire::Topic &topic) const
{
    return shortNotice(QStringLiteral("%1 set the topic: %2").arg(topic.by, topic.text));
}

QByteArray SeedDialect::moderation(const Wire::Moderated &moderated) const
{
    return shortNotice(moderated.text);
}

// A notice, shortened to what one recv() of a seed client holds.
QByteArray SeedDialect::shortNotice(QString text)
{
    QByteArray bytes = Wire::encode(Wire::Notice { text });
    while (bytes.size() > ReadSize && text.size() > 1) {
        text.chop(qMax<qsizetype>(1, (bytes.size() - ReadSize) / 3));
        if (text.back().isHighSurrogate())
            text.chop(1);
        bytes = Wire::encode(Wire::Notice { text + QStringLiteral("...") });
    }
    return bytes;
}
