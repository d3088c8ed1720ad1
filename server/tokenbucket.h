// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>

// Classic token bucket: a client may send `burst` messages at once and `rate`
// per second after that. Lives on one connection's thread.
class TokenBucket
{
public:
    TokenBucket(double rate, double burst);

    // Takes one token; false when the bucket is empty.
    bool take();

private:
    QElapsedTimer m_clock;
    double m_rate;
    double m_burst;
    double m_tokens;
    qint64 m_lastRefillNs = 0;
};
