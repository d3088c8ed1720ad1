// SPDX-License-Identifier: MIT
#include "loadgenerator.h"

#include "processstats.h"
#include "wirescan.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr int64_t NsPerSecond = 1000000000;
constexpr int64_t NsPerMs = 1000000;
constexpr size_t ReadBufferBytes = 1024 * 1024;
constexpr size_t MaxLineBytes = 32 * 1024 * 1024; // a welcome with 10,000 names fits
constexpr int64_t SampleIntervalNs = 250 * NsPerMs;
const char *const SlowName = "slow";
const char *const IrcChannel = "#bench";

int64_t monotonicNs()
{
    timespec now {};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return int64_t(now.tv_sec) * NsPerSecond + now.tv_nsec;
}

std::string errnoName(int error)
{
    const char *name = strerrorname_np(error);
    return name ? name : std::to_string(error);
}

double seconds(int64_t ns)
{
    return double(ns) / double(NsPerSecond);
}

} // namespace

LoadGenerator::LoadGenerator(const BenchOptions &options)
    : m_options(options)
    , m_readBuffer(ReadBufferBytes)
    , m_padding(size_t(options.payloadBytes), 'x')
{
    const int total = options.clients + (options.slowConsumer ? 1 : 0);
    m_members.resize(size_t(total));
    if (options.rooms > 0) {
        for (int room = 0; room < options.rooms; ++room)
            m_roomNames.push_back("#r" + std::to_string(room));
    } else {
        // PyNet's chat without a room goes to its default room.
        m_roomNames.push_back(IrcChannel);
    }
    for (int i = 0; i < options.clients; ++i) {
        m_members[size_t(i)].name = "u" + std::to_string(i);
        m_members[size_t(i)].room = options.rooms > 0 ? i % options.rooms : 0;
    }
    if (options.slowConsumer) {
        m_slowIndex = options.clients;
        m_members[size_t(m_slowIndex)].name = SlowName;
        m_members[size_t(m_slowIndex)].slow = true;
    }
    m_senders = options.rates.empty() ? 0 : options.senders;
}

LoadGenerator::~LoadGenerator()
{
    for (Member &member : m_members) {
        SSL_free(member.tls);
        if (member.fd >= 0)
            ::close(member.fd);
    }
    SSL_CTX_free(m_tlsContext);
    if (m_epoll >= 0)
        ::close(m_epoll);
}

bool LoadGenerator::run(RunReport *report, std::string *error)
{
    if (m_options.tls) {
        // As the clients connect: TLS 1.2 or later; the benchmark's server certificate
        // is a throwaway one, so nothing is verified.
        m_tlsContext = SSL_CTX_new(TLS_client_method());
        if (!m_tlsContext) {
            *error = "SSL_CTX_new failed";
            return false;
        }
        SSL_CTX_set_min_proto_version(m_tlsContext, TLS1_2_VERSION);
        SSL_CTX_set_verify(m_tlsContext, SSL_VERIFY_NONE, nullptr);
        SSL_CTX_set_mode(m_tlsContext,
                         SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    }
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    if (m_epoll < 0) {
        *error = "epoll_create1: " + errnoName(errno);
        return false;
    }
    if (m_senders > 0) {
        m_nextSequence.assign(size_t(m_senders), 0);
        m_stepFirstSequence.assign(size_t(m_senders), 0);
        m_highestSeen.assign(m_members.size() * size_t(m_senders), 0);
        m_stepDelivered.assign(m_members.size(), 0);
    }
    report->label = m_options.label;
    report->serverName = m_options.serverName;
    report->protocol = m_options.dialect == Dialect::Irc ? "irc" : "chat";
    report->clients = int(m_members.size());
    report->payloadBytes = m_options.payloadBytes;
    report->connectRate = m_options.connectRate;
    report->maxPending = m_options.maxPending;
    report->sourceAddresses = m_options.sourceAddresses;

    connectPhase(report);
    settlePhase(report);
    if (m_options.hold > 0)
        holdPhase(report);
    for (const double rate : m_options.rates) {
        if (m_senders == 0)
            break;
        std::fprintf(stderr, "[%s] step: %d senders at %g msg/s for %g s\n",
                     m_options.label.c_str(), m_senders, rate, m_options.duration);
        report->steps.push_back(runStep(rate));
        // Let a server that fell behind catch up, so the next step starts clean.
        report->steps.back().catchUpSeconds = waitForQuiet();
    }
    report->failures = m_failures;
    report->serverErrors = m_serverErrors;
    report->bytesReceived = m_bytesReceived;
    return true;
}

void LoadGenerator::connectPhase(RunReport *report)
{
    const int total = int(m_members.size());
    const double interval = double(NsPerSecond) / m_options.connectRate;
    const double cpuBefore = ProcessStats::selfCpuSeconds();
    const double waitBefore = ProcessStats::runQueueWaitSeconds(getpid());
    const ProcessStats serverBefore = ProcessStats::read(m_options.serverPid);
    const int64_t start = monotonicNs();
    std::fprintf(stderr, "[%s] connecting %d members at %g/s\n", m_options.label.c_str(), total,
                 m_options.connectRate);
    int64_t deadline = INT64_MAX;
    int64_t nextConnect = start;
    const int maxPending = m_options.maxPending > 0 ? m_options.maxPending : total;
    while (true) {
        const int64_t now = monotonicNs();
        // A server that accepts slowly holds back the next connects instead of
        // letting them pile up in SYN retries; a burst after a stall is capped.
        nextConnect = std::max(nextConnect, now - 10 * NsPerMs);
        for (int batch = 0; m_connectsStarted < total && batch < 256 && nextConnect <= now
             && m_connectsStarted - m_settled < maxPending;
             ++batch) {
            startConnect(m_connectsStarted++, now);
            nextConnect += int64_t(interval);
        }
        if (m_options.connectMax > 0 && m_connectsStarted < total
            && now - start >= int64_t(m_options.connectMax * NsPerSecond)) {
            // A server that admits too slowly: give up on the members not started yet.
            m_failures["not attempted: connect phase over"] += total - m_connectsStarted;
            m_settled += total - m_connectsStarted;
            m_notAttempted = total - m_connectsStarted;
            m_connectsStarted = total;
        }
        if (m_connectsStarted == total && deadline == INT64_MAX)
            deadline = now + int64_t(m_options.joinTimeout * NsPerSecond);
        if (m_settled >= total || now >= deadline)
            break;
        const int64_t next = m_connectsStarted < total && m_connectsStarted - m_settled < maxPending
            ? nextConnect
            : now + 100 * NsPerMs;
        pump(std::min(next, deadline));
    }
    for (int i = 0; i < total; ++i) {
        const State state = m_members[size_t(i)].state;
        if (state == State::Connecting)
            closeMember(i, "timeout while connecting");
        else if (state == State::Handshaking)
            closeMember(i, "timeout in the TLS handshake");
        else if (state == State::Registering || state == State::Joining)
            closeMember(i, "timeout while joining");
        else if (state == State::Entering)
            closeMember(i, "timeout while entering the room");
    }
    const int64_t end = monotonicNs();
    const ProcessStats serverAfter = ProcessStats::read(m_options.serverPid);
    report->joined = membersIn(State::Joined);
    report->failed = membersIn(State::Failed) + m_notAttempted;
    report->connectSeconds = seconds((m_lastJoinNs ? m_lastJoinNs : end) - start);
    report->joinP50Ns = m_joinLatency.percentile(0.50);
    report->joinP99Ns = m_joinLatency.percentile(0.99);
    report->joinMaxNs = m_joinLatency.max();
    report->generatorCpuJoin = (ProcessStats::selfCpuSeconds() - cpuBefore) / seconds(end - start);
    report->generatorWaitingJoin =
        (ProcessStats::runQueueWaitSeconds(getpid()) - waitBefore) / seconds(end - start);
    if (serverBefore.valid && serverAfter.valid)
        report->serverCpuJoin =
            (serverAfter.cpuSeconds - serverBefore.cpuSeconds) / seconds(end - start);
    std::fprintf(stderr, "[%s] joined %d, failed %d in %.1f s; join p99 %.1f ms\n",
                 m_options.label.c_str(), report->joined, report->failed, report->connectSeconds,
                 double(report->joinP99Ns) / 1e6);
}

void LoadGenerator::settlePhase(RunReport *report)
{
    report->settleSeconds = waitForQuiet();
    report->serverJoined = ProcessStats::read(m_options.serverPid);
}

double LoadGenerator::waitForQuiet()
{
    const int64_t start = monotonicNs();
    const int64_t quiet = int64_t(m_options.settleQuietMs * NsPerMs);
    const int64_t limit = start + int64_t(m_options.settleMax * NsPerSecond);
    int64_t now = start;
    while (now < limit && (now - std::max(m_lastReceiveNs, start)) < quiet) {
        pump(std::min(limit, now + 50 * NsPerMs));
        now = monotonicNs();
    }
    return seconds(std::max(m_lastReceiveNs, start) - start);
}

void LoadGenerator::holdPhase(RunReport *report)
{
    m_phaseRssMax = 0;
    m_phaseThreadsMax = 0;
    const int64_t start = monotonicNs();
    const int64_t end = start + int64_t(m_options.hold * NsPerSecond);
    std::fprintf(stderr, "[%s] holding for %g s\n", m_options.label.c_str(), m_options.hold);
    for (int64_t now = start; now < end; now = monotonicNs())
        pump(end);
    sampleServer(INT64_MAX);
    report->holdSeconds = seconds(monotonicNs() - start);
    report->heldAtEnd = 0;
    for (const Member &member : m_members)
        report->heldAtEnd += member.state == State::Joined && !member.slow ? 1 : 0;
    report->holdRssKbMax = m_phaseRssMax;
    report->holdThreadsMax = m_phaseThreadsMax;
}

StepReport LoadGenerator::runStep(double rate)
{
    StepReport step;
    step.rate = rate;
    step.senders = m_senders;
    step.slowPresent = m_slowIndex >= 0;
    for (int sender = 0; sender < m_senders; ++sender)
        m_stepFirstSequence[size_t(sender)] = m_nextSequence[size_t(sender)];
    std::fill(m_stepDelivered.begin(), m_stepDelivered.end(), 0);
    m_stepDeliveredInWindow = 0;
    m_stepOutOfOrder = 0;
    m_stepGaps = 0;
    m_stepMisrouted = 0;
    const uint64_t readsBefore = m_reads;
    m_stepLate = 0;
    m_stepDisconnects = 0;
    m_latency.clear();
    m_crossLatency.clear();
    m_sendLag.clear();
    m_phaseRssMax = 0;
    m_phaseThreadsMax = 0;

    const double cpuBefore = ProcessStats::selfCpuSeconds();
    const double waitBefore = ProcessStats::runQueueWaitSeconds(getpid());
    const double serverWaitBefore = ProcessStats::runQueueWaitSeconds(m_options.serverPid);
    const ProcessStats serverBefore = ProcessStats::read(m_options.serverPid);
    const double interval = double(NsPerSecond) / (rate * m_senders);
    const int64_t start = monotonicNs();
    m_stepStartNs = start;
    m_windowEndNs = start + int64_t(m_options.duration * NsPerSecond);
    m_stepActive = true;
    uint64_t scheduled = 0;
    while (true) {
        int64_t now = monotonicNs();
        if (m_options.stopAfterDrop >= 0 && m_slowDroppedNs
            && now >= m_slowDroppedNs + int64_t(m_options.stopAfterDrop * NsPerSecond)) {
            m_windowEndNs = now;
        }
        if (now >= m_windowEndNs)
            break;
        for (int batch = 0; batch < 1000; ++batch) {
            const int64_t due = start + int64_t(double(scheduled) * interval);
            if (due > now)
                break;
            const int sender = int(scheduled % uint64_t(m_senders));
            ++scheduled;
            if (m_members[size_t(sender)].state != State::Joined)
                continue;
            m_sendLag.record(now - due);
            sendMeasured(sender);
        }
        pump(std::min(start + int64_t(double(scheduled) * interval), m_windowEndNs));
    }
    step.seconds = seconds(m_windowEndNs - start);

    const int64_t drainStart = monotonicNs();
    const int64_t drainEnd = drainStart + int64_t(m_options.drainMax * NsPerSecond);
    int receivers = 0;
    for (int64_t now = drainStart; now < drainEnd; now = monotonicNs()) {
        if (deliveredToLiveReceivers() >= expectedDeliveries(&receivers))
            break;
        pump(std::min(drainEnd, now + 20 * NsPerMs));
    }
    const int64_t end = monotonicNs();
    m_stepActive = false;
    sampleServer(INT64_MAX);

    step.drainSeconds = seconds(end - drainStart);
    for (int sender = 0; sender < m_senders; ++sender)
        step.sent += m_nextSequence[size_t(sender)] - m_stepFirstSequence[size_t(sender)];
    step.expected = expectedDeliveries(&receivers);
    step.receivers = receivers;
    step.delivered = deliveredToLiveReceivers();
    step.deliveredInWindow = m_stepDeliveredInWindow;
    step.outOfOrder = m_stepOutOfOrder;
    step.gaps = m_stepGaps;
    step.misrouted = m_stepMisrouted;
    step.offeredPerSecond = offeredPerSecond(rate);
    step.reads = m_reads - readsBefore;
    step.late = m_stepLate;
    step.latencyP50Ns = m_latency.percentile(0.50);
    step.latencyP99Ns = m_latency.percentile(0.99);
    step.latencyP999Ns = m_latency.percentile(0.999);
    step.latencyMaxNs = m_latency.max();
    step.crossDelivered = m_crossLatency.count();
    step.crossP50Ns = m_crossLatency.percentile(0.50);
    step.crossP99Ns = m_crossLatency.percentile(0.99);
    step.sendLagP99Ns = m_sendLag.percentile(0.99);
    step.sendLagMaxNs = m_sendLag.max();
    step.generatorCpu = (ProcessStats::selfCpuSeconds() - cpuBefore) / seconds(end - start);
    step.generatorWaiting =
        (ProcessStats::runQueueWaitSeconds(getpid()) - waitBefore) / seconds(end - start);
    if (m_options.serverPid > 0) {
        step.serverWaiting =
            (ProcessStats::runQueueWaitSeconds(m_options.serverPid) - serverWaitBefore)
            / seconds(end - start);
    }
    step.loadAverage = ProcessStats::loadAverage();
    const ProcessStats serverAfter = ProcessStats::read(m_options.serverPid);
    if (serverBefore.valid && serverAfter.valid)
        step.serverCpu = (serverAfter.cpuSeconds - serverBefore.cpuSeconds) / seconds(end - start);
    step.serverRssKbMax = m_phaseRssMax;
    step.serverThreadsMax = m_phaseThreadsMax;
    step.disconnects = m_stepDisconnects;
    step.slowDropped = m_slowDroppedNs != 0;
    step.slowDroppedAfter = m_slowDroppedNs ? seconds(m_slowDroppedNs - start) : 0;
    step.slowUnreadBytes = m_slowUnreadAtDrop;
    step.slowOwedBytes = m_slowDroppedNs ? m_slowOwedAtDrop : slowOwedBytes();
    std::fprintf(stderr,
                 "[%s] sent %llu, delivered %llu of %llu, p99 %.2f ms, generator cpu %.2f\n",
                 m_options.label.c_str(), static_cast<unsigned long long>(step.sent),
                 static_cast<unsigned long long>(step.delivered),
                 static_cast<unsigned long long>(step.expected), double(step.latencyP99Ns) / 1e6,
                 step.generatorCpu);
    return step;
}

uint64_t LoadGenerator::expectedDeliveries(int *receivers) const
{
    // A message is owed to every other reading member of its sender's room.
    std::vector<uint64_t> sentToRoom(m_roomNames.size(), 0);
    for (int sender = 0; sender < m_senders; ++sender) {
        sentToRoom[size_t(m_members[size_t(sender)].room)] +=
            m_nextSequence[size_t(sender)] - m_stepFirstSequence[size_t(sender)];
    }
    uint64_t expected = 0;
    *receivers = 0;
    for (size_t i = 0; i < m_members.size(); ++i) {
        const Member &member = m_members[i];
        if (member.slow || member.state != State::Joined)
            continue;
        ++*receivers;
        const uint64_t own = int(i) < m_senders ? m_nextSequence[i] - m_stepFirstSequence[i] : 0;
        expected += sentToRoom[size_t(member.room)] - own;
    }
    return expected;
}

double LoadGenerator::offeredPerSecond(double rate) const
{
    std::vector<int> readers(m_roomNames.size(), 0);
    for (const Member &member : m_members) {
        if (!member.slow && member.state == State::Joined)
            ++readers[size_t(member.room)];
    }
    double offered = 0;
    for (int sender = 0; sender < m_senders; ++sender) {
        const Member &member = m_members[size_t(sender)];
        if (member.state == State::Joined)
            offered += rate * std::max(0, readers[size_t(member.room)] - 1);
    }
    return offered;
}

uint64_t LoadGenerator::deliveredToLiveReceivers() const
{
    uint64_t delivered = 0;
    for (size_t i = 0; i < m_members.size(); ++i) {
        if (!m_members[i].slow && m_members[i].state == State::Joined)
            delivered += m_stepDelivered[i];
    }
    return delivered;
}

int LoadGenerator::membersIn(State state) const
{
    return int(std::count_if(m_members.begin(), m_members.end(),
                             [state](const Member &member) { return member.state == state; }));
}

void LoadGenerator::pump(int64_t deadlineNs)
{
    const int64_t now = monotonicNs();
    const int64_t wait = std::clamp<int64_t>(deadlineNs - now, 0, 100 * NsPerMs);
    const timespec timeout { time_t(wait / NsPerSecond), long(wait % NsPerSecond) };
    epoll_event events[512];
    const int count = epoll_pwait2(m_epoll, events, 512, &timeout, nullptr);
    for (int i = 0; i < count; ++i) {
        const int index = int(events[i].data.u32);
        Member &member = m_members[size_t(index)];
        const uint32_t happened = events[i].events;
        if (member.fd < 0)
            continue;
        if (member.state == State::Connecting) {
            onWritable(index);
            continue;
        }
        if (member.state == State::Handshaking) {
            continueHandshake(index);
            continue;
        }
        if (member.events == 0) {
            // The slow member is not read: a hang-up is all it can report.
            closeMember(index, "hangup while not reading");
            continue;
        }
        if (happened & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
            onReadable(index);
        if (member.fd >= 0 && (happened & EPOLLOUT))
            onWritable(index);
    }
    sampleServer(monotonicNs());
}

void LoadGenerator::sampleServer(int64_t nowNs)
{
    if (m_options.serverPid <= 0 || (nowNs < m_nextSampleNs && nowNs != INT64_MAX))
        return;
    m_nextSampleNs = monotonicNs() + SampleIntervalNs;
    const ProcessStats stats = ProcessStats::read(m_options.serverPid);
    m_phaseRssMax = std::max(m_phaseRssMax, stats.rssKb);
    m_phaseThreadsMax = std::max(m_phaseThreadsMax, stats.threads);
}

void LoadGenerator::startConnect(int index, int64_t nowNs)
{
    Member &member = m_members[size_t(index)];
    member.connectStartNs = nowNs;
    member.state = State::Connecting;
    member.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (member.fd < 0) {
        closeMember(index, "socket: " + errnoName(errno));
        return;
    }
    const int one = 1;
    setsockopt(member.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (member.slow) {
        setsockopt(member.fd, SOL_SOCKET, SO_RCVBUF, &m_options.slowReceiveBuffer,
                   sizeof m_options.slowReceiveBuffer);
    }
    if (m_options.sourceAddresses > 0) {
        // The port is picked at connect() time, per destination, so each source
        // address gets its own ephemeral range.
        setsockopt(member.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        sockaddr_in source {};
        source.sin_family = AF_INET;
        source.sin_addr.s_addr =
            htonl((127u << 24) + 2u + uint32_t(index % m_options.sourceAddresses));
        if (::bind(member.fd, reinterpret_cast<sockaddr *>(&source), sizeof source) != 0) {
            closeMember(index, "bind: " + errnoName(errno));
            return;
        }
    }
    sockaddr_in server {};
    server.sin_family = AF_INET;
    server.sin_port = htons(uint16_t(m_options.ports[size_t(index) % m_options.ports.size()]));
    inet_pton(AF_INET, m_options.host.c_str(), &server.sin_addr);
    if (::connect(member.fd, reinterpret_cast<sockaddr *>(&server), sizeof server) == 0) {
        watch(index, EPOLLIN);
        onConnected(index);
    } else if (errno == EINPROGRESS) {
        watch(index, EPOLLOUT);
    } else {
        closeMember(index, "connect: " + errnoName(errno));
    }
}

void LoadGenerator::onConnected(int index)
{
    Member &member = m_members[size_t(index)];
    watch(index, EPOLLIN);
    if (m_tlsContext) {
        member.tls = SSL_new(m_tlsContext);
        SSL_set_fd(member.tls, member.fd);
        SSL_set_connect_state(member.tls);
        member.state = State::Handshaking;
        continueHandshake(index);
        return;
    }
    sendJoin(index);
}

void LoadGenerator::continueHandshake(int index)
{
    Member &member = m_members[size_t(index)];
    const int result = SSL_do_handshake(member.tls);
    if (result == 1) {
        watch(index, EPOLLIN);
        sendJoin(index);
        return;
    }
    switch (SSL_get_error(member.tls, result)) {
    case SSL_ERROR_WANT_READ:
        watch(index, EPOLLIN);
        return;
    case SSL_ERROR_WANT_WRITE:
        watch(index, EPOLLOUT);
        return;
    default:
        closeMember(index, "TLS handshake failed");
        return;
    }
}

ssize_t LoadGenerator::transportSend(Member &member, const char *data, size_t size)
{
    if (!member.tls)
        return ::send(member.fd, data, size, MSG_NOSIGNAL);
    const int written = SSL_write(member.tls, data, int(std::min<size_t>(size, INT32_MAX)));
    if (written > 0)
        return written;
    const int error = SSL_get_error(member.tls, written);
    errno = error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ ? EAGAIN : EPIPE;
    return -1;
}

ssize_t LoadGenerator::transportRead(Member &member, char *data, size_t size)
{
    if (!member.tls)
        return ::read(member.fd, data, size);
    const int length = SSL_read(member.tls, data, int(std::min<size_t>(size, INT32_MAX)));
    if (length > 0)
        return length;
    const int error = SSL_get_error(member.tls, length);
    if (error == SSL_ERROR_ZERO_RETURN)
        return 0;
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        errno = EAGAIN;
        return -1;
    }
    if (error == SSL_ERROR_SYSCALL && errno == 0)
        return 0; // closed without close_notify
    // OpenSSL 3 reports a peer that closed without close_notify as a protocol
    // error: it is the server dropping the connection, and counted as a close.
    if (error == SSL_ERROR_SSL
        && ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ERR_clear_error();
        return 0;
    }
    errno = error == SSL_ERROR_SYSCALL ? errno : EPROTO;
    return -1;
}

void LoadGenerator::sendJoin(int index)
{
    Member &member = m_members[size_t(index)];
    if (m_options.dialect == Dialect::Irc) {
        member.state = State::Registering;
        send(index, "NICK " + member.name + "\r\nUSER " + member.name + " 0 * :bench\r\n");
    } else {
        member.state = State::Joining;
        send(index, "{\"type\":\"join\",\"data\":\"" + member.name + "\",\"protocol\":1}\n");
    }
}

void LoadGenerator::onWritable(int index)
{
    Member &member = m_members[size_t(index)];
    if (member.state == State::Connecting) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(member.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0)
            closeMember(index, "connect: " + errnoName(error));
        else
            onConnected(index);
        return;
    }
    while (!member.outbox.empty()) {
        const ssize_t written = transportSend(member, member.outbox.data(), member.outbox.size());
        if (written < 0) {
            if (errno == EAGAIN || errno == EINTR)
                return;
            closeMember(index, "send: " + errnoName(errno));
            return;
        }
        member.outbox.erase(0, size_t(written));
    }
    watch(index, member.slow && member.state == State::Joined ? 0u : uint32_t(EPOLLIN));
}

void LoadGenerator::onReadable(int index)
{
    Member &member = m_members[size_t(index)];
    // A TLS read returns one record (16 KiB at most): more rounds for the same bytes.
    const int rounds = member.tls ? 64 : 4;
    for (int round = 0; round < rounds && member.fd >= 0; ++round) {
        const ssize_t length = transportRead(member, m_readBuffer.data(), m_readBuffer.size());
        if (length > 0) {
            const int64_t now = monotonicNs();
            m_bytesReceived += uint64_t(length);
            ++m_reads;
            member.bytesReceived += uint64_t(length);
            m_lastReceiveNs = now;
            consume(index, m_readBuffer.data(), size_t(length), now);
            if (!member.tls && size_t(length) < m_readBuffer.size())
                return;
        } else if (length == 0) {
            closeMember(index, "closed by server");
            return;
        } else if (errno == EAGAIN || errno == EINTR) {
            return;
        } else {
            closeMember(index, "read: " + errnoName(errno));
            return;
        }
    }
}

void LoadGenerator::consume(int index, const char *data, size_t length, int64_t nowNs)
{
    Member &member = m_members[size_t(index)];
    const char *at = data;
    const char *end = data + length;
    if (!member.pending.empty()) {
        const char *newline = static_cast<const char *>(std::memchr(at, '\n', size_t(end - at)));
        if (!newline) {
            member.pending.append(at, size_t(end - at));
            if (member.pending.size() > MaxLineBytes)
                closeMember(index, "line too long");
            return;
        }
        member.pending.append(at, size_t(newline - at));
        handleLine(index, member.pending, nowNs);
        // Welcomes can be large: do not keep their buffer for every member.
        if (member.pending.capacity() > 64 * 1024)
            std::string().swap(member.pending);
        else
            member.pending.clear();
        at = newline + 1;
    }
    while (at < end && member.fd >= 0) {
        const char *newline = static_cast<const char *>(std::memchr(at, '\n', size_t(end - at)));
        if (!newline) {
            member.pending.assign(at, size_t(end - at));
            return;
        }
        handleLine(index, std::string_view(at, size_t(newline - at)), nowNs);
        at = newline + 1;
    }
}

void LoadGenerator::handleLine(int index, std::string_view line, int64_t nowNs)
{
    if (m_options.dialect == Dialect::Irc)
        handleIrcLine(index, line, nowNs);
    else
        handleChatLine(index, line, nowNs);
}

void LoadGenerator::handleChatLine(int index, std::string_view line, int64_t nowNs)
{
    Member &member = m_members[size_t(index)];
    const std::string_view type = WireScan::topLevelString(line, "type");
    if (type == "message") {
        if (member.state == State::Joined)
            onDelivery(index, WireScan::stampedData(line), nowNs);
    } else if (type == "presence") {
        if (WireScan::topLevelString(line, "event") == "leave")
            onMemberLeft(WireScan::topLevelString(line, "name"), nowNs);
    } else if (type == "welcome") {
        if (member.state == State::Joining && m_options.rooms > 0) {
            member.state = State::Entering;
            send(index,
                 "{\"type\":\"enter\",\"room\":\"" + m_roomNames[size_t(member.room)] + "\"}\n");
        } else if (member.state == State::Joining) {
            onJoined(index, nowNs);
        }
    } else if (type == "room") {
        if (member.state == State::Entering)
            onJoined(index, nowNs);
    } else if (type == "ping") {
        send(index,
             "{\"type\":\"pong\",\"id\":" + std::to_string(WireScan::integerField(line, "id", 0))
                 + "}\n");
    } else if (type == "error") {
        const std::string code(WireScan::topLevelString(line, "code"));
        ++m_serverErrors[code.empty() ? std::string("error") : code];
        member.lastError = code;
        if (member.state == State::Joining || member.state == State::Entering)
            closeMember(index, "join refused: " + code);
    }
}

void LoadGenerator::handleIrcLine(int index, std::string_view line, int64_t nowNs)
{
    Member &member = m_members[size_t(index)];
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    if (line.substr(0, 5) == "PING ") {
        send(index, "PONG " + std::string(line.substr(5)) + "\r\n");
        return;
    }
    const WireScan::IrcLine parsed = WireScan::parseIrc(line);
    if (parsed.command == "PRIVMSG") {
        if (member.state == State::Joined)
            onDelivery(index, parsed.trailing, nowNs);
    } else if (parsed.command == "QUIT") {
        onMemberLeft(parsed.nick, nowNs);
    } else if (parsed.command == "001") {
        if (member.state == State::Registering) {
            member.state = State::Joining;
            // InspIRCd ignores a JOIN sent before registration completes.
            send(index, "JOIN " + m_roomNames[size_t(member.room)] + "\r\n");
        }
    } else if (parsed.command == "366") {
        if (member.state == State::Joining)
            onJoined(index, nowNs);
    } else if (parsed.command == "ERROR") {
        member.lastError = std::string(parsed.trailing);
    } else if (parsed.command.size() == 3 && (parsed.command[0] == '4' || parsed.command[0] == '5')
               && parsed.command != "422") { // 422: no MOTD, harmless
        const std::string code = "irc " + std::string(parsed.command);
        ++m_serverErrors[code];
        member.lastError = code + " " + std::string(parsed.trailing);
        if (member.state == State::Registering || member.state == State::Joining)
            closeMember(index, "join refused: " + code);
    }
}

void LoadGenerator::onJoined(int index, int64_t nowNs)
{
    Member &member = m_members[size_t(index)];
    member.state = State::Joined;
    m_joinLatency.record(nowNs - member.connectStartNs);
    m_lastJoinNs = nowNs;
    ++m_settled;
    if (member.slow) {
        m_referenceBytesAtSlowJoin = m_members[0].bytesReceived;
        if (member.outbox.empty())
            watch(index, 0);
    }
}

uint64_t LoadGenerator::slowOwedBytes() const
{
    // Everyone is sent the same room traffic, so what a reading member received
    // since the slow one stopped reading is about what the slow one is owed.
    if (m_slowIndex < 0 || m_members[0].state != State::Joined)
        return 0;
    return m_members[0].bytesReceived - m_referenceBytesAtSlowJoin;
}

void LoadGenerator::onDelivery(int index, std::string_view text, int64_t nowNs)
{
    WireScan::Stamp stamp;
    if (!m_stepActive || !WireScan::parseStamp(text, &stamp)
        || stamp.sender >= uint32_t(m_senders)) {
        return;
    }
    if (m_members[stamp.sender].room != m_members[size_t(index)].room) {
        ++m_stepMisrouted; // relayed into a room its sender is not in
        return;
    }
    uint32_t &highest = m_highestSeen[size_t(index) * size_t(m_senders) + stamp.sender];
    if (stamp.sequence < highest) {
        ++m_stepOutOfOrder;
    } else {
        // Sequence numbers of this step skipped: messages this member never got.
        const uint32_t next = std::max(highest, m_stepFirstSequence[stamp.sender]);
        if (stamp.sequence > next)
            m_stepGaps += stamp.sequence - next;
        highest = stamp.sequence + 1;
    }
    if (stamp.sequence < m_stepFirstSequence[stamp.sender]) {
        ++m_stepLate;
        return;
    }
    ++m_stepDelivered[size_t(index)];
    if (nowNs <= m_windowEndNs)
        ++m_stepDeliveredInWindow;
    m_latency.record(nowNs - stamp.sentNs);
    const size_t servers = m_options.ports.size();
    if (servers > 1 && stamp.sender % servers != size_t(index) % servers)
        m_crossLatency.record(nowNs - stamp.sentNs);
}

void LoadGenerator::onMemberLeft(std::string_view name, int64_t nowNs)
{
    if (m_slowIndex < 0 || m_slowDroppedNs || name != SlowName)
        return;
    m_slowDroppedNs = nowNs;
    Member &slow = m_members[size_t(m_slowIndex)];
    int unread = 0;
    if (slow.fd >= 0 && ioctl(slow.fd, FIONREAD, &unread) == 0)
        m_slowUnreadAtDrop = unread;
    m_slowOwedAtDrop = slowOwedBytes();
    std::fprintf(stderr, "[%s] slow member dropped by the server, %d bytes unread in its buffer\n",
                 m_options.label.c_str(), unread);
    closeMember(m_slowIndex, "dropped by server");
}

void LoadGenerator::closeMember(int index, const std::string &reason)
{
    Member &member = m_members[size_t(index)];
    SSL_free(member.tls);
    member.tls = nullptr;
    if (member.fd >= 0) {
        ::close(member.fd);
        member.fd = -1;
    }
    member.registered = false;
    member.events = 0;
    const std::string why =
        member.lastError.empty() || reason.find(member.lastError) != std::string::npos
        ? reason
        : reason + " (" + member.lastError + ")";
    switch (member.state) {
    case State::Connecting:
    case State::Handshaking:
    case State::Registering:
    case State::Joining:
    case State::Entering:
    case State::Idle:
        member.state = State::Failed;
        ++m_failures[why];
        ++m_settled;
        break;
    case State::Joined:
        member.state = State::Closed;
        if (!member.slow) {
            ++m_failures["after join: " + why];
            if (m_stepActive)
                ++m_stepDisconnects;
        }
        break;
    case State::Failed:
    case State::Closed:
        break;
    }
}

void LoadGenerator::send(int index, std::string_view bytes)
{
    Member &member = m_members[size_t(index)];
    if (member.fd < 0)
        return;
    size_t offset = 0;
    if (member.outbox.empty()) {
        const ssize_t written = transportSend(member, bytes.data(), bytes.size());
        if (written < 0 && errno != EAGAIN && errno != EINTR) {
            closeMember(index, "send: " + errnoName(errno));
            return;
        }
        offset = written > 0 ? size_t(written) : 0;
    }
    if (offset < bytes.size()) {
        member.outbox.append(bytes.substr(offset));
        watch(index, member.events | EPOLLOUT);
    }
}

void LoadGenerator::sendMeasured(int sender)
{
    const uint32_t sequence = m_nextSequence[size_t(sender)]++;
    char stamp[96];
    const int stampLength = std::snprintf(stamp, sizeof stamp, "b %d %u %lld ", sender, sequence,
                                          static_cast<long long>(monotonicNs()));
    const size_t padding = size_t(std::max(0, m_options.payloadBytes - stampLength));
    const std::string &room = m_roomNames[size_t(m_members[size_t(sender)].room)];
    m_line.clear();
    if (m_options.dialect == Dialect::Irc)
        m_line.append("PRIVMSG ").append(room).append(" :");
    else
        m_line.append("{\"type\":\"chat\",\"data\":\"");
    m_line.append(stamp, size_t(stampLength)).append(m_padding, 0, padding);
    if (m_options.dialect == Dialect::Irc)
        m_line.append("\r\n");
    else if (m_options.rooms > 0)
        m_line.append("\",\"room\":\"").append(room).append("\"}\n");
    else
        m_line.append("\"}\n");
    send(sender, m_line);
}

void LoadGenerator::watch(int index, uint32_t events)
{
    Member &member = m_members[size_t(index)];
    if (member.fd < 0 || (member.registered && member.events == events))
        return;
    epoll_event event {};
    event.events = events;
    event.data.u32 = uint32_t(index);
    epoll_ctl(m_epoll, member.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, member.fd, &event);
    member.registered = true;
    member.events = events;
}
