// SPDX-License-Identifier: MIT
#include "commandlineoptions.h"

#include "chatclient.h"
#include "protocol.h"
#include "serverendpoint.h"
#include "validation.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

static const QStringList &optionsWithValue()
{
    static const QStringList names = { QStringLiteral("host"), QStringLiteral("port"),
                                       QStringLiteral("name"), QStringLiteral("connect-timeout") };
    return names;
}

static const QStringList &flagOptions()
{
    static const QStringList names = { QStringLiteral("h"),    QStringLiteral("?"),
                                       QStringLiteral("help"), QStringLiteral("help-all"),
                                       QStringLiteral("v"),    QStringLiteral("version") };
    return names;
}

QStringList CommandLineOptions::takeOwnArguments(int &argc, char **argv)
{
    QStringList own;
    int kept = argc > 0 ? 1 : 0;
    for (int i = 1; i < argc; ++i) {
        const QString argument = QString::fromLocal8Bit(argv[i]);
        QString key;
        if (argument.startsWith(QLatin1StringView("--")) && argument.size() > 2)
            key = argument.mid(2);
        else if (argument.startsWith(u'-') && argument.size() > 1)
            key = argument.mid(1);
        const bool hasInlineValue = key.contains(u'=');
        key = key.section(u'=', 0, 0);

        if (optionsWithValue().contains(key)) {
            own.append(QLatin1StringView("--") + argument.mid(argument.indexOf(key)));
            if (!hasInlineValue && i + 1 < argc)
                own.append(QString::fromLocal8Bit(argv[++i]));
        } else if (flagOptions().contains(key) && !hasInlineValue) {
            own.append(argument);
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    argv[kept] = nullptr;
    return own;
}

CommandLineOptions::Outcome CommandLineOptions::fail(const QString &text)
{
    m_errorText = text;
    m_outcome = Outcome::Error;
    return m_outcome;
}

CommandLineOptions::Outcome CommandLineOptions::parse(const QStringList &arguments)
{
    m_errorText.clear();
    m_host.clear();
    m_name.clear();
    m_port = 0;
    m_connectTimeoutMs = 0;

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("PyNet Chat desktop client. Without --name it opens the connect "
                       "dialog; with --name it connects at once."));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption hostOption(QStringLiteral("host"),
                                        QStringLiteral("Server to connect to, or a "
                                                       "comma-separated list to fail over "
                                                       "between (HOST[:PORT],...; default: the "
                                                       "last used, or 127.0.0.1)."),
                                        QStringLiteral("host"));
    const QCommandLineOption portOption(QStringLiteral("port"),
                                        QStringLiteral("Server port (default: the last one "
                                                       "used, or %1).")
                                            .arg(Protocol::DefaultPort),
                                        QStringLiteral("port"));
    const QCommandLineOption nameOption(QStringLiteral("name"),
                                        QStringLiteral("Your user name; connects without "
                                                       "asking."),
                                        QStringLiteral("name"));
    const QCommandLineOption connectTimeoutOption(
        QStringLiteral("connect-timeout"),
        QStringLiteral("Give a server this many seconds to answer the connect before trying "
                       "the next one, or waiting to retry (default: the connect dialog's "
                       "Connect timeout, first 10)."),
        QStringLiteral("seconds"));
    parser.addOptions({ hostOption, portOption, nameOption, connectTimeoutOption });
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    // Parsed before any QCoreApplication exists, so Qt cannot know the program name.
    m_helpText = parser.helpText().replace(QLatin1StringView("<executable_name>"),
                                           QStringLiteral("pynet-gui"));

    QStringList withProgram = arguments;
    withProgram.prepend(QStringLiteral("pynet-gui"));
    if (!parser.parse(withProgram))
        return fail(parser.errorText());
    if (parser.isSet(helpOption) || parser.isSet(QStringLiteral("help-all")))
        return m_outcome = Outcome::ShowHelp;
    if (parser.isSet(versionOption))
        return m_outcome = Outcome::ShowVersion;
    if (!parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("Unexpected argument '%1'.")
                        .arg(parser.positionalArguments().constFirst()));

    if (parser.isSet(hostOption)) {
        m_host = parser.value(hostOption).trimmed();
        if (m_host.isEmpty())
            return fail(QStringLiteral("The host must not be empty."));
    }
    if (parser.isSet(portOption)) {
        bool ok = false;
        const uint port = parser.value(portOption).toUInt(&ok);
        if (!ok || port == 0 || port > 65535)
            return fail(QStringLiteral("Invalid port '%1': use a number from 1 to 65535.")
                            .arg(parser.value(portOption)));
        m_port = quint16(port);
    }
    if (!m_host.isEmpty()) {
        QList<ServerEndpoint> servers;
        QString error;
        if (!ServerEndpoint::parseList(m_host, m_port ? m_port : Protocol::DefaultPort, &servers,
                                       &error))
            return fail(QStringLiteral("Invalid --host: %1.").arg(error));
    }
    if (parser.isSet(connectTimeoutOption)) {
        QString error;
        if (!ChatClient::parseConnectTimeout(parser.value(connectTimeoutOption),
                                             &m_connectTimeoutMs, &error))
            return fail(error + QLatin1Char('.'));
    }
    if (parser.isSet(nameOption)) {
        const QString name = Validation::normalizedName(parser.value(nameOption));
        QString reason;
        if (!Validation::isValidName(name, &reason))
            return fail(QStringLiteral("Invalid name: %1").arg(reason));
        m_name = name;
    }
    return m_outcome = Outcome::Run;
}

int CommandLineOptions::report() const
{
    switch (m_outcome) {
    case Outcome::Run:
        return 0;
    case Outcome::ShowHelp:
        std::fputs(qPrintable(m_helpText), stdout);
        return 0;
    case Outcome::ShowVersion:
        std::printf("%s %s\n", qPrintable(QCoreApplication::applicationName()),
                    qPrintable(QCoreApplication::applicationVersion()));
        return 0;
    case Outcome::Error:
        std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n",
                     qPrintable(QCoreApplication::applicationName()), qPrintable(m_errorText),
                     qPrintable(QCoreApplication::applicationName()));
        return 2;
    }
    return 2;
}
