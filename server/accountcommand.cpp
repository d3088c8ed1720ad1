// SPDX-License-Identifier: MIT
#include "accountcommand.h"

#include "accounts.h"
#include "accountstore.h"
#include "passwordhasher.h"
#include "serverconfig.h"
#include "validation.h"

#include <QCommandLineParser>
#include <QDateTime>

#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace {

const QString PasswordVariable = QStringLiteral("PYNET_PASSWORD");

void fail(const QString &message)
{
    std::fprintf(stderr, "pynet-server account: %s\n", qPrintable(message));
}

// One line from the terminal with echo off.
bool readHidden(const char *prompt, QString *line)
{
    std::fputs(prompt, stderr);
    std::fflush(stderr);
    termios saved {};
    const bool terminal = ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (terminal) {
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    QByteArray bytes;
    int c = 0;
    while ((c = std::fgetc(stdin)) != EOF && c != '\n')
        bytes.append(char(c));
    if (terminal)
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputs("\n", stderr);
    *line = QString::fromUtf8(bytes);
    bytes.fill('\0');
    return c != EOF || !line->isEmpty();
}

// The new password: typed twice on a terminal, or from the environment.
bool newPassword(const QString &name, QString *password)
{
    if (::isatty(STDIN_FILENO)) {
        QString again;
        const QByteArray prompt = QStringLiteral("New password for %1: ").arg(name).toUtf8();
        if (!readHidden(prompt.constData(), password) || !readHidden("Again: ", &again)) {
            fail(QStringLiteral("no password given"));
            return false;
        }
        if (*password != again) {
            fail(QStringLiteral("the two passwords differ"));
            return false;
        }
        return true;
    }
    if (!qEnvironmentVariableIsSet("PYNET_PASSWORD")) {
        fail(QStringLiteral("standard input is not a terminal: give the password in %1")
                 .arg(PasswordVariable));
        return false;
    }
    *password = qEnvironmentVariable("PYNET_PASSWORD");
    qunsetenv("PYNET_PASSWORD"); // nothing this starts inherits it
    return true;
}

} // namespace

bool AccountCommand::isCommand(const QStringList &arguments)
{
    return arguments.size() > 1 && arguments.at(1) == QLatin1StringView("account");
}

int AccountCommand::run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral(
            "pynet-server account add NAME | remove NAME | list | passwd NAME\n"
            "Adds, removes, lists accounts or sets an account's password, in the database the "
            "server's options name. The password is read from the terminal, or from %1 when "
            "standard input is not one. Exit codes: 0 done, 1 usage, 2 no such account or it "
            "exists already, 3 database.")
            .arg(PasswordVariable));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("action"),
                                 QStringLiteral("add NAME, remove NAME, list or passwd NAME"));
    parser.addPositionalArgument(QStringLiteral("name"), QStringLiteral("The account's name."),
                                 QStringLiteral("[name]"));
    ServerConfig::addOptions(&parser);
    const QCommandLineOption configOption(QStringLiteral("config"),
                                          QStringLiteral("Read the server's options from file."),
                                          QStringLiteral("file"));
    parser.addOption(configOption);
    QStringList rest = arguments;
    rest.removeAt(1); // "account"
    if (!parser.parse(rest)) {
        fail(parser.errorText());
        return Usage;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return Ok;
    }
    ServerConfig config;
    QString error;
    const QString configPath = parser.value(configOption);
    if ((!configPath.isEmpty() && !ServerConfig::fromFile(configPath, &config, &error))
        || !ServerConfig::fromParser(parser, &config, &error)) {
        fail(error);
        return Usage;
    }
    const QStringList positional = parser.positionalArguments();
    const QString action = positional.value(0);
    const bool named = action == QLatin1StringView("add") || action == QLatin1StringView("remove")
        || action == QLatin1StringView("passwd");
    if (!(named && positional.size() == 2)
        && !(action == QLatin1StringView("list") && positional.size() == 1)) {
        fail(QStringLiteral("usage: pynet-server account add NAME | remove NAME | list | passwd "
                            "NAME [--database URL] [--config FILE]"));
        return Usage;
    }
    if (config.databaseUrl() == QLatin1StringView("none")) {
        fail(QStringLiteral("--database none keeps no accounts"));
        return Usage;
    }
    const QString name = Validation::normalizedName(positional.value(1));
    if (named && !Validation::isValidName(name, &error)) {
        fail(error);
        return Usage;
    }

    const Accounts::Settings settings = Accounts::settingsFor(config);
    std::unique_ptr<AccountStore> store =
        AccountStore::create(settings.url, settings.createDirectory, &error);
    if (!store || !store->open(&error)) {
        fail(error);
        return Database;
    }
    const QString key = Validation::nameKey(name);

    if (action == QLatin1StringView("list")) {
        QList<AccountStore::Account> accounts;
        if (!store->list(&accounts, &error)) {
            fail(error);
            return Database;
        }
        for (const AccountStore::Account &account : std::as_const(accounts)) {
            const QString created =
                QDateTime::fromMSecsSinceEpoch(account.createdMs, Qt::UTC).toString(Qt::ISODate);
            std::printf("%s\t%s\n", qPrintable(account.name), qPrintable(created));
        }
        return Ok;
    }
    if (action == QLatin1StringView("remove")) {
        switch (store->remove(key, &error)) {
        case AccountStore::Found::Yes:
            std::printf("removed %s\n", qPrintable(name));
            return Ok;
        case AccountStore::Found::No:
            fail(QStringLiteral("no account %1").arg(name));
            return NoSuchAccount;
        case AccountStore::Found::Error:
            fail(error);
            return Database;
        }
    }

    AccountStore::Account account;
    const AccountStore::Found found = store->find(key, &account, &error);
    if (found == AccountStore::Found::Error) {
        fail(error);
        return Database;
    }
    const bool adding = action == QLatin1StringView("add");
    if (adding && found == AccountStore::Found::Yes) {
        fail(QStringLiteral("the account %1 exists already").arg(account.name));
        return AlreadyExists;
    }
    if (!adding && found == AccountStore::Found::No) {
        fail(QStringLiteral("no account %1").arg(name));
        return NoSuchAccount;
    }
    QString password;
    if (!newPassword(name, &password))
        return Usage;
    if (const QString weak = Accounts::weakness(password, config.minPasswordLength);
        !weak.isEmpty()) {
        fail(weak);
        return Usage;
    }
    if (!PasswordHasher::initialize()) {
        fail(QStringLiteral("libsodium cannot start"));
        return Database;
    }
    const QByteArray hash = PasswordHasher(config.hashPasses, config.hashMemoryKib).hash(password);
    password.fill(QLatin1Char('\0'));
    if (hash.isEmpty()) {
        fail(QStringLiteral("cannot hash with --hash-memory-kib %1").arg(config.hashMemoryKib));
        return Database;
    }
    if (adding) {
        account = { key, name, hash, QDateTime::currentMSecsSinceEpoch() };
        switch (store->add(account, &error)) {
        case AccountStore::Found::No:
            std::printf("added %s\n", qPrintable(name));
            return Ok;
        case AccountStore::Found::Yes:
            fail(QStringLiteral("the account %1 exists already").arg(name));
            return AlreadyExists;
        case AccountStore::Found::Error:
            fail(error);
            return Database;
        }
    }
    // A new password revokes every login token: whoever had one logs in again.
    if (!store->setHash(key, hash, true, &error)) {
        fail(error);
        return Database;
    }
    std::printf("password of %s changed; its login tokens are revoked\n", qPrintable(account.name));
    return Ok;
}
