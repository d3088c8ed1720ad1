// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

// Copies a SQLite database's write-ahead log into the database file from a
// thread and a connection of its own, every interval. With synchronous=NORMAL
// a commit writes the log without waiting for the disk; the fsync comes with
// the checkpoint. Run by the committing connection (SQLite's automatic
// checkpoint), that fsync stalled every delivery behind it; a PASSIVE
// checkpoint here lets commits go on meanwhile.
class SqliteCheckpointer
{
public:
    // Returns once the thread has opened its connection and made a first
    // checkpoint, so that the files it holds are open from the start.
    SqliteCheckpointer(const QString &path, std::chrono::milliseconds interval);
    ~SqliteCheckpointer(); // stops and waits for the thread
    SqliteCheckpointer(const SqliteCheckpointer &) = delete;
    SqliteCheckpointer &operator=(const SqliteCheckpointer &) = delete;

private:
    void run();

    const QString m_path;
    const std::chrono::milliseconds m_interval;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false; // under m_mutex
    bool m_started = false; // under m_mutex
    std::thread m_thread;
};
