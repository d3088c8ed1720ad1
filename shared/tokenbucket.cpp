// SPDX-License-Identifier: MIT
#include "tokenbucket.h"

#include <algorithm>
#include <cmath>

TokenBucket::TokenBucket(double rate, double burst) : m_rate(rate), m_burst(burst), m_tokens(burst)
{
    m_clock.start();
}

void TokenBucket::refill()
{
    const qint64 now = m_clock.nsecsElapsed();
    m_tokens = std::min(m_burst, m_tokens + double(now - m_lastRefillNs) * m_rate / 1e9);
    m_lastRefillNs = now;
}

bool TokenBucket::take()
{
    refill();
    if (m_tokens < 1)
        return false;
    m_tokens -= 1;
    return true;
}

int TokenBucket::msUntilToken()
{
    refill();
    if (m_tokens >= 1 || m_rate <= 0)
        return 0;
    return int(std::ceil((1 - m_tokens) * 1000 / m_rate));
}
