// SPDX-License-Identifier: MIT
#include "runreport.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace {

std::string quoted(const std::string &text)
{
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", c);
            out += escape;
        } else {
            out += c;
        }
    }
    return out + "\"";
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

std::string counts(const std::map<std::string, int> &map)
{
    std::string out = "{";
    for (const auto &[key, value] : map) {
        if (out.size() > 1)
            out += ",";
        out += quoted(key) + ":" + std::to_string(value);
    }
    return out + "}";
}

std::string stepJson(const StepReport &s)
{
    const double lossFraction = s.expected ? double(s.lost()) / double(s.expected) : 0;
    return std::string("{") + "\"rate\":" + number(s.rate) + ",\"senders\":"
        + std::to_string(s.senders) + ",\"receivers\":" + std::to_string(s.receivers)
        + ",\"seconds\":" + number(s.seconds) + ",\"drain_seconds\":" + number(s.drainSeconds)
        + ",\"catch_up_seconds\":" + number(s.catchUpSeconds) + ",\"sent\":"
        + std::to_string(s.sent) + ",\"offered_deliveries_per_s\":" + number(s.offeredPerSecond)
        + ",\"expected\":" + std::to_string(s.expected)
        + ",\"delivered\":" + std::to_string(s.delivered) + ",\"delivered_in_window\":"
        + std::to_string(s.deliveredInWindow) + ",\"deliveries_per_s\":"
        + number(s.seconds > 0 ? double(s.deliveredInWindow) / s.seconds : 0)
        + ",\"lost\":" + std::to_string(s.lost()) + ",\"loss_fraction\":" + number(lossFraction)
        + ",\"gaps\":" + std::to_string(s.gaps) + ",\"misrouted\":" + std::to_string(s.misrouted)
        + ",\"reads\":" + std::to_string(s.reads)
        + ",\"deliveries_per_read\":" + number(s.reads ? double(s.delivered) / double(s.reads) : 0)
        + ",\"out_of_order\":" + std::to_string(s.outOfOrder) + ",\"late_from_earlier_step\":"
        + std::to_string(s.late) + ",\"latency_ms\":{\"p50\":" + millis(s.latencyP50Ns)
        + ",\"p99\":" + millis(s.latencyP99Ns) + ",\"p99_9\":" + millis(s.latencyP999Ns)
        + ",\"max\":" + millis(s.latencyMaxNs) + "},\"cross_server\":{\"delivered\":"
        + std::to_string(s.crossDelivered) + ",\"p50_ms\":" + millis(s.crossP50Ns) + ",\"p99_ms\":"
        + millis(s.crossP99Ns) + "},\"send_lag_ms\":{\"p99\":" + millis(s.sendLagP99Ns)
        + ",\"max\":" + millis(s.sendLagMaxNs) + "},\"generator_cpu\":" + number(s.generatorCpu)
        + ",\"server_cpu\":" + number(s.serverCpu) + ",\"generator_runqueue_wait\":"
        + number(s.generatorWaiting) + ",\"server_runqueue_wait\":" + number(s.serverWaiting)
        + ",\"load_average\":" + number(s.loadAverage)
        + ",\"server_rss_kb_max\":" + std::to_string(s.serverRssKbMax) + ",\"server_threads_max\":"
        + std::to_string(s.serverThreadsMax) + ",\"disconnects\":" + std::to_string(s.disconnects)
        + ",\"slow_consumer\":{\"present\":" + (s.slowPresent ? "true" : "false") + ",\"dropped\":"
        + (s.slowDropped ? "true" : "false") + ",\"dropped_after_s\":" + number(s.slowDroppedAfter)
        + ",\"unread_bytes_at_drop\":" + std::to_string(s.slowUnreadBytes)
        + ",\"owed_bytes\":" + std::to_string(s.slowOwedBytes) + "}}";
}

} // namespace

std::string RunReport::toJson() const
{
    char when[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    std::string json = std::string("{") + "\"label\":" + quoted(label)
        + ",\"command\":" + quoted(command) + ",\"server\":" + quoted(serverName) + ",\"protocol\":"
        + quoted(protocol) + ",\"finished_utc\":" + quoted(when) + ",\"clients\":"
        + std::to_string(clients) + ",\"payload_bytes\":" + std::to_string(payloadBytes)
        + ",\"connect_rate\":" + number(connectRate) + ",\"source_addresses\":"
        + std::to_string(sourceAddresses) + ",\"joined\":" + std::to_string(joined)
        + ",\"failed\":" + std::to_string(failed) + ",\"connect_seconds\":" + number(connectSeconds)
        + ",\"join_ms\":{\"p50\":" + millis(joinP50Ns) + ",\"p99\":" + millis(joinP99Ns)
        + ",\"max\":" + millis(joinMaxNs) + "},\"settle_seconds\":" + number(settleSeconds)
        + ",\"bytes_received\":" + std::to_string(bytesReceived)
        + ",\"failures\":" + counts(failures) + ",\"server_errors\":" + counts(serverErrors)
        + ",\"server_joined\":{\"rss_kb\":" + std::to_string(serverJoined.rssKb)
        + ",\"peak_rss_kb\":" + std::to_string(serverJoined.peakRssKb) + ",\"threads\":"
        + std::to_string(serverJoined.threads) + "},\"server_cpu_join\":" + number(serverCpuJoin)
        + ",\"generator_cpu_join\":" + number(generatorCpuJoin)
        + ",\"generator_runqueue_wait_join\":" + number(generatorWaitingJoin)
        + ",\"hold\":{\"seconds\":" + number(holdSeconds) + ",\"joined_at_end\":"
        + std::to_string(heldAtEnd) + ",\"server_rss_kb_max\":" + std::to_string(holdRssKbMax)
        + ",\"server_threads_max\":" + std::to_string(holdThreadsMax) + "},\"steps\":[";
    for (size_t i = 0; i < steps.size(); ++i)
        json += (i ? "," : "") + stepJson(steps[i]);
    return json + "]}";
}

std::string RunReport::tableHeader()
{
    char line[512];
    std::snprintf(line, sizeof line,
                  "%-22s %-13s %6s %6s %8s %6s %9s %9s %7s %8s %8s %8s %8s %8s %7s %5s %5s %s\n",
                  "scenario", "server", "members", "joined", "join_p99", "rate", "offered/s",
                  "deliv/s", "loss%", "p50_ms", "p99_ms", "p99.9_ms", "max_ms", "rss_MB", "threads",
                  "srvC", "genC", "notes");
    return line;
}

std::string RunReport::tableRows() const
{
    std::string rows;
    const auto row = [&](const StepReport *s) {
        char line[512];
        std::string notes;
        if (failed)
            notes += "failed=" + std::to_string(failed) + " ";
        if (s && s->misrouted)
            notes += "misrouted=" + std::to_string(s->misrouted) + " ";
        if (s && s->gaps)
            notes += "gaps=" + std::to_string(s->gaps) + " ";
        if (s && s->disconnects)
            notes += "disconnects=" + std::to_string(s->disconnects) + " ";
        if (s && s->slowDropped) {
            char text[64];
            std::snprintf(text, sizeof text, "slow dropped at %.1fs owing %.2f MB ",
                          s->slowDroppedAfter, double(s->slowOwedBytes) / 1e6);
            notes += text;
        } else if (s && s->slowPresent) {
            char text[64];
            std::snprintf(text, sizeof text, "slow NOT dropped, owed %.2f MB ",
                          double(s->slowOwedBytes) / 1e6);
            notes += text;
        }
        if (s && s->generatorCpu > 0.9)
            notes += "generator-bound? ";
        if (s && s->generatorWaiting > 0.05) {
            char text[64];
            std::snprintf(text, sizeof text, "generator waited for CPU %.0f%% ",
                          100 * s->generatorWaiting);
            notes += text;
        }
        if (s && s->catchUpSeconds > 1) {
            char text[64];
            std::snprintf(text, sizeof text, "backlog for %.0fs after the drain ",
                          s->catchUpSeconds);
            notes += text;
        }
        if (s && s->serverWaiting > 0.05) {
            char text[64];
            std::snprintf(text, sizeof text, "server waited for CPU %.2f cpu-s/s ",
                          s->serverWaiting);
            notes += text;
        }
        if (!s && generatorWaitingJoin > 0.05) {
            char text[64];
            std::snprintf(text, sizeof text, "generator waited for CPU %.0f%% while joining ",
                          100 * generatorWaitingJoin);
            notes += text;
        }
        if (!s && holdSeconds > 0)
            notes += "held " + std::to_string(heldAtEnd) + " for " + number(holdSeconds) + "s ";
        const int64_t rss = s ? s->serverRssKbMax : std::max(holdRssKbMax, serverJoined.rssKb);
        const int64_t threads =
            s ? s->serverThreadsMax : std::max(holdThreadsMax, serverJoined.threads);
        const double loss = s && s->expected ? 100.0 * double(s->lost()) / double(s->expected) : 0;
        std::snprintf(
            line, sizeof line,
            "%-22s %-13s %6d %6d %8.1f %6.2f %9.0f %9.0f %7.3f %8.2f %8.2f %8.2f %8.1f %8.1f "
            "%7lld %5.2f %5.2f %s\n",
            label.c_str(), serverName.c_str(), clients, joined, double(joinP99Ns) / 1e6,
            s ? s->rate : 0.0, s ? s->offeredPerSecond : 0.0,
            s && s->seconds > 0 ? double(s->deliveredInWindow) / s->seconds : 0.0, loss,
            s ? double(s->latencyP50Ns) / 1e6 : 0.0, s ? double(s->latencyP99Ns) / 1e6 : 0.0,
            s ? double(s->latencyP999Ns) / 1e6 : 0.0, s ? double(s->latencyMaxNs) / 1e6 : 0.0,
            double(rss) / 1024.0, static_cast<long long>(threads), s ? s->serverCpu : serverCpuJoin,
            s ? s->generatorCpu : generatorCpuJoin, notes.c_str());
        rows += line;
    };
    if (steps.empty())
        row(nullptr);
    for (const StepReport &step : steps)
        row(&step);
    return rows;
}
