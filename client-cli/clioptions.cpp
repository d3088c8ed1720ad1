// SPDX-License-Identifier: MIT
#include "clioptions.h"

#include "protocol.h"
#include "validation.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QRegularExpression>

static QString exitCodeHelp()
{
    return QStringLiteral(
        "Chat in a PyNet Chat room from the terminal.\n"
        "\n"
        "With a terminal on stdin you get a prompt with line editing and history;\n"
        "type /help there for the commands. Otherwise every line read from stdin\n"
        "is sent as one chat message, and the program leaves once all are sent.\n"
        "\n"
        "Rooms: you start in #general (or in --room). /join #ROOM enters a room and\n"
        "makes it the current one: what you type goes there, and the prompt names\n"
        "it. Lines from the other rooms are shown with the room's name in front.\n"
        "Switch as in irssi: /window N goes to the Nth room in the order you joined\n"
        "them (#general is 1), Ctrl-X to the next one. /part leaves the current\n"
        "room, /rooms lists the server's, /topic shows or sets the topic and\n"
        "/history N shows older messages.\n"
        "\n"
        "Accounts: --login joins with your account's password, --register creates\n"
        "the account on first use (later it just logs in). The password is asked\n"
        "for without echo on the terminal, or read from the PYNET_PASSWORD\n"
        "environment variable (the only way in a pipe); /password changes it.\n"
        "A guest who picks a registered name is asked for its password.\n"
        "\n"
        "Several servers: --host a:5050,b:5050 (an IPv6 address as [::1]:5050; a\n"
        "host without a port takes --port), the nodes of one cluster, are tried in\n"
        "that order, each at every address its name has. One that fails is followed\n"
        "at once by the next; the back-off waits only between rounds of the list.\n"
        "After a drop the round starts at the server after the one lost.\n"
        "\n"
        "Exit codes:\n"
        "  0  left normally (/quit, end of input, Ctrl-C)\n"
        "  2  usage error\n"
        "  3  could not connect to the server\n"
        "  4  the server refused the name and no terminal is there to ask again\n"
        "  5  the connection was lost and --no-reconnect was given\n"
        "  6  the server refused the login (wrong password, closed registration,\n"
        "     no password in a pipe, ...) and no terminal is there to ask again\n"
        "  7  the server's TLS certificate was refused: changed since it was trusted,\n"
        "     or not trusted (answered no, or no terminal to ask and no\n"
        "     --trust-fingerprint)\n"
        "\n"
        "TLS: --tls verifies the server's certificate against the system's CAs and\n"
        "--ca. One that no CA vouches for (self-signed) is shown with its SHA-256\n"
        "fingerprint and you are asked whether to trust it; the answer is kept in\n"
        "~/.local/share/pynet/known-servers, and if that server's certificate ever\n"
        "changes the connection is refused. Without a terminal, pass the fingerprint\n"
        "the server's operator gave you with --trust-fingerprint.");
}

bool CliOptions::parse(const QStringList &arguments, CliOptions *options, QString *error)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(exitCodeHelp());
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption hostOption(
        QStringLiteral("host"),
        QStringLiteral("Server to connect to, or a comma-separated list to fail over between "
                       "(HOST[:PORT],...; default: localhost)."),
        QStringLiteral("host"), QStringLiteral("localhost"));
    const QCommandLineOption portOption(
        QStringLiteral("port"),
        QStringLiteral("Server port (default: %1, or %2 with --tls).")
            .arg(Protocol::DefaultPort)
            .arg(Protocol::DefaultTlsPort),
        QStringLiteral("port"), QString::number(Protocol::DefaultPort));
    const QCommandLineOption nameOption(
        QStringLiteral("name"),
        QStringLiteral("Your name in the chat; asked for when missing and stdin is a terminal."),
        QStringLiteral("name"));
    const QCommandLineOption roomOption(
        QStringLiteral("room"),
        QStringLiteral("Enter this room on start and talk there (default: %1); piped lines go "
                       "to it.")
            .arg(Protocol::DefaultRoom),
        QStringLiteral("#room"));
    const QCommandLineOption jsonOption(
        QStringLiteral("json"),
        QStringLiteral("Print every event from the server as one JSON line on stdout."));
    const QCommandLineOption noReconnectOption(
        QStringLiteral("no-reconnect"),
        QStringLiteral("Exit (code 5) when the connection is lost instead of reconnecting."));
    const QCommandLineOption connectTimeoutOption(
        QStringLiteral("connect-timeout"),
        QStringLiteral("Give a server this many seconds to answer the connect (default: 10) "
                       "before trying the next one, or waiting to retry."),
        QStringLiteral("seconds"), QString::number(options->connectTimeoutMs / 1000.0));
    const QCommandLineOption rateOption(
        QStringLiteral("rate"),
        QStringLiteral("Send at most this many messages a second (default: 8), so that piped "
                       "input stays under the server's limit and nothing is dropped."),
        QStringLiteral("messages"), QString::number(options->rate));
    const QCommandLineOption traceOption(
        QStringLiteral("trace"),
        QStringLiteral("Write what happens on the wire to stderr, one line each: every TCP read, "
                       "frame in and out, step of the connection and round trip (one JSON "
                       "object a line with --json). Watch it in a second pane: "
                       "2>/tmp/wire.log, then tail -f /tmp/wire.log."));
    const QCommandLineOption loginOption(
        QStringLiteral("login"),
        QStringLiteral("Log in to your account: the password is asked for on the terminal, or "
                       "taken from the PYNET_PASSWORD environment variable."));
    const QCommandLineOption registerOption(
        QStringLiteral("register"),
        QStringLiteral("Like --login, but create the account first if the name is free."));
    const QCommandLineOption tlsOption(
        QStringLiteral("tls"),
        QStringLiteral("Connect with TLS (1.2 or later), verifying the server's certificate."));
    const QCommandLineOption caOption(
        QStringLiteral("ca"),
        QStringLiteral("Trust the CA certificates in this PEM file besides the system's (with "
                       "--tls)."),
        QStringLiteral("file"));
    const QCommandLineOption trustOption(
        QStringLiteral("trust-fingerprint"),
        QStringLiteral("Accept and remember a server certificate that no CA vouches for if its "
                       "SHA-256 fingerprint is this (AB:CD:... or abcd...), without asking."),
        QStringLiteral("sha256"));
    parser.addOptions({ hostOption, portOption, nameOption, roomOption, jsonOption,
                        noReconnectOption, connectTimeoutOption, rateOption, traceOption,
                        loginOption, registerOption, tlsOption, caOption, trustOption });

    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return false;
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty()) {
        *error =
            QStringLiteral("Unexpected argument: %1").arg(parser.positionalArguments().first());
        return false;
    }

    bool portOk = false;
    const uint port = parser.value(portOption).toUInt(&portOk);
    if (!portOk || port == 0 || port > 65535) {
        *error = QStringLiteral("Invalid port: %1").arg(parser.value(portOption));
        return false;
    }
    options->tls = parser.isSet(tlsOption);
    const quint16 defaultPort =
        options->tls && !parser.isSet(portOption) ? Protocol::DefaultTlsPort : quint16(port);
    QString hostError;
    if (!ServerEndpoint::parseList(parser.value(hostOption), defaultPort, &options->servers,
                                   &hostError)) {
        *error = QStringLiteral("Invalid --host: %1.").arg(hostError);
        return false;
    }
    options->caFile = parser.value(caOption);
    if (parser.isSet(trustOption)) {
        // As openssl, ssh-keygen and our own prompt print it: any case, colons or not.
        QString hex = parser.value(trustOption).toUpper();
        if (hex.startsWith(QLatin1StringView("SHA256:")))
            hex = hex.mid(7);
        hex.remove(QLatin1Char(':'));
        static const QRegularExpression sha256(QStringLiteral("^[0-9A-F]{64}$"));
        if (!sha256.match(hex).hasMatch()) {
            *error = QStringLiteral("Invalid --trust-fingerprint: %1 (64 hex digits of SHA-256, "
                                    "colons allowed)")
                         .arg(parser.value(trustOption));
            return false;
        }
        for (qsizetype i = hex.size() - 2; i > 0; i -= 2)
            hex.insert(i, QLatin1Char(':'));
        options->trustFingerprint = hex;
    }
    if ((!options->caFile.isEmpty() || !options->trustFingerprint.isEmpty()) && !options->tls) {
        *error = QStringLiteral("--ca and --trust-fingerprint need --tls.");
        return false;
    }
    if (parser.isSet(nameOption)) {
        options->name = Validation::normalizedName(parser.value(nameOption));
        QString reason;
        if (!Validation::isValidName(options->name, &reason)) {
            *error = QStringLiteral("Invalid name: %1").arg(reason);
            return false;
        }
    }
    if (parser.isSet(roomOption)) {
        options->room = Validation::normalizedName(parser.value(roomOption));
        QString reason;
        if (!Validation::isValidRoomName(options->room, &reason)) {
            *error = QStringLiteral("Invalid room: %1").arg(reason);
            return false;
        }
    }
    bool rateOk = false;
    const double rate = parser.value(rateOption).toDouble(&rateOk);
    if (!rateOk || !(rate > 0) || rate > 1e6) {
        *error = QStringLiteral("Invalid rate: %1").arg(parser.value(rateOption));
        return false;
    }
    options->rate = rate;
    if (!ChatClient::parseConnectTimeout(parser.value(connectTimeoutOption),
                                         &options->connectTimeoutMs, error))
        return false;
    options->json = parser.isSet(jsonOption);
    options->reconnect = !parser.isSet(noReconnectOption);
    options->trace = parser.isSet(traceOption);
    options->registerAccount = parser.isSet(registerOption);
    options->login = options->registerAccount || parser.isSet(loginOption);
    return true;
}
