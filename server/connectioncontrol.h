// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

// What other threads may ask of a connection: the accepting thread starts and
// stops it, the hub replaces it. Each request is a queued call by slot name
// that carries no data (see OutboxOwner for why), run in the connection's
// own thread.
class ConnectionControl : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Any thread.
    void requestStart();
    void requestReplace();
    void requestShutdown();

protected Q_SLOTS:
    // The connection's first event in its new thread.
    virtual void start() = 0;
    // The same user joined again on another connection, which now has the name.
    virtual void replace() = 0;
    // The server is stopping: say so and close.
    virtual void shutdown() = 0;
};
