// SPDX-License-Identifier: MIT
#include "serverconfig.h"

#include <QCommandLineParser>

#include <functional>
#include <vector>

namespace {

// A numeric option: its range, how to read its default, how to store a value.
struct NumberOption
{
    const char *name;
    const char *description;
    double minimum;
    double maximum;
    std::function<double(const ServerConfig &)> get;
    std::function<void(ServerConfig &, double)> set;
};

const std::vector<NumberOption> &numberOptions()
{
    static const std::vector<NumberOption> options = {
        { "port", "Port to listen on (0 picks a free one).", 0, 65535,
          [](const ServerConfig &c) { return c.port; },
          [](ServerConfig &c, double v) {
              c.port = quint16(v);
          } },
        { "max-clients", "Most clients connected at once; the open-file limit may lower it.", 1,
          1e6, [](const ServerConfig &c) { return c.maxClients; },
          [](ServerConfig &c, double v) {
              c.maxClients = int(v);
          } },
        { "listen-backlog", "Connections the kernel may queue before we accept them.", 1, 65535,
          [](const ServerConfig &c) { return c.listenBacklog; },
          [](ServerConfig &c, double v) {
              c.listenBacklog = int(v);
          } },
        { "history", "Room messages kept in memory for welcomes and catch-up.", 0, 1e5,
          [](const ServerConfig &c) { return c.historySize; },
          [](ServerConfig &c, double v) {
              c.historySize = int(v);
          } },
        { "presence-limit",
          "Largest room in which joins and leaves are announced and the welcome lists everyone.", 0,
          1e6, [](const ServerConfig &c) { return c.presenceLimit; },
          [](ServerConfig &c, double v) {
              c.presenceLimit = int(v);
          } },
        { "max-frame-bytes", "Largest incoming message in bytes; larger closes the connection.",
          256, 16 * 1024 * 1024, [](const ServerConfig &c) { return double(c.maxFrameBytes); },
          [](ServerConfig &c, double v) {
              c.maxFrameBytes = qsizetype(v);
          } },
        { "max-depth", "Deepest nesting of objects and arrays in one incoming message.", 2, 1000,
          [](const ServerConfig &c) { return c.maxDepth; },
          [](ServerConfig &c, double v) {
              c.maxDepth = int(v);
          } },
        { "max-text", "Longest chat message in characters.", 1, 1e6,
          [](const ServerConfig &c) { return c.maxTextLength; },
          [](ServerConfig &c, double v) {
              c.maxTextLength = int(v);
          } },
        { "max-unsent-bytes", "Bytes a client may owe before it is dropped as a slow reader.", 4096,
          1024.0 * 1024 * 1024, [](const ServerConfig &c) { return double(c.maxUnsentBytes); },
          [](ServerConfig &c, double v) {
              c.maxUnsentBytes = qsizetype(v);
          } },
        { "send-buffer",
          "Kernel send buffer of each client socket in bytes (Linux doubles it), so that a client "
          "that stops reading owes little beyond --max-unsent-bytes (0: the kernel's automatic "
          "size, up to megabytes).",
          0, 64 * 1024 * 1024, [](const ServerConfig &c) { return c.sendBufferBytes; },
          [](ServerConfig &c, double v) {
              c.sendBufferBytes = int(v);
          } },
        { "join-timeout", "Seconds a connection may take to join.", 0.1, 86400,
          [](const ServerConfig &c) { return c.joinTimeoutMs / 1000.0; },
          [](ServerConfig &c, double v) {
              c.joinTimeoutMs = int(v * 1000);
          } },
        { "idle-timeout", "Seconds of silence before a rich client is dropped (pinged at half).", 1,
          86400, [](const ServerConfig &c) { return c.idleTimeoutMs / 1000.0; },
          [](ServerConfig &c, double v) {
              c.idleTimeoutMs = int(v * 1000);
          } },
        { "seed-pacing",
          "Milliseconds between messages to a seed client, which reads one message per recv().", 0,
          10000, [](const ServerConfig &c) { return c.seedPacingMs; },
          [](ServerConfig &c, double v) {
              c.seedPacingMs = int(v);
          } },
        { "coalesce-above",
          "Deliveries per second above which writes to each client are coalesced, held back 1 ms "
          "per this many (0: never).",
          0, 1e9, [](const ServerConfig &c) { return c.coalesceAbove; },
          [](ServerConfig &c, double v) {
              c.coalesceAbove = v;
          } },
        { "coalesce-ms", "The longest a write to one client is held back to coalesce it.", 1, 1000,
          [](const ServerConfig &c) { return c.coalesceMs; },
          [](ServerConfig &c, double v) {
              c.coalesceMs = int(v);
          } },
        { "rate", "Messages per second a client may send, sustained.", 0.01, 1e6,
          [](const ServerConfig &c) { return c.rate; },
          [](ServerConfig &c, double v) {
              c.rate = v;
          } },
        { "burst", "Messages a client may send at once before --rate applies.", 1, 1e6,
          [](const ServerConfig &c) { return c.burst; },
          [](ServerConfig &c, double v) {
              c.burst = int(v);
          } },
    };
    return options;
}

} // namespace

void ServerConfig::addOptions(QCommandLineParser *parser)
{
    const ServerConfig defaults;
    parser->addOption({ QStringLiteral("host"),
                        QStringLiteral("Address to listen on. Default: all interfaces."),
                        QStringLiteral("address") });
    parser->addOption(
        { QStringLiteral("name"),
          QStringLiteral("Server name shown to clients. Default: %1.").arg(defaults.serverName),
          QStringLiteral("text") });
    for (const NumberOption &option : numberOptions()) {
        parser->addOption({ QString::fromLatin1(option.name),
                            QStringLiteral("%1 Default: %2.")
                                .arg(QString::fromLatin1(option.description))
                                .arg(QString::number(option.get(defaults), 'g', 12)),
                            QStringLiteral("n") });
    }
    parser->addOption(
        { QStringLiteral("trace"),
          QStringLiteral("Write a line to standard error for every thread start and finish, read, "
                         "frame in and out, room fan-out and drop (docs/PROTOCOL.md, \"Watching "
                         "the wire\"). Default: off.") });
    parser->addOption(
        { QStringLiteral("trace-filter"),
          QStringLiteral("Trace only these: comma-separated conn=N (a connection, as in conn-N) "
                         "and type=T (a frame type such as chat; lines without a type pass); "
                         "repeatable. Implies --trace."),
          QStringLiteral("terms") });
    parser->addOption({ QStringLiteral("trace-format"),
                        QStringLiteral("text (for people) or json (one object per line, for "
                                       "tools). Implies --trace. Default: text."),
                        QStringLiteral("format") });
}

// "conn=3,type=chat": the connections and frame types a trace is limited to.
static bool parseTraceFilter(const QStringList &values, ServerConfig *config, QString *error)
{
    for (const QString &value : values) {
        for (const QString &term : value.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const QString key = term.section(QLatin1Char('='), 0, 0).trimmed();
            const QString argument = term.section(QLatin1Char('='), 1).trimmed();
            bool ok = false;
            if (key == QLatin1String("conn")) {
                const quint64 connection = argument.toULongLong(&ok);
                ok = ok && connection > 0;
                if (ok)
                    config->traceConnections.append(connection);
            } else if (key == QLatin1String("type")) {
                ok = !argument.isEmpty();
                if (ok)
                    config->traceTypes.append(argument.toUtf8());
            }
            if (!ok) {
                *error = QStringLiteral("--trace-filter: \"%1\" is neither conn=N nor type=T.")
                             .arg(term);
                return false;
            }
        }
    }
    return true;
}

bool ServerConfig::fromParser(const QCommandLineParser &parser, ServerConfig *config,
                              QString *error)
{
    if (parser.isSet(QStringLiteral("host"))) {
        const QString host = parser.value(QStringLiteral("host"));
        if (!config->host.setAddress(host)) {
            *error = QStringLiteral("--host: \"%1\" is not an IP address.").arg(host);
            return false;
        }
    }
    if (parser.isSet(QStringLiteral("name")))
        config->serverName = parser.value(QStringLiteral("name"));
    for (const NumberOption &option : numberOptions()) {
        const QString name = QString::fromLatin1(option.name);
        if (!parser.isSet(name))
            continue;
        bool ok = false;
        const double value = parser.value(name).toDouble(&ok);
        if (!ok || value < option.minimum || value > option.maximum) {
            *error = QStringLiteral("--%1: \"%2\" is not a number from %3 to %4.")
                         .arg(name, parser.value(name))
                         .arg(option.minimum)
                         .arg(option.maximum);
            return false;
        }
        option.set(*config, value);
    }
    config->trace = parser.isSet(QStringLiteral("trace"))
        || parser.isSet(QStringLiteral("trace-filter"))
        || parser.isSet(QStringLiteral("trace-format"));
    if (parser.isSet(QStringLiteral("trace-format"))) {
        const QString format = parser.value(QStringLiteral("trace-format"));
        if (format != QLatin1String("text") && format != QLatin1String("json")) {
            *error = QStringLiteral("--trace-format: \"%1\" is neither text nor json.").arg(format);
            return false;
        }
        config->traceJson = format == QLatin1String("json");
    }
    return parseTraceFilter(parser.values(QStringLiteral("trace-filter")), config, error);
}
