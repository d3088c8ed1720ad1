// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

// What pynet-gui was asked to do on its command line. Our options are taken out
// of argv before QApplication sees it: on X11 Qt consumes -name and -display,
// with one dash or two, and --name would otherwise never reach us.
class CommandLineOptions
{
public:
    enum class Outcome {
        Run,
        ShowHelp,
        ShowVersion,
        Error,
    };

    // Removes our options and their values from argv, adjusting argc, and
    // returns them in order. Everything else stays for QApplication.
    static QStringList takeOwnArguments(int &argc, char **argv);

    // Parses options without the program name: what takeOwnArguments returned,
    // plus whatever Qt left in QCoreApplication::arguments().
    Outcome parse(const QStringList &arguments);
    // Prints help, version or the error for the last parse; the exit code.
    int report() const;

    Outcome outcome() const { return m_outcome; }
    QString errorText() const { return m_errorText; }
    QString helpText() const { return m_helpText; }

    // Given values; connectNow() when a name was given, which skips the dialog.
    bool hasHost() const { return !m_host.isEmpty(); }
    bool hasPort() const { return m_port != 0; }
    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    QString name() const { return m_name; }
    bool connectNow() const { return !m_name.isEmpty(); }
    // --connect-timeout in ms; 0 when not given.
    int connectTimeoutMs() const { return m_connectTimeoutMs; }

private:
    Outcome fail(const QString &text);

    Outcome m_outcome = Outcome::Run;
    QString m_errorText;
    QString m_helpText;
    QString m_host;
    QString m_name;
    quint16 m_port = 0;
    int m_connectTimeoutMs = 0;
};
