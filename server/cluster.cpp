// SPDX-License-Identifier: MIT
#include "cluster.h"

#include "clusterevent.h"
#include "hub.h"
#include "storage.h"

#include <QRandomGenerator>

Cluster::Cluster(const ClusterLink::Settings &link, Storage *storage, Hub *hub)
    : m_node(QString::number(QRandomGenerator::system()->generate64(), 16)), m_storage(storage)
{
    bool joined = false; // the first subscription: a hello asks the others to look too
    m_link = std::make_unique<ClusterLink>(
        link,
        [this](const QByteArray &payload) {
            const std::optional<ClusterEvent> event = ClusterEvent::decode(payload);
            if (event && event->node != m_node)
                m_storage->receive(*event);
        },
        [this, joined]() mutable {
            // What the others said while this server was not listening is in
            // the database; what this one published meanwhile was dropped,
            // so they look too.
            m_storage->resync();
            ClusterEvent hello;
            hello.kind = ClusterEvent::Kind::Hello;
            hello.node = m_node;
            if (joined)
                m_link->publish(hello.encode());
            joined = true;
        });
    storage->setCluster(
        [this](const ClusterEvent &event) {
            ClusterEvent mine = event;
            mine.node = m_node;
            m_link->publish(mine.encode());
        },
        [hub](const ClusterEvent &event) { hub->remote(event); });
}

Cluster::~Cluster()
{
    stop();
}

void Cluster::stop()
{
    m_link->stop();
}
