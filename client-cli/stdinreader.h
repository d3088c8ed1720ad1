// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QObject>

class QSocketNotifier;

// Reads standard input line by line without blocking the event loop, for pipe
// mode: `producer | pynet-cli --name bot`.
class StdinReader : public QObject
{
    Q_OBJECT
public:
    explicit StdinReader(QObject *parent = nullptr);

    void start();
    // Paused, it reads no more and emits no lines until resumed: back-pressure
    // for a producer faster than the server lets us send.
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }

Q_SIGNALS:
    void lineRead(const QString &line);
    // End of input; a last line without a newline came before it.
    void finished();

private:
    void readAvailable();
    void emitLines();
    void finishIfDone();

    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_buffer;
    bool m_paused = false;
    bool m_atEnd = false;
    bool m_finished = false;
};
