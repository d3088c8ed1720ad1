// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QObject>

class QSocketNotifier;

// Turns Unix signals into a Qt signal on the event loop (the self-pipe trick),
// so a Ctrl-C or a terminal resize is handled between events, never inside one.
class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    // Starts catching signal; its default action no longer happens.
    void watch(int signal);
    // Puts the default action back, e.g. to really stop on SIGTSTP.
    void restoreDefault(int signal);

Q_SIGNALS:
    void signalReceived(int signal);

private:
    static void handle(int signal);
    void readPipe();

    QSocketNotifier *m_notifier = nullptr;
    QList<int> m_watched;
};
