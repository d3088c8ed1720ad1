// SPDX-License-Identifier: MIT
#pragma once

#include "benchoptions.h"
#include "latencyhistogram.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// Stored history, in two runs against one database: --scrollback-fill fills a
// room as fast as the server stores it, --scrollback-read (after a restart)
// measures history requests for pages before random ids in it.
class ScrollbackBench
{
public:
    explicit ScrollbackBench(const BenchOptions &options);
    ~ScrollbackBench();
    ScrollbackBench(const ScrollbackBench &) = delete;
    ScrollbackBench &operator=(const ScrollbackBench &) = delete;

    // False with *error when the members could not join; the report is one JSON
    // object (*json) and one table line (*row) either way.
    bool run(std::string *json, std::string *row, std::string *error);

private:
    struct Client
    {
        int fd = -1;
        bool entered = false;
        bool waiting = false; // a history request is out
        int64_t requestNs = 0;
        std::string pending;
        std::string outbox;
    };

    bool connectAll(std::string *error);
    void fill();
    void read();
    void pump(int64_t timeoutNs);
    void onReadable(int index);
    void handleLine(int index, std::string_view line);
    void send(int index, std::string_view bytes);
    void flush(int index);
    void requestPage(int index);
    bool allEntered() const;

    const BenchOptions m_options;
    int m_epoll = -1;
    std::vector<Client> m_clients;
    std::vector<char> m_readBuffer;
    std::string m_line;
    uint64_t m_random = 0x9e3779b97f4a7c15ull;
    std::string m_failure; // the server's first error, or a disconnect

    // Fill: client 0 only reads; what it sees is stored ("delivered means durable").
    uint64_t m_sent = 0;
    uint64_t m_stored = 0;
    int64_t m_firstId = 0;
    int64_t m_lastId = 0;
    double m_fillSeconds = 0;

    // Read.
    uint64_t m_requests = 0;
    uint64_t m_answered = 0;
    uint64_t m_messagesReturned = 0;
    uint64_t m_errors = 0;
    double m_readSeconds = 0;
    LatencyHistogram m_latency;
};
