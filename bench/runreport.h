// SPDX-License-Identifier: MIT
#pragma once

#include "processstats.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// One sending step: a rate held for a duration, then drained.
struct StepReport
{
    double rate = 0; // messages per second per sender
    int senders = 0;
    int receivers = 0; // members that read and were still joined at the end
    double seconds = 0; // the sending window
    double drainSeconds = 0;
    double catchUpSeconds = 0; // traffic after the drain, before the next step could start
    uint64_t sent = 0;
    uint64_t expected = 0; // deliveries owed to the receivers
    uint64_t delivered = 0; // deliveries that arrived, drain included
    uint64_t deliveredInWindow = 0;
    uint64_t reads = 0; // read() calls with data: deliveries / reads shows the server's batching
    uint64_t gaps = 0; // sequence numbers a receiver skipped: messages dropped mid-stream
    uint64_t misrouted = 0; // deliveries from a sender in another room
    double offeredPerSecond = 0; // rate x the other reading members of each sender's room
    uint64_t outOfOrder = 0; // a sequence number below one already seen from that sender
    uint64_t late = 0; // deliveries of an earlier step's messages
    int64_t latencyP50Ns = 0;
    int64_t latencyP99Ns = 0;
    int64_t latencyP999Ns = 0;
    int64_t latencyMaxNs = 0;
    // With several servers (--port a,b): the deliveries whose sender is on another server.
    uint64_t crossDelivered = 0;
    int64_t crossP50Ns = 0;
    int64_t crossP99Ns = 0;
    int64_t sendLagP99Ns = 0; // how late the generator sent against its schedule
    int64_t sendLagMaxNs = 0;
    double generatorCpu = 0; // fraction of one core
    double generatorWaiting = 0; // fraction of the time it was runnable but had no CPU
    double serverWaiting = 0; // CPU-seconds per second its threads were runnable without a CPU
    double loadAverage = 0; // the machine's, at the end of the step
    double serverCpu = 0; // cores
    int64_t serverRssKbMax = 0;
    int64_t serverThreadsMax = 0;
    int disconnects = 0; // reading members that lost their connection
    bool slowPresent = false;
    bool slowDropped = false;
    double slowDroppedAfter = 0; // seconds after the step started
    int64_t slowUnreadBytes = 0; // kernel-queued bytes at the slow member when it was dropped
    uint64_t slowOwedBytes = 0; // sent to the room since it stopped reading, at the drop or the end

    uint64_t lost() const { return expected > delivered ? expected - delivered : 0; }
};

struct RunReport
{
    std::string label;
    std::string command; // the generator's command line
    std::string serverName;
    std::string protocol;
    int clients = 0;
    int payloadBytes = 0;
    double connectRate = 0;
    int maxPending = 0;
    int sourceAddresses = 0;

    int joined = 0;
    int failed = 0;
    double connectSeconds = 0; // first connect to last join
    int64_t joinP50Ns = 0;
    int64_t joinP99Ns = 0;
    int64_t joinMaxNs = 0;
    double settleSeconds = 0; // until the join traffic went quiet
    uint64_t bytesReceived = 0;
    std::map<std::string, int> failures; // why connects or joins failed
    std::map<std::string, int> serverErrors; // error codes or numerics the server sent

    ProcessStats serverJoined; // after everyone joined and traffic settled
    double holdSeconds = 0;
    int heldAtEnd = 0; // still joined after the hold
    int64_t holdRssKbMax = 0;
    int64_t holdThreadsMax = 0;
    double serverCpuJoin = 0; // cores, over connect + settle
    double generatorCpuJoin = 0;
    double generatorWaitingJoin = 0; // share of connect + settle it had no CPU though runnable

    std::vector<StepReport> steps;

    std::string toJson() const;
    // Fixed-width rows for the benchmark table, one per step (one if there are none).
    std::string tableRows() const;
    static std::string tableHeader();
};
