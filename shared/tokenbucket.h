// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>

// Classic token bucket: `burst` messages at once and `rate` per second after
// that. The server limits each connection with one; the client session paces
// its own sends with one of the same shape, so it never trips the server's.
// Not thread-safe: lives on one thread.
class TokenBucket
{
public:
    TokenBucket(double rate, double burst);

    // Takes one token; false when the bucket is empty.
    bool take();

    // Milliseconds until take() can succeed; 0 when it can now.
    int msUntilToken();

private:
    void refill();

    QElapsedTimer m_clock;
    double m_rate;
    double m_burst;
    double m_tokens;
    qint64 m_lastRefillNs = 0;
};
