// SPDX-License-Identifier: MIT
#pragma once

#include <QLatin1StringView>
#include <QtGlobal>

#include <array>
#include <atomic>
#include <cstddef>

// The server's counters for --metrics (issue #17), updated by any thread. Each
// update is one relaxed atomic add on a cache line of its own: no lock and no
// ordering on the message path. Counting always happens; --metrics only decides
// whether anyone may read them (MetricsServer). Nothing here holds a name or text.
class Metrics
{
public:
    enum class Counter {
        Joins, // successful joins
        MessagesReceived, // complete frames read from clients, rate-limited ones included
        MessagesDelivered, // room messages handed to members, one per recipient
        BytesReceived,
        BytesSent,
        SlowReadersDropped,
        RateLimited, // frames dropped by the rate limit
        Count
    };

    // Why a connection closed: a fixed set, so that a label never carries client text.
    enum class Close {
        Disconnected, // the client closed or reset its end
        JoinTimeout,
        IdleTimeout,
        FrameTooLarge,
        NestingTooDeep,
        SlowReader,
        Replaced, // the same user connected again
        Shutdown,
        ServerFull, // refused at accept, over --max-clients
        Other,
        Count
    };

    // Upper bounds of the commit latency buckets, in seconds.
    static constexpr std::array<double, 11> CommitBuckets = { 0.0005, 0.001, 0.0025, 0.005,
                                                              0.01,   0.025, 0.05,   0.1,
                                                              0.25,   0.5,   1 };

    static Metrics &instance();

    void add(Counter counter, quint64 amount = 1)
    {
        m_counters[std::size_t(counter)].value.fetch_add(amount, std::memory_order_relaxed);
    }
    quint64 value(Counter counter) const
    {
        return m_counters[std::size_t(counter)].value.load(std::memory_order_relaxed);
    }

    void countClose(Close reason)
    {
        m_closes[std::size_t(reason)].value.fetch_add(1, std::memory_order_relaxed);
    }
    quint64 closes(Close reason) const
    {
        return m_closes[std::size_t(reason)].value.load(std::memory_order_relaxed);
    }
    // The label value of a reason: "idle_timeout".
    static QLatin1StringView label(Close reason);
    // The reason for a close the session sends an error code for (Protocol::Code).
    static Close closeFor(QLatin1StringView code);

    // One group commit of the storage thread.
    void observeCommit(qint64 nanoseconds);
    struct Histogram
    {
        std::array<quint64, CommitBuckets.size() + 1> buckets {}; // per bucket, +Inf last
        quint64 count = 0; // the buckets' sum, so that +Inf always equals it
        double sumSeconds = 0;
    };
    Histogram commits() const;

    // Room messages the storage thread keeps while the database is away.
    void setStorageBacklog(qint64 messages)
    {
        m_storageBacklog.store(messages, std::memory_order_relaxed);
    }
    qint64 storageBacklog() const { return m_storageBacklog.load(std::memory_order_relaxed); }

private:
    Metrics() = default;

    // Threads counting different things must not share a cache line.
    struct alignas(64) Slot
    {
        std::atomic<quint64> value { 0 };
    };
    std::array<Slot, std::size_t(Counter::Count)> m_counters;
    std::array<Slot, std::size_t(Close::Count)> m_closes;
    std::array<Slot, CommitBuckets.size() + 1> m_commitBuckets; // only the storage thread adds
    Slot m_commitNanoseconds;
    alignas(64) std::atomic<qint64> m_storageBacklog { 0 };
};
