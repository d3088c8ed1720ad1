// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

// What other threads may ask of a connection: the accepting thread starts and
// stops it, the hub replaces it, the accounts threads answer it. Each request is a queued call by
// slot name that carries no data (see OutboxOwner for why), run in the connection's own thread.
class ConnectionControl : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Any thread.
    void requestStart();
    void requestReplace();
    void requestShutdown();
    // The accounts threads answered (AccountReply holds the answer).
    void requestAccountAnswer();

protected Q_SLOTS:
    // The connection's first event in its new thread.
    virtual void start() = 0;
    // The same user joined again on another connection, which now has the
    // name; or another server gave it to someone at the same moment.
    virtual void replace() = 0;
    // The server is stopping: say so and close.
    virtual void shutdown() = 0;
    // A login, a check of a guest's name or a password change was answered.
    virtual void accountAnswered() = 0;
};
