// SPDX-License-Identifier: MIT
#pragma once

#include "clusterevent.h"
#include "clusterlink.h"

#include <QString>
#include <QTimer>

#include <chrono>
#include <memory>

class Hub;
class Storage;

// This server as one of several on one PostgreSQL database (--cluster): what
// it commits goes to the others through Redis, and what they commit reaches
// its hub, in each room's order, through its storage (Storage::setCluster()).
// Who is online travels live, hub to hub: each server says every third of
// presenceTimeout that it is alive, and a server silent for longer is taken
// to be gone, with its users. docs/SCALING.md has the design.
class Cluster
{
public:
    // storage and hub outlive it. Lives on the thread that makes it.
    Cluster(const ClusterLink::Settings &link, std::chrono::milliseconds presenceTimeout,
            Storage *storage, Hub *hub);
    ~Cluster();

    // Before the storage closes: nothing arrives after it, and the last
    // commits are not published (the others read them from the database).
    void stop();

    QString node() const { return m_node; }
    const ClusterLink &link() const { return *m_link; }

private:
    void publish(ClusterEvent event);

    const QString m_node; // random per start, so that a server skips its own events
    const std::chrono::milliseconds m_presenceTimeout;
    Storage *const m_storage;
    Hub *const m_hub;
    std::unique_ptr<ClusterLink> m_link;
    QTimer m_heartbeat;
};
