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

Q_SIGNALS:
    void lineRead(const QString &line);
    // End of input; a last line without a newline came before it.
    void finished();

private:
    void readAvailable();
    void emitLines();

    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_buffer;
};
