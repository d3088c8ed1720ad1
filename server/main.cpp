#include "chatserver.h"
#include "glibctunables.h"
#include "logging.h"
#include "openfilelimit.h"
#include "serverconfig.h"
#include "signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace {
// Writes digits right-aligned into out[0, width).
void putNumber(char *out, int width, long value)
{
    for (int i = width - 1; i >= 0; --i, value /= 10)
        out[i] = char('0' + value % 10);
}
} // namespace

// Formats and writes each log line itself, with one write(2). Qt's default
// handler goes through unbuffered stdio, whose 8 KiB stack buffer would stay
// resident in every connection thread that ever logged; qFormatLogMessage()
// formats the time through QDateTime and vasprintf, 1.3 KiB deeper than this,
// which made logging a join the deepest thing a connection's thread did. The
// lines are those the pattern "%{time yyyy-MM-ddTHH:mm:ss.zzz} %{if-warning}
// warning: %{endif}%{if-critical}error: %{endif}%{message}" gave; as with any
// handler of our own, QT_MESSAGE_PATTERN does not apply.
static void writeLogLine(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    tm local {};
    ::localtime_r(&now.tv_sec, &local);
    char stamp[] = "yyyy-MM-ddTHH:mm:ss.zzz ";
    putNumber(stamp, 4, local.tm_year + 1900);
    putNumber(stamp + 5, 2, local.tm_mon + 1);
    putNumber(stamp + 8, 2, local.tm_mday);
    putNumber(stamp + 11, 2, local.tm_hour);
    putNumber(stamp + 14, 2, local.tm_min);
    putNumber(stamp + 17, 2, local.tm_sec);
    putNumber(stamp + 20, 3, now.tv_nsec / 1000000);
    QByteArray line = QByteArray(stamp, sizeof(stamp) - 1);
    if (type == QtWarningMsg)
        line += "warning: ";
    else if (type == QtCriticalMsg)
        line += "error: ";
    line += message.toLocal8Bit();
    line += '\n';
    [[maybe_unused]] const ssize_t written =
        ::write(STDERR_FILENO, line.constData(), size_t(line.size()));
}

int main(int argc, char *argv[])
{
    // First of all: this may start the program again.
    GlibcTunables::applyByReexecuting(argv);
    // Qt's own event dispatcher costs a thread about 11 KiB where glib's costs 27 KiB,
    // and this server runs a thread per client.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    qInstallMessageHandler(writeLogLine);

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pynet-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PYNET_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "PyNet Chat server: relays every chat message to all other joined clients."));
    parser.addHelpOption();
    parser.addVersionOption();
    ServerConfig::addOptions(&parser);
    // An unknown option or a missing value is a usage error like a bad value
    // below (exit 2); process() alone would exit 1.
    if (!parser.parse(QCoreApplication::arguments())) {
        std::fprintf(stderr, "pynet-server: %s\nTry --help.\n", qPrintable(parser.errorText()));
        return 2;
    }
    parser.process(app);

    ServerConfig config;
    QString error;
    if (!ServerConfig::fromParser(parser, &config, &error)) {
        std::fprintf(stderr, "pynet-server: %s\n", qPrintable(error));
        return 2;
    }
    if (*GlibcTunables::current())
        qCInfo(lcServer) << "glibc tunables:" << GlibcTunables::current();
    const int fileLimit = OpenFileLimit::raiseToHardLimit();
    const int allowed = OpenFileLimit::clientsAllowed(fileLimit);
    if (config.maxClients > allowed) {
        qCWarning(lcServer) << "open-file limit" << fileLimit << "allows" << allowed
                            << "clients; --max-clients lowered from" << config.maxClients;
        config.maxClients = allowed;
    }

    ChatServer server(config);
    // Before listening: whoever sees "listening on" may send SIGTERM at once.
    SignalWatcher signalWatcher;
    signalWatcher.watch(SIGINT);
    signalWatcher.watch(SIGTERM);
    QObject::connect(&signalWatcher, &SignalWatcher::signalReceived, &server,
                     &ChatServer::shutdown);
    if (!server.start(&error)) {
        std::fprintf(stderr, "pynet-server: cannot listen: %s\n", qPrintable(error));
        return 1;
    }
    QObject::connect(&server, &ChatServer::stopped, &app, &QCoreApplication::quit);
    return app.exec();
}
