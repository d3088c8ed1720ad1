// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

// The wire dialect the generated clients speak.
enum class Dialect { Chat, Irc };

// One run of the load generator: who connects, how fast, what they send.
struct BenchOptions
{
    std::string host = "127.0.0.1";
    int port = 5050; // the first of ports
    // Several servers of one cluster: member i connects to ports[i % size].
    std::vector<int> ports { 5050 };
    Dialect dialect = Dialect::Chat;
    bool tls = false; // every member over TLS (OpenSSL, no certificate check)
    std::string label = "run";
    std::string serverName; // shown in the report: "pynet", "ngircd", ...

    int clients = 20;
    int rooms = 0; // >0: member i enters room #r<i % rooms> after joining; 0: one room
    double connectRate = 1000; // new connections per second
    int maxPending = 0; // >0: connects not yet joined that may be outstanding at once
    int sourceAddresses = 0; // >0: bind to 127.0.0.2, 127.0.0.3, ... in turn
    double joinTimeout = 120; // seconds after the last connect is started
    double connectMax = 0; // >0: start no new connect after this many seconds

    double settleQuietMs = 500; // silence that ends the settle phase
    double settleMax = 120; // seconds
    double hold = 0; // seconds to hold the joined clients before sending

    int senders = -1; // -1: every client sends
    std::vector<double> rates; // messages per second per sender, one step each
    double duration = 10; // seconds of sending per step
    double drainMax = 5; // seconds to wait for the last deliveries of a step
    int payloadBytes = 100; // length of the chat text

    bool slowConsumer = false; // one extra member that never reads after joining
    int slowReceiveBuffer = 4096; // its SO_RCVBUF, so its kernel buffers fill quickly
    double stopAfterDrop = -1; // >=0: end a step this long after the slow member is dropped

    int serverPid = 0;
    std::string jsonPath; // appends one JSON object per run
    bool tableHeader = false; // print the table's header line before the rows
    bool headerOnly = false; // print the table's header line and nothing else
    bool quick = false; // self-check: a small run that must deliver everything

    // Stored history (ScrollbackBench): fill a room, or read pages of it.
    int scrollbackFill = 0; // >0: store this many messages in --room
    double fillMaxSeconds = 600; // stop filling after this long, whatever is stored
    bool scrollbackRead = false; // request pages before random ids in --first-id..--last-id
    std::string room = "#history";
    int historyRequests = 2000;
    int historyLimit = 50;
    int64_t firstId = 0;
    int64_t lastId = 0;

    // Parses argv; on failure returns false and sets *error (empty for --help).
    bool parse(int argc, char **argv, std::string *error);
    static const char *usage();
};
