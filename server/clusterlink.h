// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

class QThread;

// The live traffic between the servers of a cluster: Redis pub/sub on one
// channel, through hiredis and its Qt adapter, on a thread of its own. One
// connection publishes, one subscribes (a subscribed connection can do
// nothing else). Redis keeps nothing: what a server misses while its link is
// down, the storage fills from the shared database (Storage::resync()).
//
// Redis may stop answering without closing (a stopped or overloaded process):
// a PING every third of the timeout on the publishing connection, and no
// answer within the timeout, drops both connections and connects again.
// Publishes waiting for an answer are bounded; beyond it and while the link is
// down they are dropped, counted, and left to the others' gap filling.
class ClusterLink
{
public:
    struct Settings
    {
        QString host;
        quint16 port = 6379;
        QByteArray channel;
        std::chrono::milliseconds timeout { 3000 };
        int maxPending = 10000; // publishes not yet answered
    };

    // redis://HOST[:PORT]; false with a reason otherwise.
    static bool parseUrl(const QString &url, QString *host, quint16 *port, QString *error);

    // Called on the link's thread: each message of the channel, and each time
    // the subscription is (again) in place, when whoever relies on it must
    // look for what it missed.
    using Received = std::function<void(const QByteArray &payload)>;
    using Subscribed = std::function<void()>;

    ClusterLink(const Settings &settings, Received received, Subscribed subscribed);
    ~ClusterLink(); // stop()s

    // Connects, and keeps connecting: the callbacks may run from then on.
    void start();

    // Closes the connections and stops the thread: nothing is received after
    // it returns, and what is published then is dropped.
    void stop();

    ClusterLink(const ClusterLink &) = delete;
    ClusterLink &operator=(const ClusterLink &) = delete;

    // Any thread; in order.
    void publish(const QByteArray &payload);

    bool isUp() const { return m_up.load(std::memory_order_acquire); }
    qint64 dropped() const { return m_dropped.load(std::memory_order_relaxed); }
    QString displayName() const; // redis://host:port

    class Worker; // lives on m_thread, with the hiredis contexts

private:
    std::unique_ptr<QThread> m_thread;
    Worker *m_worker = nullptr;
    std::atomic<bool> m_up { false };
    std::atomic<qint64> m_dropped { 0 };
    const Settings m_settings;
};
