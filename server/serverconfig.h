// SPDX-License-Identifier: MIT
#pragma once

#include "logging.h"
#include "protocol.h"

#include <QByteArrayList>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

class QCommandLineParser;

// Every setting and limit of the server, in one place. Each has a command-line
// option and the same key in the --config file; --help and docs/RELIABILITY.md
// list them with their defaults.
struct ServerConfig
{
    QHostAddress host = QHostAddress::Any;
    quint16 port = Protocol::DefaultPort;
    QString serverName = QStringLiteral("PyNet Chat");

    int maxClients = 9900; // lowered at start to what the descriptor limit allows
    int listenBacklog = 1024; // pending connections the kernel queues for us
    int historySize = 100; // room messages kept in memory per room for welcomes and catch-up
    // sqlite:PATH, postgresql://user@host:port/db, or none; empty: sqlite in the data directory.
    QString database;
    int retainDays = 0; // 0: keep messages forever
    int retainMessages = 0; // per room; 0: no limit
    int storageBacklog = 10000; // messages kept while the database is unreachable
    int maxRooms = 10000; // rooms on the server
    int maxRoomsPerClient = 100; // rooms one client may be in at once
    int historyPageLimit = 500; // messages in one answer to a history request
    int maxTopicLength = 300; // code points of a room's topic
    int presenceLimit = 1000; // rooms larger than this do not announce joins and leaves
    qsizetype maxFrameBytes = Protocol::DefaultMaxFrameBytes; // one incoming message, unparsed
    int maxDepth = 64; // nesting levels of one incoming message
    int maxTextLength = Protocol::DefaultMaxTextLength; // code points of one chat message
    qsizetype maxUnsentBytes = 1024 * 1024; // owed to a client that does not read
    int sendBufferBytes = 128 * 1024; // SO_SNDBUF of each client socket; 0: the kernel's
    int joinTimeoutMs = 20 * 1000; // from connect to a successful join
    int idleTimeoutMs = 120 * 1000; // silence before a rich client is dropped
    int seedPacingMs = 10; // gap between objects to a seed client (one object per recv)
    double coalesceAbove = 50000; // deliveries per second above which writes are coalesced
    int coalesceMs = 20; // the longest a write to one client is held back under load
    double rate = 10; // messages per second a client may send, sustained
    int burst = 20; // messages a client may send at once
    int threadStackBytes = 256 * 1024;
    Logging::Format logFormat = Logging::Format::Human;

    // --metrics: off by default; where /metrics and /health are served.
    bool metrics = false;
    QHostAddress metricsHost;
    quint16 metricsPort = 0;

    // --tls-cert and --tls-key (PEM): TLS on tlsPort; plain TCP on port unless noPlain.
    QString tlsCertificate;
    QString tlsKey;
    quint16 tlsPort = Protocol::DefaultTlsPort;
    bool noPlain = false;
    bool hasTls() const { return !tlsCertificate.isEmpty(); }
    // False with the reason when the TLS options do not go together.
    bool checkTls(QString *error) const;

    // --cluster redis://HOST:PORT: one of several servers on one PostgreSQL database.
    QString cluster;
    int clusterTimeoutMs = 3000; // Redis silent this long: reconnect, and catch up after
    int clusterMaxPending = 10000; // messages waiting to be published
    int clusterPresenceTimeoutMs = 10000; // a server silent this long is gone, with its users
    bool hasCluster() const { return !cluster.isEmpty(); }
    // False with the reason when --cluster does not go with the database.
    bool checkCluster(QString *error) const;

    // --trace: off by default; --trace-filter and --trace-format turn it on.
    bool trace = false;
    bool traceJson = false;
    QList<quint64> traceConnections; // empty: all
    QByteArrayList traceTypes; // empty: all

    // Accounts (docs/PROTOCOL.md, "Accounts").
    enum class PlainLogins { Loopback, Allow, Deny }; // passwords over unencrypted connections
    bool guestsAllowed = true; // joins without a password
    bool registrationOpen = true; // clients may register names themselves
    PlainLogins plainLogins = PlainLogins::Loopback;
    int hashMemoryKib = 19456; // Argon2id memory per hash (OWASP's minimum)
    int hashPasses = 2; // Argon2id passes
    int maxHashing = 2; // hashes at once, each holding hashMemoryKib
    int maxHashingQueue = 64; // logins waiting for a hash; beyond: login_throttled
    int maxRoomRules = 1000; // bans, mutes, invitations and operators per room
    QStringList admins; // accounts that moderate every room
    int maxAccountLookups = 10000; // joins waiting for the account database (a burst of guests)
    int loginFailures = 5; // failed logins a minute per name and per address; 0: no limit
    int loginThrottleKeys = 100000; // names and addresses the throttle remembers
    int tokenDays = 30; // a login token's life
    int minPasswordLength = 8; // code points of a new password
    // Private conversations between accounts: messages kept per conversation
    // (the newest; 0: no limit), and days (0: forever).
    int privateRetainMessages = 10000;
    int privateRetainDays = 0;

    // The database as --database names it, with the default filled in.
    QString databaseUrl() const;

    // Adds the options to parser; fromParser() reads them back after parsing.
    static void addOptions(QCommandLineParser *parser);
    // Returns false with a message for the user when a value is unusable.
    static bool fromParser(const QCommandLineParser &parser, ServerConfig *config, QString *error);
    // Reads an INI file whose keys are the options' names ("max-clients = 500"),
    // through QSettings. An unknown key or an unusable value is an error that
    // names the key: a typo must not silently leave a limit at its default.
    static bool fromFile(const QString &path, ServerConfig *config, QString *error);

    // "name: old -> new" for every option whose value differs, in --help's order.
    struct Change
    {
        QString option;
        QString before;
        QString after;
    };
    static QList<Change> differences(const ServerConfig &before, const ServerConfig &after);
};
