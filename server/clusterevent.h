// SPDX-License-Identifier: MIT
#pragma once

#include "chatmessage.h"

#include <QByteArray>
#include <QString>

#include <optional>

// What one server of a cluster tells the others through Redis. Once committed
// to the shared database: a room message with the id of the room's message
// before it (so that a receiver sees a gap), a new room, a topic. Live only:
// a hello from a server that was away (everyone then fills what it missed
// and sends its roster), a user entering or leaving a room or quitting,
// a private message, and a server's heartbeat. docs/SCALING.md has the format.
struct ClusterEvent
{
    enum class Kind { Message, Room, Topic, Hello, Enter, Leave, Quit, Private, Alive, Roster };
    Kind kind = Kind::Message;
    QString node; // the sender's random id: a server ignores its own events
    ChatMessage message; // Message (room, id, time, from, text, action)
    qint64 previous = 0; // Message
    QString room; // Room, Topic: the room's name
    QString text; // Topic
    QString by; // Topic
    QString time; // Topic, as on the wire
    QString name; // Enter, Leave, Quit: the user
    bool takeOver = false; // Enter of #general by a login: whoever holds the name elsewhere goes
    // Enter of #general: SHA-256 of the session's resume token, with which a
    // client whose server died takes its name over on another.
    QString session;
    bool account = false; // Enter of #general: logged in to an account
    // Private: message (from, to, text, time). Roster: each user of the
    // sender and the rooms it is in.
    QList<std::pair<QString, QStringList>> roster;

    QByteArray encode() const;
    // Nothing for bytes that are not an event of a known kind.
    static std::optional<ClusterEvent> decode(const QByteArray &bytes);
};
