// SPDX-License-Identifier: MIT
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

// A fixed number of threads that run jobs in order of arrival, with a bound on
// how many may wait. Plain std::thread and std::mutex, so that every hand-off
// is visible to ThreadSanitizer (Debian's Qt is not instrumented). Accounts run
// their database work on one, and their password hashing on another: a hash
// takes its memory (--hash-memory-kib) for as long as it runs, so how many run
// at once is the bound on that memory.
class WorkQueue
{
public:
    WorkQueue(int threads, int maxWaiting);
    ~WorkQueue(); // runs what is queued, then joins the threads

    WorkQueue(const WorkQueue &) = delete;
    WorkQueue &operator=(const WorkQueue &) = delete;

    // Any thread. False, and the job dropped, when maxWaiting jobs wait already.
    bool post(std::function<void()> job);
    // Any thread. Queues past the bound: for a job that finishes work begun.
    void postAlways(std::function<void()> job);

private:
    void run();

    const std::size_t m_maxWaiting;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_jobs;
    bool m_stopping = false;
    std::vector<std::thread> m_threads;
};
