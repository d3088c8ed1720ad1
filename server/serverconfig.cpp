// SPDX-License-Identifier: MIT
#include "serverconfig.h"

#include "clusterlink.h"

#include "validation.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

#include <functional>
#include <initializer_list>
#include <vector>

namespace {

// An option whose value is text: how to show it and how to store it. A flag
// (no valueName) is "true" on the command line when given, and true or false in
// a config file.
struct TextOption
{
    const char *name;
    const char *description;
    const char *valueName;
    std::function<QString(const ServerConfig &)> get;
    // Stores text; false, with what is wrong with it, when it is unusable.
    std::function<bool(ServerConfig &, const QString &, QString *)> set;
};

// "true" or "false" (also 1/0, yes/no, on/off), as a config file writes a flag.
bool parseSwitch(const QString &text, bool *value, QString *problem)
{
    const QString word = text.trimmed().toLower();
    if (word == QLatin1StringView("true") || word == QLatin1StringView("1")
        || word == QLatin1StringView("yes") || word == QLatin1StringView("on")) {
        *value = true;
        return true;
    }
    if (word == QLatin1StringView("false") || word == QLatin1StringView("0")
        || word == QLatin1StringView("no") || word == QLatin1StringView("off")) {
        *value = false;
        return true;
    }
    *problem = QStringLiteral("\"%1\" is not true or false.").arg(text);
    return false;
}

// "conn=3,type=chat": the connections and frame types a trace is limited to.
bool parseTraceFilter(const QString &text, ServerConfig *config, QString *problem)
{
    config->traceConnections.clear();
    config->traceTypes.clear();
    if (text.trimmed() == QLatin1StringView("all"))
        return true;
    for (const QString &term : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString key = term.section(QLatin1Char('='), 0, 0).trimmed();
        const QString argument = term.section(QLatin1Char('='), 1).trimmed();
        bool ok = false;
        if (key == QLatin1StringView("conn")) {
            const quint64 connection = argument.toULongLong(&ok);
            ok = ok && connection > 0;
            if (ok)
                config->traceConnections.append(connection);
        } else if (key == QLatin1StringView("type")) {
            ok = !argument.isEmpty();
            if (ok)
                config->traceTypes.append(argument.toUtf8());
        }
        if (!ok) {
            *problem = QStringLiteral("\"%1\" is neither conn=N nor type=T.").arg(term.trimmed());
            return false;
        }
    }
    return true;
}

// "127.0.0.1:9100" or "[::1]:9100"; "off" (or nothing) turns metrics off.
bool parseMetrics(const QString &text, ServerConfig *config, QString *problem)
{
    const QString value = text.trimmed();
    if (value.isEmpty() || value == QLatin1StringView("off")) {
        config->metrics = false;
        config->metricsHost.clear();
        config->metricsPort = 0;
        return true;
    }
    const qsizetype colon = value.lastIndexOf(QLatin1Char(':'));
    QString host = value.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    bool portOk = false;
    const uint port = value.mid(colon + 1).toUInt(&portOk);
    QHostAddress address;
    if (colon < 0 || !portOk || port > 65535 || !address.setAddress(host)) {
        *problem =
            QStringLiteral("\"%1\" is not ADDRESS:PORT, such as 127.0.0.1:9100, or off.").arg(text);
        return false;
    }
    config->metrics = true;
    config->metricsHost = address;
    config->metricsPort = quint16(port);
    return true;
}

// One of a few words; chosen() receives its index.
bool parseChoice(const QString &text, std::initializer_list<const char *> words, QString *problem,
                 const std::function<void(int)> &chosen)
{
    QStringList names;
    for (const char *word : words) {
        if (text == QLatin1StringView(word)) {
            chosen(int(names.size()));
            return true;
        }
        names.append(QString::fromLatin1(word));
    }
    *problem = QStringLiteral("\"%1\" is not %2.").arg(text, names.join(QLatin1StringView(" or ")));
    return false;
}

QString metricsText(const ServerConfig &config)
{
    if (!config.metrics)
        return QStringLiteral("off");
    const QString host = config.metricsHost.protocol() == QAbstractSocket::IPv6Protocol
        ? QStringLiteral("[%1]").arg(config.metricsHost.toString())
        : config.metricsHost.toString();
    return QStringLiteral("%1:%2").arg(host).arg(config.metricsPort);
}

QString traceFilterText(const ServerConfig &config)
{
    QStringList terms;
    for (quint64 connection : config.traceConnections)
        terms.append(QStringLiteral("conn=%1").arg(connection));
    for (const QByteArray &type : config.traceTypes)
        terms.append(QStringLiteral("type=%1").arg(QString::fromUtf8(type)));
    return terms.isEmpty() ? QStringLiteral("all") : terms.join(QLatin1Char(','));
}

const std::vector<TextOption> &textOptions()
{
    static const std::vector<TextOption> options = {
        { "host", "Address to listen on. Default: all interfaces.", "address",
          [](const ServerConfig &c) {
              return c.host == QHostAddress::Any ? QStringLiteral("all interfaces")
                                                 : c.host.toString();
          },
          [](ServerConfig &c, const QString &text, QString *problem) {
              if (c.host.setAddress(text))
                  return true;
              *problem = QStringLiteral("\"%1\" is not an IP address.").arg(text);
              return false;
          } },
        { "name", "Server name shown to clients.", "text",
          [](const ServerConfig &c) { return c.serverName; },
          [](ServerConfig &c, const QString &text, QString *) {
              c.serverName = text;
              return true;
          } },
        { "trace",
          "Write a line to standard error for every thread start and finish, read, frame in and "
          "out, room fan-out and drop (docs/PROTOCOL.md, \"Watching the wire\"). Default: off.",
          "",
          [](const ServerConfig &c) {
              return c.trace ? QStringLiteral("true") : QStringLiteral("false");
          },
          [](ServerConfig &c, const QString &text, QString *problem) {
              return parseSwitch(text, &c.trace, problem);
          } },
        { "trace-filter",
          "Trace only these: comma-separated conn=N (a connection, as in conn-N) and type=T (a "
          "frame type such as chat; lines without a type pass). Implies --trace. Default: all.",
          "terms", [](const ServerConfig &c) { return traceFilterText(c); },
          [](ServerConfig &c, const QString &text, QString *problem) {
              c.trace = true;
              return parseTraceFilter(text, &c, problem);
          } },
        { "trace-format",
          "text (for people) or json (one object per line, for tools). Implies --trace. Default: "
          "text.",
          "format",
          [](const ServerConfig &c) {
              return c.traceJson ? QStringLiteral("json") : QStringLiteral("text");
          },
          [](ServerConfig &c, const QString &text, QString *problem) {
              if (text != QLatin1StringView("text") && text != QLatin1StringView("json")) {
                  *problem = QStringLiteral("\"%1\" is neither text nor json.").arg(text);
                  return false;
              }
              c.trace = true;
              c.traceJson = text == QLatin1StringView("json");
              return true;
          } },
        { "metrics",
          "Serve counters in Prometheus' text format at http://ADDRESS:PORT/metrics, and /health "
          "(200 while the server listens). No names or text, but never expose it publicly: bind "
          "127.0.0.1 or a private address. Default: off.",
          "address:port", [](const ServerConfig &c) { return metricsText(c); },
          [](ServerConfig &c, const QString &text, QString *problem) {
              return parseMetrics(text, &c, problem);
          } },
        { "database",
          "Where room history is kept: sqlite:PATH (created on first start), "
          "postgresql://user@host:port/db (the password from PGPASSWORD or ~/.pgpass), or none "
          "(in memory only). Default: sqlite in the server's data directory.",
          "url", [](const ServerConfig &c) { return c.databaseUrl(); },
          [](ServerConfig &c, const QString &text, QString *problem) {
              if (text != QLatin1StringView("none")
                  && !text.startsWith(QLatin1StringView("sqlite:"))
                  && !text.startsWith(QLatin1StringView("postgresql://"))) {
                  *problem = QStringLiteral(
                                 "\"%1\" is none, sqlite:PATH or postgresql://user@host:port/db.")
                                 .arg(text);
                  return false;
              }
              c.database = text;
              return true;
          } },
        { "cluster",
          "Be one of several servers on one PostgreSQL --database: what each stores is "
          "relayed to the others through the Redis server at redis://HOST:PORT (no password; "
          "keep it on a private network). Default: alone.",
          "url", [](const ServerConfig &c) { return c.cluster; },
          [](ServerConfig &c, const QString &text, QString *problem) {
              QString host;
              quint16 port = 0;
              if (!text.isEmpty() && !ClusterLink::parseUrl(text, &host, &port, problem))
                  return false;
              c.cluster = text;
              return true;
          } },
        { "log-format", "How log lines are written: human, or json (one object a line).", "format",
          [](const ServerConfig &c) {
              return c.logFormat == Logging::Format::Json ? QStringLiteral("json")
                                                          : QStringLiteral("human");
          },
          [](ServerConfig &c, const QString &text, QString *problem) {
              if (text == QLatin1StringView("human")) {
                  c.logFormat = Logging::Format::Human;
              } else if (text == QLatin1StringView("json")) {
                  c.logFormat = Logging::Format::Json;
              } else {
                  *problem = QStringLiteral("\"%1\" is not human or json.").arg(text);
                  return false;
              }
              return true;
          } },
        { "guests",
          "allow: a join without a password takes any name no account has; deny: only "
          "accounts may join.",
          "allow|deny",
          [](const ServerConfig &c) {
              return c.guestsAllowed ? QStringLiteral("allow") : QStringLiteral("deny");
          },
          [](ServerConfig &c, const QString &text, QString *problem) {
              return parseChoice(text, { "allow", "deny" }, problem,
                                 [&c](int choice) { c.guestsAllowed = choice == 0; });
          } },
        { "registration",
          "open: clients may register a free name with a password; closed: only `pynet-server "
          "account add` makes accounts.",
          "open|closed",
          [](const ServerConfig &c) {
              return c.registrationOpen ? QStringLiteral("open") : QStringLiteral("closed");
          },
          [](ServerConfig &c, const QString &text, QString *problem) {
              return parseChoice(text, { "open", "closed" }, problem,
                                 [&c](int choice) { c.registrationOpen = choice == 0; });
          } },
        { "admins",
          "Accounts that may moderate every room (comma-separated names); they must log in. "
          "Default: none.",
          "NAMES", [](const ServerConfig &c) { return c.admins.join(QLatin1Char(',')); },
          [](ServerConfig &c, const QString &text, QString *problem) {
              QStringList names;
              for (const QString &name : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                  const QString normalized = Validation::normalizedName(name);
                  QString reason;
                  if (!Validation::isValidName(normalized, &reason)) {
                      *problem = QStringLiteral("\"%1\": %2").arg(name.trimmed(), reason);
                      return false;
                  }
                  names.append(normalized);
              }
              c.admins = names;
              return true;
          } },
        { "plain-logins",
          "Password logins over unencrypted TCP: loopback (only from this host), allow (from "
          "anywhere: the password crosses the network readable), or deny.",
          "loopback|allow|deny",
          [](const ServerConfig &c) {
              switch (c.plainLogins) {
              case ServerConfig::PlainLogins::Allow:
                  return QStringLiteral("allow");
              case ServerConfig::PlainLogins::Deny:
                  return QStringLiteral("deny");
              case ServerConfig::PlainLogins::Loopback:
                  break;
              }
              return QStringLiteral("loopback");
          },
          [](ServerConfig &c, const QString &text, QString *problem) {
              return parseChoice(text, { "loopback", "allow", "deny" }, problem, [&c](int choice) {
                  c.plainLogins = choice == 0 ? ServerConfig::PlainLogins::Loopback
                      : choice == 1           ? ServerConfig::PlainLogins::Allow
                                              : ServerConfig::PlainLogins::Deny;
              });
          } },
        { "tls-cert",
          "Serve TLS (1.2 or later) on --tls-port with this PEM certificate (the server's first, "
          "then its chain); needs --tls-key. SIGHUP reads it again. Default: no TLS.",
          "file", [](const ServerConfig &c) { return c.tlsCertificate; },
          [](ServerConfig &c, const QString &text, QString *) {
              c.tlsCertificate = text;
              return true;
          } },
        { "tls-key",
          "The PEM private key (RSA or EC, unencrypted) of --tls-cert; keep it readable by the "
          "server alone. SIGHUP reads it again. Default: none.",
          "file", [](const ServerConfig &c) { return c.tlsKey; },
          [](ServerConfig &c, const QString &text, QString *) {
              c.tlsKey = text;
              return true;
          } },
        { "no-plain",
          "Do not listen on --port: TLS clients only (needs --tls-cert; seed clients cannot "
          "connect). Default: off.",
          "",
          [](const ServerConfig &c) {
              return c.noPlain ? QStringLiteral("true") : QStringLiteral("false");
          },
          [](ServerConfig &c, const QString &text, QString *problem) {
              return parseSwitch(text, &c.noPlain, problem);
          } },
    };
    return options;
}

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
        { "tls-port", "Port for TLS clients when --tls-cert is given (0 picks a free one).", 0,
          65535, [](const ServerConfig &c) { return c.tlsPort; },
          [](ServerConfig &c, double v) {
              c.tlsPort = quint16(v);
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
        { "retain-days", "Days a room message is kept (0: forever).", 0, 1e5,
          [](const ServerConfig &c) { return c.retainDays; },
          [](ServerConfig &c, double v) {
              c.retainDays = int(v);
          } },
        { "retain-messages", "Messages kept per room, the newest (0: no limit).", 0, 1e9,
          [](const ServerConfig &c) { return c.retainMessages; },
          [](ServerConfig &c, double v) {
              c.retainMessages = int(v);
          } },
        { "storage-backlog",
          "Room messages relayed and kept in memory while the database is unreachable, to be "
          "stored when it is back; beyond it the oldest are not stored.",
          0, 1e7, [](const ServerConfig &c) { return c.storageBacklog; },
          [](ServerConfig &c, double v) {
              c.storageBacklog = int(v);
          } },
        { "max-rooms", "Rooms the server holds; entering a new room past it is refused.", 1, 1e6,
          [](const ServerConfig &c) { return c.maxRooms; },
          [](ServerConfig &c, double v) {
              c.maxRooms = int(v);
          } },
        { "max-rooms-per-client", "Rooms one client may be in at once.", 1, 1e5,
          [](const ServerConfig &c) { return c.maxRoomsPerClient; },
          [](ServerConfig &c, double v) {
              c.maxRoomsPerClient = int(v);
          } },
        { "max-topic", "Longest room topic in characters.", 1, 1e5,
          [](const ServerConfig &c) { return c.maxTopicLength; },
          [](ServerConfig &c, double v) {
              c.maxTopicLength = int(v);
          } },
        { "history-limit", "Most messages one history request returns.", 1, 1e5,
          [](const ServerConfig &c) { return c.historyPageLimit; },
          [](ServerConfig &c, double v) {
              c.historyPageLimit = int(v);
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
        { "hash-memory-kib",
          "KiB of memory each Argon2id password hash takes (OWASP's minimum is 19456); stored "
          "hashes made otherwise are renewed at their next login.",
          8, 4 * 1024 * 1024, [](const ServerConfig &c) { return c.hashMemoryKib; },
          [](ServerConfig &c, double v) {
              c.hashMemoryKib = int(v);
          } },
        { "hash-passes", "Passes of each Argon2id password hash (OWASP's minimum is 2).", 1, 100,
          [](const ServerConfig &c) { return c.hashPasses; },
          [](ServerConfig &c, double v) {
              c.hashPasses = int(v);
          } },
        { "max-hashing",
          "Password hashes computed at once, each holding --hash-memory-kib; further logins wait.",
          1, 256, [](const ServerConfig &c) { return c.maxHashing; },
          [](ServerConfig &c, double v) {
              c.maxHashing = int(v);
          } },
        { "max-hashing-queue",
          "Logins that may wait for a hash; beyond it a login gets login_throttled.", 1, 1e6,
          [](const ServerConfig &c) { return c.maxHashingQueue; },
          [](ServerConfig &c, double v) {
              c.maxHashingQueue = int(v);
          } },
        { "max-room-rules",
          "Bans, mutes, invitations and operators one room may hold together; beyond, "
          "too_many_rules.",
          1, 1e6, [](const ServerConfig &c) { return c.maxRoomRules; },
          [](ServerConfig &c, double v) {
              c.maxRoomRules = int(v);
          } },
        { "cluster-timeout",
          "Seconds Redis may stay silent before the link to it is dropped and made again; "
          "what was missed meanwhile is read from the database.",
          0.05, 3600, [](const ServerConfig &c) { return c.clusterTimeoutMs / 1000.0; },
          [](ServerConfig &c, double v) {
              c.clusterTimeoutMs = int(v * 1000);
          } },
        { "cluster-presence-timeout",
          "Seconds another server of the cluster may stay silent (it says it is alive every "
          "third of this) before its users are taken to be gone.",
          0.1, 3600, [](const ServerConfig &c) { return c.clusterPresenceTimeoutMs / 1000.0; },
          [](ServerConfig &c, double v) {
              c.clusterPresenceTimeoutMs = int(v * 1000);
          } },
        { "cluster-max-pending",
          "Messages waiting to be published to Redis; beyond it they are dropped, and the "
          "other servers read them from the database.",
          1, 1e7, [](const ServerConfig &c) { return c.clusterMaxPending; },
          [](ServerConfig &c, double v) {
              c.clusterMaxPending = int(v);
          } },
        { "private-retain-messages",
          "Private messages kept per conversation between two accounts, the newest (0: no "
          "limit).",
          0, 1e9, [](const ServerConfig &c) { return c.privateRetainMessages; },
          [](ServerConfig &c, double v) {
              c.privateRetainMessages = int(v);
          } },
        { "private-retain-days", "Days a private message between accounts is kept (0: forever).", 0,
          1e5, [](const ServerConfig &c) { return c.privateRetainDays; },
          [](ServerConfig &c, double v) {
              c.privateRetainDays = int(v);
          } },
        { "max-account-lookups",
          "Account lookups (is a guest's name registered, is a token valid) that may wait for "
          "the account database; beyond it the join gets login_throttled.",
          1, 1e6, [](const ServerConfig &c) { return c.maxAccountLookups; },
          [](ServerConfig &c, double v) {
              c.maxAccountLookups = int(v);
          } },
        { "login-failures",
          "Failed logins a minute per account name and per peer address, at most this many at "
          "once (0: no limit); beyond, login_throttled without checking.",
          0, 1e6, [](const ServerConfig &c) { return c.loginFailures; },
          [](ServerConfig &c, double v) {
              c.loginFailures = int(v);
          } },
        { "login-throttle-keys",
          "Names and addresses whose failed logins are remembered; past it the fully refilled, "
          "then the oldest, are forgotten.",
          16, 1e8, [](const ServerConfig &c) { return c.loginThrottleKeys; },
          [](ServerConfig &c, double v) {
              c.loginThrottleKeys = int(v);
          } },
        { "token-days",
          "Days a login token (given at each password login, so that reconnects need no "
          "password) stays valid; a password change revokes them all.",
          1, 3650, [](const ServerConfig &c) { return c.tokenDays; },
          [](ServerConfig &c, double v) {
              c.tokenDays = int(v);
          } },
        { "min-password-length", "Fewest characters of a new password.", 1, 1024,
          [](const ServerConfig &c) { return c.minPasswordLength; },
          [](ServerConfig &c, double v) {
              c.minPasswordLength = int(v);
          } },
    };
    return options;
}

// Every option, text and numeric, seen the same way: what the command line,
// the config file and a reload go through, so that an option added to either
// table is covered by all three.
struct Option
{
    QString name;
    QString description; // with its default, for --help
    QString valueName; // empty for a flag
    std::function<QString(const ServerConfig &)> get;
    std::function<bool(ServerConfig &, const QString &, QString *)> set;
};

const std::vector<Option> &allOptions()
{
    static const std::vector<Option> options = [] {
        const ServerConfig defaults;
        std::vector<Option> all;
        for (const TextOption &option : textOptions()) {
            QString description = QString::fromLatin1(option.description);
            if (!description.contains(QLatin1StringView("Default:")))
                description += QStringLiteral(" Default: %1.").arg(option.get(defaults));
            all.push_back({ QString::fromLatin1(option.name), description,
                            QString::fromLatin1(option.valueName), option.get, option.set });
        }
        for (const NumberOption &option : numberOptions()) {
            const auto text = [get = option.get](const ServerConfig &c) {
                return QString::number(get(c), 'g', 12);
            };
            const auto set = [option](ServerConfig &c, const QString &text, QString *problem) {
                bool ok = false;
                const double value = text.toDouble(&ok);
                if (!ok || value < option.minimum || value > option.maximum) {
                    *problem = QStringLiteral("\"%1\" is not a number from %2 to %3.")
                                   .arg(text)
                                   .arg(option.minimum)
                                   .arg(option.maximum);
                    return false;
                }
                option.set(c, value);
                return true;
            };
            all.push_back({ QString::fromLatin1(option.name),
                            QStringLiteral("%1 Default: %2.")
                                .arg(QString::fromLatin1(option.description), text(defaults)),
                            QStringLiteral("n"), text, set });
        }
        return all;
    }();
    return options;
}

const Option *findOption(const QString &name)
{
    for (const Option &option : allOptions()) {
        if (option.name == name)
            return &option;
    }
    return nullptr;
}

// A config file's value as the text the command line would have given. QSettings
// reads an unquoted value with commas as a list; the commas were the user's text.
QString settingText(const QVariant &value)
{
    if (value.userType() == QMetaType::QStringList)
        return value.toStringList().join(QLatin1StringView(", "));
    return value.toString();
}

} // namespace

void ServerConfig::addOptions(QCommandLineParser *parser)
{
    for (const Option &option : allOptions())
        parser->addOption({ option.name, option.description, option.valueName });
}

bool ServerConfig::fromParser(const QCommandLineParser &parser, ServerConfig *config,
                              QString *error)
{
    for (const Option &option : allOptions()) {
        if (!parser.isSet(option.name))
            continue;
        const QString text =
            option.valueName.isEmpty() ? QStringLiteral("true") : parser.value(option.name);
        QString problem;
        if (!option.set(*config, text, &problem)) {
            *error = QStringLiteral("--%1: %2").arg(option.name, problem);
            return false;
        }
    }
    return true;
}

bool ServerConfig::fromFile(const QString &path, ServerConfig *config, QString *error)
{
    // QSettings reads a missing or unreadable file as an empty one.
    const QFileInfo file(path);
    if (!file.isFile() || !file.isReadable()) {
        *error = QStringLiteral("%1: cannot read the file.").arg(path);
        return false;
    }
    const QSettings settings(path, QSettings::IniFormat);
    if (settings.status() != QSettings::NoError) {
        *error = QStringLiteral("%1: not an INI file of \"key = value\" lines.").arg(path);
        return false;
    }
    for (const QString &key : settings.allKeys()) {
        // A key under a [section] comes as "section/key"; no option has a section.
        const Option *option = findOption(key);
        if (!option && key.startsWith(QLatin1Char('#'))) {
            *error = QStringLiteral("%1: \"%2\": comments start with \";\" in this file, not "
                                    "\"#\".")
                         .arg(path, key);
            return false;
        }
        if (!option) {
            *error = QStringLiteral("%1: unknown key \"%2\" (the keys are the names of the "
                                    "command-line options, see --help).")
                         .arg(path, key);
            return false;
        }
        QString text = settingText(settings.value(key));
        if (option->valueName.isEmpty()) {
            const QString flag = text.toLower();
            if (flag == QLatin1StringView("false") || flag == QLatin1StringView("no")
                || flag == QLatin1StringView("0"))
                continue;
            if (flag != QLatin1StringView("true") && flag != QLatin1StringView("yes")
                && flag != QLatin1StringView("1")) {
                *error =
                    QStringLiteral("%1: %2: \"%3\" is not true or false.").arg(path, key, text);
                return false;
            }
            text = QStringLiteral("true");
        }
        QString problem;
        if (!option->set(*config, text, &problem)) {
            *error = QStringLiteral("%1: %2: %3").arg(path, key, problem);
            return false;
        }
    }
    return true;
}

QList<ServerConfig::Change> ServerConfig::differences(const ServerConfig &before,
                                                      const ServerConfig &after)
{
    QList<Change> changes;
    for (const Option &option : allOptions()) {
        const QString was = option.get(before);
        const QString now = option.get(after);
        if (was != now)
            changes.append({ option.name, was, now });
    }
    return changes;
}

bool ServerConfig::checkTls(QString *error) const
{
    if (tlsCertificate.isEmpty() != tlsKey.isEmpty()) {
        *error = QStringLiteral("--tls-cert and --tls-key go together: give both or neither.");
        return false;
    }
    if (noPlain && !hasTls()) {
        *error = QStringLiteral("--no-plain needs --tls-cert and --tls-key: otherwise nothing "
                                "would listen.");
        return false;
    }
    if (hasTls() && !noPlain && tlsPort == port && port != 0) {
        *error = QStringLiteral("--tls-port and --port are both %1.").arg(port);
        return false;
    }
    return true;
}

bool ServerConfig::checkCluster(QString *error) const
{
    if (hasCluster() && !databaseUrl().startsWith(QLatin1StringView("postgresql://"))) {
        *error = QStringLiteral("--cluster needs a postgresql:// --database that every server "
                                "of the cluster shares.");
        return false;
    }
    return true;
}

QString ServerConfig::databaseUrl() const
{
    if (!database.isEmpty())
        return database;
    return QStringLiteral("sqlite:%1/pynet.db")
        .arg(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
}
