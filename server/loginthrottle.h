// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QString>

#include <mutex>
#include <utility>

// Failed logins per account name and per peer address: a token bucket for
// each that holds failuresPerMinute and refills as many a minute. A login is
// tried only while both buckets hold a token, and takes one from both before
// it is checked (so that parallel guesses cannot all pass before the first
// fails); a login that succeeds gives them back. At most maxKeys buckets are
// kept: the full ones go first, since forgetting them changes nothing. Any
// thread. failuresPerMinute 0 throttles nothing.
class LoginThrottle
{
public:
    LoginThrottle(int failuresPerMinute, int maxKeys);

    // 0, with a token taken from both buckets: the login may be checked now.
    // Otherwise the seconds until it may, and nothing taken.
    int reserve(const QString &nameKey, const QString &address);
    // The login succeeded: its tokens go back.
    void release(const QString &nameKey, const QString &address);

private:
    struct Bucket
    {
        double tokens = 0;
        qint64 atMs = 0;
    };
    std::pair<Bucket *, Bucket *> buckets(const QString &nameKey, const QString &address,
                                          qint64 nowMs);
    double refilled(const Bucket &bucket, qint64 nowMs) const;
    void evict(qint64 nowMs);

    const double m_capacity;
    const double m_perMs;
    const int m_maxKeys;
    std::mutex m_mutex;
    QElapsedTimer m_clock;
    QHash<QString, Bucket> m_buckets;
};
