// SPDX-License-Identifier: MIT
#include "benchoptions.h"

#include <arpa/inet.h>
#include <cstdlib>
#include <getopt.h>
#include <sstream>

namespace {

bool toNumber(const char *text, double minimum, double maximum, double *value)
{
    char *end = nullptr;
    const double parsed = std::strtod(text, &end);
    if (end == text || *end != '\0' || parsed < minimum || parsed > maximum)
        return false;
    *value = parsed;
    return true;
}

bool toInt(const char *text, int minimum, int maximum, int *value)
{
    double parsed = 0;
    if (!toNumber(text, minimum, maximum, &parsed) || parsed != double(int(parsed)))
        return false;
    *value = int(parsed);
    return true;
}

enum Option {
    Host = 1000,
    Port,
    Protocol,
    Label,
    ServerName,
    Clients,
    Rooms,
    ConnectRate,
    MaxPending,
    SourceAddresses,
    JoinTimeout,
    ConnectMax,
    SettleQuiet,
    SettleMax,
    Hold,
    Senders,
    Rates,
    Duration,
    Drain,
    Payload,
    Slow,
    SlowReceiveBuffer,
    StopAfterDrop,
    ServerPid,
    Json,
    TableHeader,
    PrintHeader,
    Quick,
    Tls,
    ScrollbackFill,
    FillMaxSeconds,
    ScrollbackRead,
    Room,
    HistoryRequests,
    HistoryLimit,
    FirstId,
    LastId,
    Help,
};

} // namespace

const char *BenchOptions::usage()
{
    return "Usage: pynet-bench [options]\n"
           "Connects clients to a chat server on loopback, has some of them send, and\n"
           "measures join time, deliveries, loss and send-to-receive latency.\n\n"
           "  --host ADDR            loopback address of the server (127.0.0.1)\n"
           "  --port N[,N...]        server port (5050); several: the servers of one\n"
           "                         cluster, members spread over them in turn, and the\n"
           "                         latency of deliveries that cross servers reported too\n"
           "  --protocol chat|irc    PyNet Chat rich protocol or IRC (chat)\n"
           "  --label TEXT           scenario name in the report\n"
           "  --server-name TEXT     server name in the report\n"
           "  --clients N            members to connect and join (20)\n"
           "  --rooms N              spread the members over rooms #r0 .. #r(N-1), member i\n"
           "                         in #r(i % N), entered after the join (IRC: JOIN after\n"
           "                         001); everyone chats in their own room (0: one room)\n"
           "  --connect-rate N       connections started per second (1000)\n"
           "  --max-pending N        connects not yet joined at once (0: no limit)\n"
           "  --source-addresses N   bind clients to 127.0.0.2 .. 127.0.0.(N+1) (0: no bind)\n"
           "  --join-timeout S       wait this long after the last connect for joins (120)\n"
           "  --connect-max S        start no connect after S seconds; the rest count as\n"
           "                         not attempted (0: no limit)\n"
           "  --settle-quiet MS      silence that ends the settle phase after joining (500)\n"
           "  --settle-max S         longest settle phase (120)\n"
           "  --hold S               keep everyone joined this long before sending (0)\n"
           "  --senders K            members that send (all)\n"
           "  --rates R[,R...]       messages per second per sender, one step each (none)\n"
           "  --duration S           seconds of sending per step (10)\n"
           "  --drain S              longest wait for a step's last deliveries (5)\n"
           "  --payload B            chat text length in bytes (100)\n"
           "  --slow-consumer        add a member that stops reading after its join\n"
           "  --slow-rcvbuf B        its receive buffer (4096)\n"
           "  --stop-after-drop S    end a step S seconds after the slow member is dropped\n"
           "  --server-pid PID       report the server's RSS, threads and CPU from /proc\n"
           "  --json FILE            append the run's results as one JSON object\n"
           "  --table-header         print the table header before the result rows\n"
           "  --print-header         print the table header and exit\n"
           "  --quick                self-check: 20 clients, 2 s at 5 msg/s, must lose nothing\n"
           "  --tls                  every member connects with TLS (the server's --tls-port);\n"
           "                         the join time then includes the handshake\n"
           "\nStored history (PyNet only; the run is one of these instead of the steps):\n"
           "  --scrollback-fill N    --clients senders store N messages in --room as fast as\n"
           "                         the server stores them; a member that only reads counts\n"
           "                         them (a message is relayed once it is stored)\n"
           "  --fill-max-seconds S   stop filling after S seconds (600)\n"
           "  --scrollback-read      --clients members request --history-requests pages,\n"
           "                         one at a time each, before random ids in\n"
           "                         --first-id..--last-id, and time the answers\n"
           "  --room NAME            the room (#history)\n"
           "  --history-requests N   pages to request (2000)\n"
           "  --history-limit N      messages per page (50)\n"
           "  --first-id N, --last-id N  the ids the fill stored\n";
}

bool BenchOptions::parse(int argc, char **argv, std::string *error)
{
    static const option longOptions[] = {
        { "host", required_argument, nullptr, Host },
        { "port", required_argument, nullptr, Port },
        { "protocol", required_argument, nullptr, Protocol },
        { "label", required_argument, nullptr, Label },
        { "server-name", required_argument, nullptr, ServerName },
        { "clients", required_argument, nullptr, Clients },
        { "rooms", required_argument, nullptr, Rooms },
        { "connect-rate", required_argument, nullptr, ConnectRate },
        { "max-pending", required_argument, nullptr, MaxPending },
        { "source-addresses", required_argument, nullptr, SourceAddresses },
        { "join-timeout", required_argument, nullptr, JoinTimeout },
        { "connect-max", required_argument, nullptr, ConnectMax },
        { "settle-quiet", required_argument, nullptr, SettleQuiet },
        { "settle-max", required_argument, nullptr, SettleMax },
        { "hold", required_argument, nullptr, Hold },
        { "senders", required_argument, nullptr, Senders },
        { "rates", required_argument, nullptr, Rates },
        { "duration", required_argument, nullptr, Duration },
        { "drain", required_argument, nullptr, Drain },
        { "payload", required_argument, nullptr, Payload },
        { "slow-consumer", no_argument, nullptr, Slow },
        { "slow-rcvbuf", required_argument, nullptr, SlowReceiveBuffer },
        { "stop-after-drop", required_argument, nullptr, StopAfterDrop },
        { "server-pid", required_argument, nullptr, ServerPid },
        { "json", required_argument, nullptr, Json },
        { "table-header", no_argument, nullptr, TableHeader },
        { "print-header", no_argument, nullptr, PrintHeader },
        { "quick", no_argument, nullptr, Quick },
        { "tls", no_argument, nullptr, Tls },
        { "scrollback-fill", required_argument, nullptr, ScrollbackFill },
        { "fill-max-seconds", required_argument, nullptr, FillMaxSeconds },
        { "scrollback-read", no_argument, nullptr, ScrollbackRead },
        { "room", required_argument, nullptr, Room },
        { "history-requests", required_argument, nullptr, HistoryRequests },
        { "history-limit", required_argument, nullptr, HistoryLimit },
        { "first-id", required_argument, nullptr, FirstId },
        { "last-id", required_argument, nullptr, LastId },
        { "help", no_argument, nullptr, Help },
        { nullptr, 0, nullptr, 0 },
    };
    bool ratesGiven = false;
    bool clientsGiven = false;
    bool durationGiven = false;
    int code = 0;
    while ((code = getopt_long(argc, argv, "", longOptions, nullptr)) != -1) {
        const std::string name = code >= Host && code <= Help
            ? std::string("--") + longOptions[code - Host].name
            : std::string();
        bool ok = true;
        switch (code) {
        case Host:
            host = optarg;
            break;
        case Port: {
            ports.clear();
            std::string list = optarg;
            for (std::size_t start = 0; ok && start <= list.size();) {
                const std::size_t comma = std::min(list.find(',', start), list.size());
                int one = 0;
                ok = toInt(list.substr(start, comma - start).c_str(), 1, 65535, &one);
                ports.push_back(one);
                start = comma + 1;
            }
            port = ports.front();
            break;
        }
        case Protocol:
            ok = std::string(optarg) == "chat" || std::string(optarg) == "irc";
            dialect = std::string(optarg) == "irc" ? Dialect::Irc : Dialect::Chat;
            break;
        case Label:
            label = optarg;
            break;
        case ServerName:
            serverName = optarg;
            break;
        case Clients:
            ok = toInt(optarg, 1, 1000000, &clients);
            clientsGiven = true;
            break;
        case Rooms:
            ok = toInt(optarg, 0, 1000000, &rooms);
            break;
        case ConnectRate:
            ok = toNumber(optarg, 1, 1e6, &connectRate);
            break;
        case MaxPending:
            ok = toInt(optarg, 0, 1000000, &maxPending);
            break;
        case SourceAddresses:
            ok = toInt(optarg, 0, 250, &sourceAddresses);
            break;
        case JoinTimeout:
            ok = toNumber(optarg, 0.1, 3600, &joinTimeout);
            break;
        case ConnectMax:
            ok = toNumber(optarg, 0, 86400, &connectMax);
            break;
        case SettleQuiet:
            ok = toNumber(optarg, 1, 60000, &settleQuietMs);
            break;
        case SettleMax:
            ok = toNumber(optarg, 0, 3600, &settleMax);
            break;
        case Hold:
            ok = toNumber(optarg, 0, 3600, &hold);
            break;
        case Senders:
            ok = toInt(optarg, 0, 1000000, &senders);
            break;
        case Rates: {
            ratesGiven = true;
            rates.clear();
            std::stringstream list(optarg);
            std::string item;
            while (ok && std::getline(list, item, ',')) {
                double rate = 0;
                ok = toNumber(item.c_str(), 0.001, 1e5, &rate);
                rates.push_back(rate);
            }
            ok = ok && !rates.empty();
            break;
        }
        case Duration:
            ok = toNumber(optarg, 0.1, 3600, &duration);
            durationGiven = true;
            break;
        case Drain:
            ok = toNumber(optarg, 0, 600, &drainMax);
            break;
        case Payload:
            ok = toInt(optarg, 40, 60000, &payloadBytes);
            break;
        case Slow:
            slowConsumer = true;
            break;
        case SlowReceiveBuffer:
            ok = toInt(optarg, 1024, 64 * 1024 * 1024, &slowReceiveBuffer);
            break;
        case StopAfterDrop:
            ok = toNumber(optarg, 0, 3600, &stopAfterDrop);
            break;
        case ServerPid:
            ok = toInt(optarg, 1, 1 << 30, &serverPid);
            break;
        case Json:
            jsonPath = optarg;
            break;
        case TableHeader:
            tableHeader = true;
            break;
        case PrintHeader:
            headerOnly = true;
            break;
        case Quick:
            quick = true;
            break;
        case Tls:
            tls = true;
            break;
        case ScrollbackFill:
            ok = toInt(optarg, 1, 1000000000, &scrollbackFill);
            break;
        case FillMaxSeconds:
            ok = toNumber(optarg, 1, 86400, &fillMaxSeconds);
            break;
        case ScrollbackRead:
            scrollbackRead = true;
            break;
        case Room:
            room = optarg;
            ok = room.size() > 1 && room[0] == '#' && room.find_first_of("\"\\ ") == room.npos;
            break;
        case HistoryRequests:
            ok = toInt(optarg, 1, 100000000, &historyRequests);
            break;
        case HistoryLimit:
            ok = toInt(optarg, 1, 100000, &historyLimit);
            break;
        case FirstId:
        case LastId: {
            double id = 0;
            ok = toNumber(optarg, 0, 9e15, &id);
            (code == FirstId ? firstId : lastId) = int64_t(id);
            break;
        }
        case Help:
            error->clear();
            return false;
        default:
            *error = "unknown option";
            return false;
        }
        if (!ok) {
            *error = name + ": invalid value \"" + (optarg ? optarg : "") + "\"";
            return false;
        }
    }
    if (optind < argc) {
        *error = std::string("unexpected argument \"") + argv[optind] + "\"";
        return false;
    }
    // Load is only ever aimed at this machine.
    in_addr address {};
    if (inet_pton(AF_INET, host.c_str(), &address) != 1 || (ntohl(address.s_addr) >> 24) != 127) {
        *error = "--host: \"" + host + "\" is not a 127.0.0.0/8 address";
        return false;
    }
    if (quick) {
        if (!clientsGiven)
            clients = 20;
        if (!ratesGiven)
            rates = { 5 };
        if (!durationGiven)
            duration = 2;
        label = label == "run" ? "quick" : label;
    }
    if (scrollbackFill > 0 && scrollbackRead) {
        *error = "--scrollback-fill and --scrollback-read are two runs";
        return false;
    }
    if (scrollbackRead && lastId < firstId) {
        *error = "--last-id below --first-id";
        return false;
    }
    if (rooms > clients) {
        *error = "--rooms: more rooms than --clients";
        return false;
    }
    if (senders < 0 || senders > clients)
        senders = clients;
    if (dialect == Dialect::Irc && payloadBytes > 400) {
        *error = "--payload: IRC lines are limited to 512 bytes, use at most 400";
        return false;
    }
    return true;
}
