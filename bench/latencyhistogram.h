// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

// A log-linear histogram of nanosecond values: exact below 256, then 128 buckets
// per power of two (under 0.8% error), so millions of samples cost a few KiB.
class LatencyHistogram
{
public:
    LatencyHistogram();

    void record(int64_t value);
    void clear();

    uint64_t count() const { return m_count; }
    int64_t max() const { return m_max; }
    // The smallest recorded bucket's upper bound that covers fraction q of samples.
    int64_t percentile(double q) const;

private:
    static int bucketOf(uint64_t value);
    static int64_t upperBoundOf(int bucket);

    std::vector<uint64_t> m_buckets;
    uint64_t m_count = 0;
    int64_t m_max = 0;
};
