// SPDX-License-Identifier: MIT
#pragma once

#include "wire.h"

#include <QByteArray>
#include <QLatin1StringView>

#include <array>

// What one kind of peer understands, and how it is written to. The rich dialect
// is the protocol of docs/PROTOCOL.md; the seed dialect is what a program
// written literally from the seed spec can read. The server asks a client's
// dialect, and the client session its server's, for bytes and abilities, and
// never which dialect it is.
//
// A room message is written alike in every dialect (the seed's own "message"
// with fields it ignores), so the server serialises it once for everyone.
class Dialect
{
public:
    // Where a dialect's bytes sit in per-dialect tables (RoomLog entries).
    static constexpr int Count = 2;
    using Bytes = std::array<QByteArray, Count>;

    static const Dialect &rich();
    static const Dialect &seed();
    // The dialect a join asks for.
    static const Dialect &of(const Wire::Join &join);
    static const Dialect &at(int slot);

    virtual ~Dialect() = default;

    int slot() const { return m_slot; }
    // How the log names clients of this dialect, e.g. "seed client".
    virtual QLatin1StringView name() const = 0;

    // The peer reads with one recv(1024) and parses each read as one object:
    // objects must reach it one at a time, paced, and each within 1 KiB.
    virtual bool readsOneObjectPerReceive() const = 0;
    // The peer answers pings, so silence can be timed out.
    virtual bool answersPings() const = 0;
    // The peer understands messages of this type (Wire's Type names).
    virtual bool carries(QLatin1StringView type) const = 0;
    // The peer knows a chat line may be an action ("/me waves").
    virtual bool carriesActions() const = 0;

    // Server side: what a client of this dialect is sent.
    virtual QByteArray welcome(const Wire::Welcome &welcome) const = 0;
    virtual QByteArray presence(const Wire::Presence &presence) const = 0;
    virtual QByteArray privateMessage(const ChatMessage &message) const = 0;
    virtual QByteArray topic(const Wire::Topic &topic) const = 0;
    virtual QByteArray moderation(const Wire::Moderated &moderated) const = 0;

    // One message in every dialect's form, for the room log.
    static Bytes presenceForAll(const Wire::Presence &presence);
    static Bytes topicForAll(const Wire::Topic &topic);
    static Bytes moderationForAll(const Wire::Moderated &moderated);

protected:
    explicit Dialect(int slot) : m_slot(slot) { }

private:
    const int m_slot;
};
