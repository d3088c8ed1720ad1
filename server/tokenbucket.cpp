// SPDX-License-Identifier: MIT
#include "tokenbucket.h"

#include <algorithm>

TokenBucket::TokenBucket(double rate, double burst) : m_rate(rate), m_burst(burst), m_tokens(burst)
{
    m_clock.start();
}

bool TokenBucket::take()
{
    const qint64 now = m_clock.nsecsElapsed();
    m_tokens = std::min(m_burst, m_tokens + double(now - m_lastRefillNs) * m_rate / 1e9);
    m_lastRefillNs = now;
    if (m_tokens < 1)
        return false;
    m_tokens -= 1;
    return true;
}
