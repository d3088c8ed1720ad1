// SPDX-License-Identifier: MIT
#include "clioptions.h"
#include "consoleclient.h"

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("pynet-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PYNET_VERSION));

    CliOptions options;
    QString error;
    if (!CliOptions::parse(QCoreApplication::arguments(), &options, &error)) {
        std::fprintf(stderr, "pynet-cli: %s\nTry 'pynet-cli --help'.\n", qPrintable(error));
        return ConsoleClient::ExitUsage;
    }

    ConsoleClient client(options);
    QObject::connect(&client, &ConsoleClient::finished, &app, &QCoreApplication::exit,
                     Qt::QueuedConnection);
    QTimer::singleShot(0, &client, &ConsoleClient::start);
    return app.exec();
}
