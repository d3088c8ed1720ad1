// SPDX-License-Identifier: MIT
#include "scrollbackbench.h"

#include "wirescan.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr int64_t NsPerSecond = 1000000000;
constexpr int64_t NsPerMs = 1000000;
constexpr size_t MaxLineBytes = 32 * 1024 * 1024;
// Messages sent but not yet seen stored: enough to keep the storage thread's
// group commits full, few enough that the server never queues seconds of them.
constexpr uint64_t FillWindow = 4000;
constexpr int FillBatch = 32; // lines per write by one sender

int64_t monotonicNs()
{
    timespec now {};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return int64_t(now.tv_sec) * NsPerSecond + now.tv_nsec;
}

std::string number(double value)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

std::string millis(int64_t ns)
{
    return number(double(ns) / 1e6);
}

uint64_t countOf(std::string_view text, std::string_view pattern)
{
    uint64_t count = 0;
    for (size_t at = text.find(pattern); at != std::string_view::npos;
         at = text.find(pattern, at + pattern.size())) {
        ++count;
    }
    return count;
}

} // namespace

ScrollbackBench::ScrollbackBench(const BenchOptions &options)
    : m_options(options), m_readBuffer(1024 * 1024)
{
    // Filling: the reading member plus --clients senders. Reading: --clients readers.
    m_clients.resize(size_t(options.clients + (options.scrollbackFill > 0 ? 1 : 0)));
}

ScrollbackBench::~ScrollbackBench()
{
    for (Client &client : m_clients) {
        if (client.fd >= 0)
            ::close(client.fd);
    }
    if (m_epoll >= 0)
        ::close(m_epoll);
}

bool ScrollbackBench::run(std::string *json, std::string *row, std::string *error)
{
    const bool filling = m_options.scrollbackFill > 0;
    const bool joined = connectAll(error);
    if (joined) {
        if (filling)
            fill();
        else
            read();
    }
    std::string text = "{\"label\":\"" + m_options.label + "\",\"server\":\"" + m_options.serverName
        + "\",\"mode\":\"" + (filling ? "scrollback_fill" : "scrollback_read") + "\",\"room\":\""
        + m_options.room + "\",\"clients\":" + std::to_string(m_options.clients)
        + ",\"payload_bytes\":" + std::to_string(m_options.payloadBytes) + ",\"failure\":\""
        + (joined ? m_failure : *error) + "\"";
    char line[512];
    if (filling) {
        const double rate = m_fillSeconds > 0 ? double(m_stored) / m_fillSeconds : 0;
        text += ",\"target\":" + std::to_string(m_options.scrollbackFill) + ",\"sent\":"
            + std::to_string(m_sent) + ",\"stored\":" + std::to_string(m_stored) + ",\"first_id\":"
            + std::to_string(m_firstId) + ",\"last_id\":" + std::to_string(m_lastId)
            + ",\"seconds\":" + number(m_fillSeconds) + ",\"stored_per_s\":" + number(rate) + "}";
        std::snprintf(line, sizeof line,
                      "%-22s %-13s fill: %llu of %llu messages stored in %.1f s (%.0f/s), ids "
                      "%lld-%lld %s\n",
                      m_options.label.c_str(), m_options.serverName.c_str(),
                      static_cast<unsigned long long>(m_stored),
                      static_cast<unsigned long long>(m_options.scrollbackFill), m_fillSeconds,
                      rate, static_cast<long long>(m_firstId), static_cast<long long>(m_lastId),
                      m_failure.c_str());
    } else {
        const double perPage = m_answered ? double(m_messagesReturned) / double(m_answered) : 0;
        text += ",\"first_id\":" + std::to_string(m_options.firstId)
            + ",\"last_id\":" + std::to_string(m_options.lastId) + ",\"limit\":"
            + std::to_string(m_options.historyLimit) + ",\"requests\":" + std::to_string(m_requests)
            + ",\"answered\":" + std::to_string(m_answered)
            + ",\"errors\":" + std::to_string(m_errors)
            + ",\"messages_per_page\":" + number(perPage) + ",\"seconds\":" + number(m_readSeconds)
            + ",\"latency_ms\":{\"p50\":" + millis(m_latency.percentile(0.5))
            + ",\"p99\":" + millis(m_latency.percentile(0.99)) + ",\"p99_9\":"
            + millis(m_latency.percentile(0.999)) + ",\"max\":" + millis(m_latency.max()) + "}}";
        std::snprintf(
            line, sizeof line,
            "%-22s %-13s history: %llu pages of %.1f before random ids in %lld-%lld, "
            "p50 %.2f p99 %.2f p99.9 %.2f max %.2f ms, %llu errors %s\n",
            m_options.label.c_str(), m_options.serverName.c_str(),
            static_cast<unsigned long long>(m_answered), perPage,
            static_cast<long long>(m_options.firstId), static_cast<long long>(m_options.lastId),
            double(m_latency.percentile(0.5)) / 1e6, double(m_latency.percentile(0.99)) / 1e6,
            double(m_latency.percentile(0.999)) / 1e6, double(m_latency.max()) / 1e6,
            static_cast<unsigned long long>(m_errors), m_failure.c_str());
    }
    *json = text;
    *row = line;
    return joined;
}

bool ScrollbackBench::connectAll(std::string *error)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) {
        *error = "epoll_create1 failed";
        return false;
    }
    sockaddr_in server {};
    server.sin_family = AF_INET;
    server.sin_port = htons(uint16_t(m_options.port));
    inet_pton(AF_INET, m_options.host.c_str(), &server.sin_addr);
    for (size_t i = 0; i < m_clients.size(); ++i) {
        Client &client = m_clients[i];
        // Blocking connect: a handful of members, then non-blocking for the traffic.
        client.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (client.fd < 0
            || ::connect(client.fd, reinterpret_cast<sockaddr *>(&server), sizeof server) != 0) {
            *error = std::string("connect: ") + std::strerror(errno);
            return false;
        }
        const int one = 1;
        setsockopt(client.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const int flags = fcntl(client.fd, F_GETFL);
        fcntl(client.fd, F_SETFL, flags | O_NONBLOCK);
        epoll_event event {};
        event.events = EPOLLIN;
        event.data.u32 = uint32_t(i);
        epoll_ctl(m_epoll, EPOLL_CTL_ADD, client.fd, &event);
        send(int(i),
             "{\"type\":\"join\",\"data\":\"h" + std::to_string(i)
                 + "\",\"protocol\":1,\"client\":\"pynet-bench\"}\n");
    }
    const int64_t deadline = monotonicNs() + 30 * NsPerSecond;
    while (!allEntered() && m_failure.empty() && monotonicNs() < deadline)
        pump(100 * NsPerMs);
    if (!allEntered()) {
        *error = m_failure.empty() ? "members did not enter " + m_options.room : m_failure;
        return false;
    }
    return true;
}

bool ScrollbackBench::allEntered() const
{
    return std::all_of(m_clients.begin(), m_clients.end(),
                       [](const Client &client) { return client.entered; });
}

void ScrollbackBench::fill()
{
    const std::string padding(size_t(m_options.payloadBytes), 'x');
    const uint64_t target = uint64_t(m_options.scrollbackFill);
    const int64_t start = monotonicNs();
    const int64_t limit = start + int64_t(m_options.fillMaxSeconds * NsPerSecond);
    int64_t nextProgress = start + 10 * NsPerSecond;
    int sender = 1;
    while (m_stored < target && m_failure.empty()) {
        const int64_t now = monotonicNs();
        if (now >= limit)
            break;
        // Keep FillWindow messages in flight, spread over the senders.
        while (m_sent < target && m_sent - m_stored < FillWindow) {
            Client &client = m_clients[size_t(sender)];
            if (client.outbox.size() > 256 * 1024)
                break; // the server is not reading this one: wait for it
            m_line.clear();
            for (int i = 0; i < FillBatch && m_sent < target; ++i, ++m_sent) {
                m_line.append("{\"type\":\"chat\",\"room\":\"")
                    .append(m_options.room)
                    .append("\",\"data\":\"s ")
                    .append(std::to_string(m_sent))
                    .append(" ")
                    .append(padding, 0, size_t(std::max(0, m_options.payloadBytes - 12)))
                    .append("\"}\n");
            }
            send(sender, m_line);
            sender = sender + 1 < int(m_clients.size()) ? sender + 1 : 1;
        }
        pump(10 * NsPerMs);
        if (now >= nextProgress) {
            std::fprintf(stderr, "[%s] %llu stored, %.0f/s\n", m_options.label.c_str(),
                         static_cast<unsigned long long>(m_stored),
                         double(m_stored) / (double(now - start) / NsPerSecond));
            nextProgress += 10 * NsPerSecond;
        }
    }
    m_fillSeconds = double(monotonicNs() - start) / NsPerSecond;
    if (m_stored < target && m_failure.empty())
        m_failure = "stopped at --fill-max-seconds";
}

void ScrollbackBench::read()
{
    const uint64_t total = uint64_t(m_options.historyRequests);
    const int64_t start = monotonicNs();
    const int64_t limit = start + 600 * NsPerSecond;
    for (size_t i = 0; i < m_clients.size() && m_requests < total; ++i)
        requestPage(int(i));
    while (m_answered < m_requests && m_failure.empty() && monotonicNs() < limit) {
        pump(100 * NsPerMs);
        for (size_t i = 0; i < m_clients.size() && m_requests < total; ++i) {
            if (!m_clients[i].waiting)
                requestPage(int(i));
        }
    }
    m_readSeconds = double(monotonicNs() - start) / NsPerSecond;
}

void ScrollbackBench::requestPage(int index)
{
    // xorshift64: uniform enough, and the same pages in every run.
    m_random ^= m_random << 13;
    m_random ^= m_random >> 7;
    m_random ^= m_random << 17;
    const int64_t span = std::max<int64_t>(1, m_options.lastId - m_options.firstId + 1);
    const int64_t before = m_options.firstId + 1 + int64_t(m_random % uint64_t(span));
    Client &client = m_clients[size_t(index)];
    client.waiting = true;
    client.requestNs = monotonicNs();
    ++m_requests;
    send(index,
         "{\"type\":\"history\",\"room\":\"" + m_options.room
             + "\",\"before\":" + std::to_string(before)
             + ",\"limit\":" + std::to_string(m_options.historyLimit) + "}\n");
}

void ScrollbackBench::pump(int64_t timeoutNs)
{
    epoll_event events[64];
    const int count = epoll_wait(m_epoll, events, 64, int(timeoutNs / NsPerMs));
    for (int i = 0; i < count; ++i) {
        const int index = int(events[i].data.u32);
        if (events[i].events & EPOLLOUT)
            flush(index);
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            onReadable(index);
    }
}

void ScrollbackBench::onReadable(int index)
{
    Client &client = m_clients[size_t(index)];
    while (client.fd >= 0) {
        const ssize_t length = ::read(client.fd, m_readBuffer.data(), m_readBuffer.size());
        if (length <= 0) {
            if (length < 0 && (errno == EAGAIN || errno == EINTR))
                return;
            if (m_failure.empty())
                m_failure = "member " + std::to_string(index) + " disconnected";
            ::close(client.fd);
            client.fd = -1;
            return;
        }
        const char *at = m_readBuffer.data();
        const char *end = at + length;
        while (at < end) {
            const char *newline =
                static_cast<const char *>(std::memchr(at, '\n', size_t(end - at)));
            if (!newline) {
                client.pending.append(at, size_t(end - at));
                if (client.pending.size() > MaxLineBytes)
                    m_failure = "line too long";
                break;
            }
            if (client.pending.empty()) {
                handleLine(index, std::string_view(at, size_t(newline - at)));
            } else {
                client.pending.append(at, size_t(newline - at));
                handleLine(index, client.pending);
                client.pending.clear();
            }
            at = newline + 1;
        }
    }
}

void ScrollbackBench::handleLine(int index, std::string_view line)
{
    Client &client = m_clients[size_t(index)];
    const std::string_view type = WireScan::topLevelString(line, "type");
    if (type == "message") {
        if (index == 0 && m_options.scrollbackFill > 0
            && WireScan::topLevelString(line, "room") == m_options.room) {
            const int64_t id = WireScan::integerField(line, "id", 0);
            m_firstId = m_stored == 0 ? id : std::min(m_firstId, id);
            m_lastId = std::max(m_lastId, id);
            ++m_stored;
        }
    } else if (type == "history") {
        if (client.waiting) {
            client.waiting = false;
            m_latency.record(monotonicNs() - client.requestNs);
            m_messagesReturned += countOf(line, "\"type\":\"message\"");
            ++m_answered;
        }
    } else if (type == "welcome") {
        send(index, "{\"type\":\"enter\",\"room\":\"" + m_options.room + "\"}\n");
    } else if (type == "room") {
        client.entered = true;
    } else if (type == "ping") {
        send(index,
             "{\"type\":\"pong\",\"id\":" + std::to_string(WireScan::integerField(line, "id", 0))
                 + "}\n");
    } else if (type == "error") {
        ++m_errors;
        if (m_failure.empty())
            m_failure = "server error " + std::string(WireScan::topLevelString(line, "code"));
        client.waiting = false;
    }
}

void ScrollbackBench::send(int index, std::string_view bytes)
{
    Client &client = m_clients[size_t(index)];
    if (client.fd < 0)
        return;
    client.outbox.append(bytes);
    flush(index);
}

void ScrollbackBench::flush(int index)
{
    Client &client = m_clients[size_t(index)];
    while (!client.outbox.empty() && client.fd >= 0) {
        const ssize_t written =
            ::send(client.fd, client.outbox.data(), client.outbox.size(), MSG_NOSIGNAL);
        if (written < 0) {
            if (errno != EAGAIN && errno != EINTR && m_failure.empty())
                m_failure = std::string("send: ") + std::strerror(errno);
            break;
        }
        client.outbox.erase(0, size_t(written));
    }
    epoll_event event {};
    event.events = EPOLLIN | (client.outbox.empty() ? 0u : uint32_t(EPOLLOUT));
    event.data.u32 = uint32_t(index);
    if (client.fd >= 0)
        epoll_ctl(m_epoll, EPOLL_CTL_MOD, client.fd, &event);
}
