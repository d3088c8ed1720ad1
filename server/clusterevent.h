// SPDX-License-Identifier: MIT
#pragma once

#include "chatmessage.h"
#include "roomrules.h"
#include "wire.h"

#include <QByteArray>
#include <QString>

#include <optional>

// What one server of a cluster tells the others through Redis. Once committed
// to the shared database: a room message with the id of the room's message
// before it (so that a receiver sees a gap), a new room, a topic. Live only:
// a hello from a server that was away (everyone then fills what it missed
// and sends its roster), a user entering or leaving a room or quitting,
// a private message, a server's heartbeat, and a room's moderation (its
// rules, stored by the sender, the announcement and whom it removes).
// docs/SCALING.md has the format.
struct ClusterEvent
{
    enum class Kind {
        Message,
        Room,
        Topic,
        Hello,
        Enter,
        Leave,
        Quit,
        Private,
        Alive,
        Roster,
        Rules
    };
    Kind kind = Kind::Message;
    QString node; // the sender's random id: a server ignores its own events
    ChatMessage message; // Message (room, id, time, from, text, action)
    qint64 previous = 0; // Message
    QString room; // Room, Topic, Rules: the room's name
    QString text; // Topic
    QString by; // Topic
    QString time; // Topic, as on the wire
    QString name; // Enter, Leave, Quit: the user; Rules: the one it removes from the room
    bool takeOver = false; // Enter of #general by a login: whoever holds the name elsewhere goes
    // Enter of #general: SHA-256 of the session's resume token, with which a
    // client whose server died takes its name over on another.
    QString session;
    bool account = false; // Enter of #general: logged in to an account
    // Enter of #general: when, in UTC milliseconds; of two guests given one
    // name at once on two servers, the earlier keeps it.
    qint64 joinedMs = 0;
    QString address; // Enter of #general by a guest: what a ban of it names
    // Private: message (from, to, text, time).
    // Roster: each user of the sender, as its Enter of #general says, and the
    // rooms it is in.
    struct Member
    {
        QString name;
        QStringList rooms;
        bool account = false;
        QString address;
        QString session;
        qint64 joinedMs = 0;
    };
    QList<Member> roster;
    RoomRules rules; // Rules
    std::optional<Wire::Moderated> announced; // Rules: none for the rules of a new room

    QByteArray encode() const;
    // Nothing for bytes that are not an event of a known kind.
    static std::optional<ClusterEvent> decode(const QByteArray &bytes);
};
