// SPDX-License-Identifier: MIT
#include "metrics.h"

#include "protocol.h"

Metrics &Metrics::instance()
{
    static Metrics metrics;
    return metrics;
}

QLatin1StringView Metrics::label(Close reason)
{
    switch (reason) {
    case Close::Disconnected:
        return QLatin1StringView("disconnected");
    case Close::JoinTimeout:
        return QLatin1StringView("join_timeout");
    case Close::IdleTimeout:
        return QLatin1StringView("idle_timeout");
    case Close::FrameTooLarge:
        return QLatin1StringView("frame_too_large");
    case Close::NestingTooDeep:
        return QLatin1StringView("nesting_too_deep");
    case Close::SlowReader:
        return QLatin1StringView("slow_reader");
    case Close::Replaced:
        return QLatin1StringView("replaced");
    case Close::Shutdown:
        return QLatin1StringView("shutdown");
    case Close::ServerFull:
        return QLatin1StringView("server_full");
    case Close::Other:
    case Close::Count:
        break;
    }
    return QLatin1StringView("other");
}

Metrics::Close Metrics::closeFor(QLatin1StringView code)
{
    using namespace Protocol;
    if (code == Code::JoinTimeout)
        return Close::JoinTimeout;
    if (code == Code::IdleTimeout)
        return Close::IdleTimeout;
    if (code == Code::FrameTooLarge)
        return Close::FrameTooLarge;
    if (code == Code::NestingTooDeep)
        return Close::NestingTooDeep;
    return Close::Other;
}

void Metrics::observeCommit(qint64 nanoseconds)
{
    const double seconds = double(nanoseconds) / 1e9;
    std::size_t bucket = 0;
    while (bucket < CommitBuckets.size() && seconds > CommitBuckets[bucket])
        ++bucket;
    m_commitBuckets[bucket].value.fetch_add(1, std::memory_order_relaxed);
    m_commitNanoseconds.value.fetch_add(quint64(qMax<qint64>(0, nanoseconds)),
                                        std::memory_order_relaxed);
}

Metrics::Histogram Metrics::commits() const
{
    Histogram histogram;
    for (std::size_t i = 0; i < m_commitBuckets.size(); ++i) {
        histogram.buckets[i] = m_commitBuckets[i].value.load(std::memory_order_relaxed);
        histogram.count += histogram.buckets[i];
    }
    histogram.sumSeconds = double(m_commitNanoseconds.value.load(std::memory_order_relaxed)) / 1e9;
    return histogram;
}
