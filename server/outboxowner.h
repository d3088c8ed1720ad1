// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

// What an Outbox may wake: the object in the connection's thread that writes
// what other threads could not. The wake-up is a queued call by slot name that
// carries no data, so ThreadSanitizer sees the hand-off through the Outbox's
// lock and not through Qt's, which it cannot see into.
class OutboxOwner : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Any thread: outboxReady() runs soon in this object's thread.
    void wakeForOutbox();

protected Q_SLOTS:
    // Queued data to write, or an overflow to act on.
    virtual void outboxReady() = 0;
};
