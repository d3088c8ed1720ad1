// SPDX-License-Identifier: MIT
#pragma once

#include <QMetaType>
#include <QString>

// What became of a line handed to ChatClient::send*(), for the front end to show.
// Everything but Sent and Queued means nothing went out; reason says why in
// words a person can read ("Not sent: ...").
struct SendResult
{
    enum class Status {
        Sent, // handed to the connection
        Queued, // held by the session until it is joined or the send rate allows
        NotConnected, // no session to send it on, or the queue is full
        InvalidText, // empty, too long or not sendable text
        Unsupported, // this server does not speak the part of the protocol needed
    };

    Status status = Status::Sent;
    QString reason; // empty for Sent and Queued
    quint64 id = 0; // the session's number for the line; names it in messageSent()/sendFailed()

    // Sent now or later: the line is the session's now.
    bool isAccepted() const { return status == Status::Sent || status == Status::Queued; }

    static SendResult sent(quint64 id);
    static SendResult queued(quint64 id);
    static SendResult failed(Status status, const QString &reason, quint64 id = 0);
};
Q_DECLARE_METATYPE(SendResult)
