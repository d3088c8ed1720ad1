// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <termios.h>

class QSocketNotifier;

// Asks for a password on the terminal with echo off, from the event loop, so
// that the session goes on while the person types. It reads stdin itself,
// never through the line editor, so a password never reaches its history.
// The terminal's mode comes back when the answer is in, on cancel() and in
// the destructor (Ctrl-C leaves through it).
class PasswordPrompt : public QObject
{
    Q_OBJECT
public:
    // terminal: where the question is written (stdout, or stderr when stdout
    // is redirected); the answer always comes from stdin.
    explicit PasswordPrompt(FILE *terminal, QObject *parent = nullptr);
    ~PasswordPrompt() override;

    // Asks; answered() or cancelled() follows. The line editor must be stopped.
    void ask(const QString &question);
    void cancel();
    bool isActive() const { return m_notifier != nullptr; }

Q_SIGNALS:
    // Without the newline; may be empty (the person just pressed Enter).
    void answered(const QString &password);
    // Ctrl-D, or the terminal went away.
    void cancelled();

private:
    void readAvailable();
    void finish();

    FILE *m_terminal;
    QSocketNotifier *m_notifier = nullptr;
    termios m_savedMode {};
    bool m_modeSaved = false;
    QByteArray m_typed;
};
