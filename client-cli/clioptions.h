// SPDX-License-Identifier: MIT
#pragma once

#include "chatclient.h"
#include "protocol.h"
#include "serverendpoint.h"

#include <QString>
#include <QStringList>

// What the user asked for on the command line.
struct CliOptions
{
    // --host: one server, or several to fail over between, in the order tried;
    // an entry without a port has --port (the default port without one).
    QList<ServerEndpoint> servers { { QStringLiteral("localhost"), Protocol::DefaultPort } };
    QString name;
    // --room: entered on start and current, also in pipe mode; empty: Protocol::DefaultRoom.
    QString room;
    bool json = false;
    bool reconnect = true;
    // --connect-timeout: how long a server may leave a connect unanswered
    // before the next one is tried.
    int connectTimeoutMs = ChatClient::DefaultConnectTimeoutMs;
    // --trace: the wire trace (ChatClient::wireEvent) on stderr, one line each.
    bool trace = false;
    // Messages per second we send at most; the server drops what exceeds its
    // limit (10 a second unless configured otherwise).
    double rate = 8;
    // --login: join with the account's password; --register: create the account
    // first when the name is free. The password is asked for on the terminal, or
    // read from PYNET_PASSWORD; never an argument, which every user can see in ps.
    bool login = false;
    bool registerAccount = false;
    // --tls: TLS to port (default Protocol::DefaultTlsPort then); --ca: a PEM
    // file of CAs trusted besides the system's; --trust-fingerprint: the
    // SHA-256 of a certificate no CA vouches for, accepted without asking.
    bool tls = false;
    QString caFile;
    QString trustFingerprint;

    // Parses arguments (argv, program name first). --help and --version print
    // and exit the process with 0, as QCommandLineParser does; a usage error
    // returns false with the message in *error.
    static bool parse(const QStringList &arguments, CliOptions *options, QString *error);
};
