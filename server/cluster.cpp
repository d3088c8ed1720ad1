// SPDX-License-Identifier: MIT
#include "cluster.h"

#include "clusterevent.h"
#include "hub.h"
#include "storage.h"

#include <QLoggingCategory>
#include <QRandomGenerator>

namespace {
Q_LOGGING_CATEGORY(lcCluster, "pynet.cluster")
} // namespace

Cluster::Cluster(const ClusterLink::Settings &link, std::chrono::milliseconds presenceTimeout,
                 Storage *storage, Hub *hub)
    : m_node(QString::number(QRandomGenerator::system()->generate64(), 16))
    , m_presenceTimeout(presenceTimeout)
    , m_storage(storage)
    , m_hub(hub)
{
    m_link = std::make_unique<ClusterLink>(
        link,
        [this](const QByteArray &payload) {
            const std::optional<ClusterEvent> event = ClusterEvent::decode(payload);
            if (!event || event->node == m_node)
                return;
            switch (event->kind) {
            case ClusterEvent::Kind::Message:
            case ClusterEvent::Kind::Room:
            case ClusterEvent::Kind::Topic:
                m_storage->receive(*event); // in each room's order, with the database
                break;
            case ClusterEvent::Kind::Hello:
                // A server that was away: it reads what it missed, we read what
                // it published meanwhile, and it learns who is here.
                m_storage->receive(*event);
                m_hub->reloadRules(); // its moderation that did not reach us
                m_hub->presence(*event, m_presenceTimeout);
                publish(m_hub->roster());
                break;
            case ClusterEvent::Kind::Enter:
            case ClusterEvent::Kind::Leave:
            case ClusterEvent::Kind::Quit:
            case ClusterEvent::Kind::Private:
            case ClusterEvent::Kind::Alive:
            case ClusterEvent::Kind::Roster:
            case ClusterEvent::Kind::Rules:
                m_hub->presence(*event, m_presenceTimeout);
                break;
            }
        },
        [this]() {
            // Subscribed, at start or again: what the others said while this
            // server was not listening is in the database, and the hello asks
            // them for what it published meanwhile and for their rosters.
            m_storage->resync();
            m_hub->reloadRules();
            ClusterEvent hello;
            hello.kind = ClusterEvent::Kind::Hello;
            publish(hello);
            publish(m_hub->roster());
        });
    // Once the link exists: the storage thread may publish a commit (the
    // first #general of a new database) as soon as it is told to.
    hub->setClusterPublisher([this](const ClusterEvent &event) { publish(event); }, m_node);
    storage->setCluster([this](const ClusterEvent &event) { publish(event); },
                        [hub](const ClusterEvent &event) { hub->remote(event); });
    m_heartbeat.setInterval(std::max<qint64>(10, m_presenceTimeout.count() / 3));
    QObject::connect(&m_heartbeat, &QTimer::timeout, &m_heartbeat, [this] {
        ClusterEvent alive;
        alive.kind = ClusterEvent::Kind::Alive;
        publish(alive);
        for (const QString &node : m_hub->expireNodes())
            qCWarning(lcCluster).noquote()
                << QStringLiteral("node %1 silent for %2 ms: its users are gone")
                       .arg(node)
                       .arg(m_presenceTimeout.count());
    });
    m_heartbeat.start();
    m_link->start(); // its callbacks use m_link
}

Cluster::~Cluster()
{
    stop();
}

void Cluster::stop()
{
    m_heartbeat.stop();
    m_link->stop();
}

void Cluster::publish(ClusterEvent event)
{
    event.node = m_node;
    m_link->publish(event.encode());
}
