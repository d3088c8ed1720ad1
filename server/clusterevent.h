// SPDX-License-Identifier: MIT
#pragma once

#include "chatmessage.h"

#include <QByteArray>
#include <QString>

#include <optional>

// What one server of a cluster tells the others through Redis, once it is
// committed to the shared database: a room message with the id of the room's
// message before it (so that a receiver sees a gap), a new room, a topic, or
// a hello from a server that was away (everyone then fills what it missed).
// docs/SCALING.md has the format.
struct ClusterEvent
{
    enum class Kind { Message, Room, Topic, Hello };
    Kind kind = Kind::Message;
    QString node; // the sender's random id: a server ignores its own events
    ChatMessage message; // Message (room, id, time, from, text, action)
    qint64 previous = 0; // Message
    QString room; // Room, Topic: the room's name
    QString text; // Topic
    QString by; // Topic
    QString time; // Topic, as on the wire

    QByteArray encode() const;
    // Nothing for bytes that are not an event of a known kind.
    static std::optional<ClusterEvent> decode(const QByteArray &bytes);
};
