// SPDX-License-Identifier: MIT
#include "latencyhistogram.h"

#include <algorithm>
#include <cmath>

namespace {
constexpr int LinearBuckets = 256;
constexpr int SubBuckets = 128;
constexpr int BucketCount = LinearBuckets + 57 * SubBuckets;
} // namespace

LatencyHistogram::LatencyHistogram() : m_buckets(BucketCount, 0) { }

int LatencyHistogram::bucketOf(uint64_t value)
{
    if (value < LinearBuckets)
        return int(value);
    const int msb = 63 - __builtin_clzll(value);
    const int shift = msb - 7;
    const int top = int(value >> shift); // 128..255
    return LinearBuckets + (shift - 1) * SubBuckets + (top - SubBuckets);
}

int64_t LatencyHistogram::upperBoundOf(int bucket)
{
    if (bucket < LinearBuckets)
        return bucket;
    const int shift = (bucket - LinearBuckets) / SubBuckets + 1;
    const int64_t top = (bucket - LinearBuckets) % SubBuckets + SubBuckets;
    return ((top + 1) << shift) - 1;
}

void LatencyHistogram::record(int64_t value)
{
    const uint64_t v = value < 0 ? 0 : uint64_t(value);
    ++m_buckets[size_t(bucketOf(v))];
    ++m_count;
    m_max = std::max(m_max, int64_t(v));
}

void LatencyHistogram::clear()
{
    std::fill(m_buckets.begin(), m_buckets.end(), 0);
    m_count = 0;
    m_max = 0;
}

int64_t LatencyHistogram::percentile(double q) const
{
    if (m_count == 0)
        return 0;
    const uint64_t rank = std::max<uint64_t>(1, uint64_t(std::ceil(q * double(m_count))));
    uint64_t seen = 0;
    for (int bucket = 0; bucket < BucketCount; ++bucket) {
        seen += m_buckets[size_t(bucket)];
        if (seen >= rank)
            return std::min(upperBoundOf(bucket), m_max);
    }
    return m_max;
}
