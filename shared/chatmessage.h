// SPDX-License-Identifier: MIT
#pragma once

#include "protocol.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

// One chat message as the server relays it: to the room, or privately to one user.
struct ChatMessage
{
    static constexpr QLatin1StringView Type = Protocol::Type::Message;
    qint64 id = 0; // 0 when the server gives none (a seed server)
    QDateTime time; // UTC; invalid when the server gives none
    QString from;
    QString to; // empty for a room
    QString room; // the room it was said in; empty for a private message (and from a seed server)
    QString text;
    bool action = false; // "/me waves"
    // A private message between two accounts, stored: its number in the
    // conversations' own sequence (not a room id, which catch-up counts).
    qint64 privateId = 0;

    bool isPrivate() const { return !to.isEmpty(); }

    // The relayed form: {"type":"message","id":..,"time":..,"room":..,"from":..,"data":..}.
    QJsonObject toJson() const;

    // Reads a "message" object; false with a reason when a required field is wrong.
    static bool fromJson(const QJsonObject &object, ChatMessage *message, QString *reason);
};
