// SPDX-License-Identifier: MIT
#include "accountcommand.h"
#include "accounts.h"
#include "chatserver.h"
#include "cluster.h"
#include "configreloader.h"
#include "glibctunables.h"
#include "healthcheck.h"
#include "logging.h"
#include "metricsserver.h"
#include "openfilelimit.h"
#include "serverconfig.h"
#include "signalwatcher.h"
#include "storage.h"
#include "tlscredentials.h"
#include "trace.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <csignal>
#include <cstdio>

namespace {
// A server this slow to answer one ping is failing anyway; under the Dockerfile's
// HEALTHCHECK --timeout, so that the check reports its own reason.
constexpr int CheckTimeoutMs = 3000;
} // namespace

int main(int argc, char *argv[])
{
    // First of all: this may start the program again.
    GlibcTunables::applyByReexecuting(argv);
    // Qt's own event dispatcher costs a thread about 11 KiB where glib's costs 27 KiB,
    // and this server runs a thread per client.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    qInstallMessageHandler(Logging::writeLine);

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pynet-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PYNET_VERSION));
    if (AccountCommand::isCommand(QCoreApplication::arguments()))
        return AccountCommand::run(QCoreApplication::arguments());

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "PyNet Chat server: relays every chat message to all other joined clients.\n"
        "pynet-server account add NAME | remove NAME | list | passwd NAME manages accounts "
        "(pynet-server account --help)."));
    parser.addHelpOption();
    parser.addVersionOption();
    ServerConfig::addOptions(&parser);
    const QCommandLineOption configOption(
        QStringLiteral("config"),
        QStringLiteral("Read options from file, an INI file of \"option = value\" lines with "
                       "the options' names; the command line wins. SIGHUP reads it again."),
        QStringLiteral("file"));
    const QCommandLineOption checkOption(
        QStringLiteral("check"),
        QStringLiteral("Ask the server at host:port whether it is serving (exit 0) or not "
                       "(exit 1), without joining, and exit."),
        QStringLiteral("host:port"));
    parser.addOption(configOption);
    parser.addOption(checkOption);
    // An unknown option or a missing value is a usage error like a bad value
    // below (exit 2); process() alone would exit 1.
    if (!parser.parse(QCoreApplication::arguments())) {
        std::fprintf(stderr, "pynet-server: %s\nTry --help.\n", qPrintable(parser.errorText()));
        return 2;
    }
    parser.process(app);
    if (parser.isSet(checkOption))
        return HealthCheck::run(parser.value(checkOption), CheckTimeoutMs);

    // The same at start and at every reload: the file, then the command line over it.
    const QString configPath = parser.value(configOption);
    const auto read = [&parser, configPath](ServerConfig *config, QString *error) {
        return (configPath.isEmpty() || ServerConfig::fromFile(configPath, config, error))
            && ServerConfig::fromParser(parser, config, error) && config->checkTls(error)
            && config->checkCluster(error);
    };
    ServerConfig config;
    QString error;
    if (!read(&config, &error)) {
        std::fprintf(stderr, "pynet-server: %s\n", qPrintable(error));
        return 2;
    }
    Logging::setFormat(config.logFormat);
    if (*GlibcTunables::current())
        qCInfo(lcServer) << "glibc tunables:" << GlibcTunables::current();
    const int fileLimit = OpenFileLimit::raiseToHardLimit();
    const int allowed = OpenFileLimit::clientsAllowed(fileLimit);
    if (config.maxClients > allowed) {
        qCWarning(lcServer) << "open-file limit" << fileLimit << "allows" << allowed
                            << "clients; --max-clients lowered from" << config.maxClients;
        config.maxClients = allowed;
    }

    // Before any connection thread exists, which then only reads it.
    Trace::Settings trace;
    trace.enabled = config.trace;
    trace.format = config.traceJson ? Trace::Format::Json : Trace::Format::Text;
    trace.connections = config.traceConnections;
    trace.types = config.traceTypes;
    Trace::configure(trace);

    // Before anything opens: a server that was asked for TLS never runs without it.
    std::optional<QSslConfiguration> tls;
    if (config.hasTls()) {
        tls = TlsCredentials::load(config.tlsCertificate, config.tlsKey, &error);
        if (!tls) {
            std::fprintf(stderr, "pynet-server: %s\n", qPrintable(error));
            return 4;
        }
        qCInfo(lcServer).noquote() << "TLS certificate" << TlsCredentials::describe(*tls);
    }

    // Before the server: it relays through storage until its own end.
    std::unique_ptr<Storage> storage;
    Storage::Loaded loaded;
    if (config.databaseUrl() != QLatin1StringView("none")) {
        Storage::Settings settings;
        settings.url = config.databaseUrl();
        settings.retainDays = config.retainDays;
        settings.retainMessages = config.retainMessages;
        settings.backlog = config.storageBacklog;
        settings.recentPerRoom = config.historySize;
        settings.createDirectory = config.database.isEmpty(); // only the default's
        settings.sequenced = config.hasCluster();
        storage = Storage::open(settings, &loaded, &error);
        if (!storage) {
            std::fprintf(stderr, "pynet-server: %s\n", qPrintable(error));
            return 3;
        }
        qCInfo(lcServer).noquote()
            << "history in" << storage->displayName() << "with" << loaded.rooms.size() << "rooms";
    } else {
        qCInfo(lcServer) << "history in memory only (--database none)";
    }

    // Accounts live in the same database; without one there are only guests.
    std::unique_ptr<Accounts> accounts;
    if (storage) {
        accounts = Accounts::open(Accounts::settingsFor(config), &error);
        if (!accounts) {
            std::fprintf(stderr, "pynet-server: %s\n", qPrintable(error));
            return 3;
        }
    }

    ChatServer server(config, storage.get(), loaded);
    server.setAccounts(accounts.get());
    // Before serving: the first subscription then catches up on what the
    // others stored since the storage loaded.
    std::unique_ptr<Cluster> cluster;
    if (config.hasCluster()) {
        ClusterLink::Settings link;
        ClusterLink::parseUrl(config.cluster, &link.host, &link.port, &error);
        link.channel = "pynet:" + loaded.identity.toUtf8();
        link.timeout = std::chrono::milliseconds(config.clusterTimeoutMs);
        link.maxPending = config.clusterMaxPending;
        cluster = std::make_unique<Cluster>(
            link, std::chrono::milliseconds(config.clusterPresenceTimeoutMs), storage.get(),
            &server.hub());
        qCInfo(lcServer).noquote()
            << "cluster through" << cluster->link().displayName() << "as node" << cluster->node();
    }
    if (tls)
        server.setTlsConfiguration(*tls);
    ConfigReloader reloader(
        [read, allowed](ServerConfig *fresh, QString *error) {
            if (!read(fresh, error))
                return false;
            fresh->maxClients = qMin(fresh->maxClients, allowed);
            return true;
        },
        config, &server);
    // Before listening: whoever sees "listening on" may send SIGTERM or SIGHUP at once.
    SignalWatcher signalWatcher;
    signalWatcher.watch(SIGINT);
    signalWatcher.watch(SIGTERM);
    signalWatcher.watch(SIGHUP);
    QObject::connect(&signalWatcher, &SignalWatcher::signalReceived, &server, [&](int signal) {
        if (signal == SIGHUP)
            reloader.reload();
        else
            server.shutdown();
    });
    // Before the chat port: whoever sees "listening on" may scrape at once.
    std::unique_ptr<MetricsServer> metrics;
    if (config.metrics) {
        metrics = std::make_unique<MetricsServer>(&server);
        if (!metrics->listen(config.metricsHost, config.metricsPort, &error)) {
            std::fprintf(stderr, "pynet-server: cannot listen for --metrics on %s port %u: %s\n",
                         qPrintable(config.metricsHost.toString()), unsigned(config.metricsPort),
                         qPrintable(error));
            return 1;
        }
        qCInfo(lcServer).noquote() << "metrics at" << metrics->url();
    }
    if (!server.start(&error)) {
        std::fprintf(stderr, "pynet-server: cannot listen: %s\n", qPrintable(error));
        return 1;
    }
    QObject::connect(&server, &ChatServer::stopped, &app, &QCoreApplication::quit);
    const int status = app.exec();
    if (cluster)
        cluster->stop(); // nothing from the others while the storage closes
    // While the hub and storage still exist: the last private messages stored
    // are still delivered, through both.
    accounts.reset();
    // While the hub still exists: the last commits still deliver to its rooms.
    storage.reset();
    return status;
}
