// SPDX-License-Identifier: MIT
#include "loginthrottle.h"

#include <algorithm>
#include <cmath>
#include <vector>

LoginThrottle::LoginThrottle(int failuresPerMinute, int maxKeys)
    : m_capacity(failuresPerMinute), m_perMs(failuresPerMinute / 60000.0), m_maxKeys(maxKeys)
{
    m_clock.start();
}

double LoginThrottle::refilled(const Bucket &bucket, qint64 nowMs) const
{
    return std::min(m_capacity, bucket.tokens + double(nowMs - bucket.atMs) * m_perMs);
}

// Both buckets, made or refilled; references that stay valid, as nothing is
// inserted after them.
std::pair<LoginThrottle::Bucket *, LoginThrottle::Bucket *>
LoginThrottle::buckets(const QString &nameKey, const QString &address, qint64 nowMs)
{
    const QString keys[] = { QLatin1String("name:") + nameKey, QLatin1String("addr:") + address };
    if (m_buckets.size() + 2 > m_maxKeys)
        evict(nowMs);
    for (const QString &key : keys) {
        auto it = m_buckets.find(key);
        if (it == m_buckets.end())
            it = m_buckets.insert(key, { m_capacity, nowMs });
        it->tokens = refilled(*it, nowMs);
        it->atMs = nowMs;
    }
    return { &m_buckets[keys[0]], &m_buckets[keys[1]] };
}

void LoginThrottle::evict(qint64 nowMs)
{
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        if (refilled(*it, nowMs) >= m_capacity)
            it = m_buckets.erase(it);
        else
            ++it;
    }
    if (m_buckets.size() < m_maxKeys)
        return;
    // Everyone is failing (an attack from many addresses): keep the newer half.
    std::vector<qint64> times;
    times.reserve(size_t(m_buckets.size()));
    for (const Bucket &bucket : std::as_const(m_buckets))
        times.push_back(bucket.atMs);
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    const qint64 median = times[times.size() / 2];
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        if (it->atMs <= median)
            it = m_buckets.erase(it);
        else
            ++it;
    }
}

int LoginThrottle::reserve(const QString &nameKey, const QString &address)
{
    if (m_capacity <= 0)
        return 0;
    std::lock_guard lock(m_mutex);
    const qint64 now = m_clock.elapsed();
    const auto [name, peer] = buckets(nameKey, address, now);
    const double fewest = std::min(name->tokens, peer->tokens);
    if (fewest < 1)
        return std::max(1, int(std::ceil((1 - fewest) / m_perMs / 1000)));
    name->tokens -= 1;
    peer->tokens -= 1;
    return 0;
}

void LoginThrottle::release(const QString &nameKey, const QString &address)
{
    if (m_capacity <= 0)
        return;
    std::lock_guard lock(m_mutex);
    const qint64 now = m_clock.elapsed();
    const auto [name, peer] = buckets(nameKey, address, now);
    name->tokens = std::min(m_capacity, name->tokens + 1);
    peer->tokens = std::min(m_capacity, peer->tokens + 1);
}
