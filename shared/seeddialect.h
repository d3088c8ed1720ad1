// SPDX-License-Identifier: MIT
#pragma once

#include "dialect.h"

// What a program written literally from the seed spec understands: join, chat
// and message, read one recv(1024) at a time. To such a client everything else
// becomes a "message" it can show, or a notice; its welcome fits one read.
class SeedDialect : public Dialect
{
public:
    // A seed client's one read: nothing it must understand may be larger.
    static constexpr qsizetype ReadSize = 1024;

    explicit SeedDialect(int slot) : Dialect(slot) { }

    QLatin1StringView name() const override;
    bool readsOneObjectPerReceive() const override { return true; }
    bool answersPings() const override { return false; }
    // The seed spec's three messages: join, chat and message.
    bool carries(QLatin1StringView type) const override;
    bool carriesActions() const override { return false; }
    // "Welcome, Alice! 3 people are online." with as many names as fit one read.
    QByteArray welcome(const Wire::Welcome &welcome) const override;
    QByteArray presence(const Wire::Presence &presence) const override;
    // A seed client shows no "to": the text says that it is private.
    QByteArray privateMessage(const ChatMessage &message) const override;
    QByteArray topic(const Wire::Topic &topic) const override;
    QByteArray moderation(const Wire::Moderated &moderated) const override;

private:
    static QByteArray shortNotice(QString text);
};
