// SPDX-License-Identifier: MIT
#pragma once

#include "dialect.h"

// Our protocol (docs/PROTOCOL.md): every message as its type says.
class RichDialect : public Dialect
{
public:
    explicit RichDialect(int slot) : Dialect(slot) { }

    QLatin1StringView name() const override;
    bool readsOneObjectPerReceive() const override { return false; }
    bool answersPings() const override { return true; }
    bool carries(QLatin1StringView) const override { return true; }
    bool carriesActions() const override { return true; }
    QByteArray welcome(const Wire::Welcome &welcome) const override;
    QByteArray presence(const Wire::Presence &presence) const override;
    QByteArray privateMessage(const ChatMessage &message) const override;
    QByteArray topic(const Wire::Topic &topic) const override;
    QByteArray moderation(const Wire::Moderated &moderated) const override;
};
