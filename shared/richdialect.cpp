// SPDX-License-Identifier: MIT
#include "richdialect.h"

QLatin1StringView RichDialect::name() const
{
    return QLatin1StringView("rich client");
}

QByteArray RichDialect::welcome(const Wire::Welcome &welcome) const
{
    return Wire::encode(welcome);
}

QByteArray RichDialect::presence(const Wire::Presence &presence) const
{
    return Wire::encode(presence);
}

QByteArray RichDialect::privateMessage(const ChatMessage &message) const
{
    return Wire::encode(message);
}

QByteArray RichDialect::topic(const Wire::Topic &topic) const
{
    return Wire::encode(topic);
}

QByteArray RichDialect::moderation(const Wire::Moderated &moderated) const
{
    return Wire::encode(moderated);
}
