// SPDX-License-Identifier: MIT
#include "commandlineoptions.h"
#include "connectdialog.h"
#include "mainwindow.h"

#include <QApplication>
#include <QIcon>
#include <QLineEdit>

int main(int argc, char *argv[])
{
    QCoreApplication::setOrganizationName(QStringLiteral("PyNet"));
    QCoreApplication::setApplicationName(QStringLiteral("pynet-gui"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PYNET_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("PyNet Chat"));
    QGuiApplication::setDesktopFileName(QStringLiteral("pynet-gui"));

    const QStringList ownArguments = CommandLineOptions::takeOwnArguments(argc, argv);
    CommandLineOptions options;
    if (options.parse(ownArguments) != CommandLineOptions::Outcome::Run) {
        QCoreApplication app(argc, argv); // --help and --version need no display
        return options.report();
    }

    QApplication app(argc, argv);
    // What neither Qt nor we recognise is a mistake worth saying so.
    if (options.parse(ownArguments + app.arguments().mid(1)) != CommandLineOptions::Outcome::Run)
        return options.report();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/pynet-chat.svg")));

    MainWindow window;
    window.client()->setConnectTimeout(options.connectTimeoutMs() > 0
                                           ? options.connectTimeoutMs()
                                           : ConnectDialog::rememberedConnectTimeoutMs());
    if (options.connectNow()) {
        QString host;
        quint16 port = 0;
        QString name;
        ConnectDialog::loadRemembered(&host, &port, &name);
        window.client()->setTls(ConnectDialog::rememberedTls());
        window.show();
        // Typing starts at once; under X without a window manager nothing
        // else gives a new window the keyboard.
        window.activateWindow();
        window.connectTo(options.hasHost() ? options.host() : host,
                         options.hasPort() ? options.port() : port, options.name());
    } else {
        window.openConnectDialog();
        ConnectDialog *dialog = window.connectDialog();
        dialog->setValues(options.hasHost() ? options.host() : dialog->host(),
                          options.hasPort() ? options.port() : dialog->port(),
                          dialog->nameEdit()->text());
    }
    return app.exec();
}
