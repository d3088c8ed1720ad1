// SPDX-License-Identifier: MIT
#pragma once

#include "clusterlink.h"

#include <QString>

#include <memory>

class Hub;
class Storage;

// This server as one of several on one PostgreSQL database (--cluster): what
// it commits goes to the others through Redis, and what they commit reaches
// its hub, in each room's order, through its storage (Storage::setCluster()).
// docs/SCALING.md has the design.
class Cluster
{
public:
    // storage and hub outlive it; channel: what ids count in (the database's identity).
    Cluster(const ClusterLink::Settings &link, Storage *storage, Hub *hub);
    ~Cluster();

    // Before the storage closes: nothing arrives after it, and the last
    // commits are not published (the others read them from the database).
    void stop();

    QString node() const { return m_node; }
    const ClusterLink &link() const { return *m_link; }

private:
    const QString m_node; // random per start, so that a server skips its own events
    Storage *const m_storage;
    std::unique_ptr<ClusterLink> m_link;
};
