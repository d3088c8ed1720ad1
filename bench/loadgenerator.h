// SPDX-License-Identifier: MIT
#pragma once

#include "benchoptions.h"
#include "latencyhistogram.h"
#include "runreport.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

// Drives every simulated member from one thread over non-blocking sockets and
// epoll: connects and joins them, lets them settle, holds them, then runs the
// sending steps and measures what each member receives.
class LoadGenerator
{
public:
    explicit LoadGenerator(const BenchOptions &options);
    ~LoadGenerator();
    LoadGenerator(const LoadGenerator &) = delete;
    LoadGenerator &operator=(const LoadGenerator &) = delete;

    // False with *error when the generator cannot even start (epoll, descriptors).
    bool run(RunReport *report, std::string *error);

private:
    enum class State : uint8_t {
        Idle,
        Connecting,
        Handshaking, // TLS
        Registering,
        Joining,
        Entering, // joined, waiting for the answer to entering its room
        Joined,
        Failed,
        Closed
    };

    struct Member
    {
        int fd = -1;
        SSL *tls = nullptr; // with --tls, from the connect on
        State state = State::Idle;
        bool slow = false;
        int room = 0; // index into m_roomNames
        bool registered = false; // known to epoll
        uint32_t events = 0; // what epoll watches now
        int64_t connectStartNs = 0;
        std::string name;
        uint64_t bytesReceived = 0;
        std::string pending; // the start of a line not yet complete
        std::string outbox; // bytes the socket did not take yet
        std::string lastError; // what the server said last, for the failure report
    };

    void connectPhase(RunReport *report);
    void settlePhase(RunReport *report);
    void holdPhase(RunReport *report);
    StepReport runStep(double rate);
    // Runs until nothing has arrived for --settle-quiet; returns how long traffic went on.
    double waitForQuiet();

    // Waits for socket events until deadlineNs at the latest and handles them.
    void pump(int64_t deadlineNs);
    void sampleServer(int64_t nowNs);

    void startConnect(int index, int64_t nowNs);
    void onConnected(int index);
    void continueHandshake(int index);
    void sendJoin(int index);
    // send() and read() through TLS when the member has it: >= 0 bytes, or -1
    // with errno EAGAIN when TLS or the socket must wait, another errno on failure.
    ssize_t transportSend(Member &member, const char *data, size_t size);
    ssize_t transportRead(Member &member, char *data, size_t size);
    void onReadable(int index);
    void onWritable(int index);
    void consume(int index, const char *data, size_t length, int64_t nowNs);
    void handleLine(int index, std::string_view line, int64_t nowNs);
    void handleChatLine(int index, std::string_view line, int64_t nowNs);
    void handleIrcLine(int index, std::string_view line, int64_t nowNs);
    void onJoined(int index, int64_t nowNs);
    void onDelivery(int index, std::string_view text, int64_t nowNs);
    void onMemberLeft(std::string_view name, int64_t nowNs);
    void fail(int index, const std::string &reason);
    void closeMember(int index, const std::string &reason);

    void send(int index, std::string_view bytes);
    void sendMeasured(int sender);
    void watch(int index, uint32_t events);

    uint64_t expectedDeliveries(int *receivers) const;
    double offeredPerSecond(double rate) const;
    uint64_t deliveredToLiveReceivers() const;
    int membersIn(State state) const;
    bool connectPhaseDone() const;

    const BenchOptions m_options;
    int m_epoll = -1;
    SSL_CTX *m_tlsContext = nullptr; // --tls
    std::vector<Member> m_members;
    std::vector<char> m_readBuffer;
    std::string m_padding;
    std::string m_line;
    std::vector<std::string> m_roomNames; // IRC channel or PyNet room; one without --rooms

    // Connect phase.
    int m_connectsStarted = 0;
    int m_settled = 0; // joined or failed
    int m_notAttempted = 0; // left out when --connect-max ran out
    int64_t m_lastJoinNs = 0;
    LatencyHistogram m_joinLatency;
    std::map<std::string, int> m_failures;
    std::map<std::string, int> m_serverErrors;

    // Traffic accounting.
    uint64_t m_bytesReceived = 0;
    uint64_t m_reads = 0; // read() calls that returned data
    int64_t m_lastReceiveNs = 0;

    // Sending steps: sequence numbers continue across steps.
    int m_senders = 0;
    std::vector<uint32_t> m_nextSequence; // per sender
    std::vector<uint32_t> m_stepFirstSequence; // per sender
    std::vector<uint32_t> m_highestSeen; // [receiver * senders + sender] = last sequence + 1
    std::vector<uint64_t> m_stepDelivered; // per receiver
    bool m_stepActive = false;
    int64_t m_stepStartNs = 0;
    int64_t m_windowEndNs = 0;
    uint64_t m_stepDeliveredInWindow = 0;
    uint64_t m_stepOutOfOrder = 0;
    uint64_t m_stepGaps = 0;
    uint64_t m_stepMisrouted = 0;
    uint64_t m_stepLate = 0;
    LatencyHistogram m_latency;
    LatencyHistogram m_crossLatency; // deliveries from a sender on another server (--port a,b)
    LatencyHistogram m_sendLag;

    // The member that never reads.
    int m_slowIndex = -1;
    int64_t m_slowDroppedNs = 0;
    int64_t m_slowUnreadAtDrop = 0;
    uint64_t m_slowOwedAtDrop = 0;
    uint64_t m_referenceBytesAtSlowJoin = 0; // member 0's, to estimate what the slow one is owed
    uint64_t slowOwedBytes() const;

    // The server, sampled from /proc.
    int64_t m_nextSampleNs = 0;
    int64_t m_phaseRssMax = 0;
    int64_t m_phaseThreadsMax = 0;
    int m_stepDisconnects = 0;
};
