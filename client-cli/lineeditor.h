// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>

#include <cstdio>

class QSocketNotifier;

// The input line at the bottom of the terminal: libedit's readline interface in
// callback mode, fed one key at a time from the Qt event loop, so messages can
// arrive while the user types. Output goes above the prompt without garbling
// the half-typed line. libedit keeps one global editor, so there is one of these.
class LineEditor : public QObject
{
    Q_OBJECT
public:
    // terminal: the stream the prompt is drawn on (stdout, or stderr when stdout
    // is redirected). Keyboard input always comes from stdin.
    explicit LineEditor(FILE *terminal, QObject *parent = nullptr);
    ~LineEditor() override;

    // Shows prompt and reads lines. prompt may contain SGR colour sequences.
    // keepHistory: entered lines can be recalled with the arrow keys.
    void start(const QByteArray &prompt, bool keepHistory);
    // Changes the prompt, keeping what the user has typed.
    void setPrompt(const QByteArray &prompt);
    // Removes the prompt and gives the terminal back its normal mode.
    void stop();
    bool isActive() const { return m_active; }
    FILE *terminal() const { return m_terminal; }

    // Prints lines (already safe for a terminal, no trailing newline) above the
    // prompt, then redraws the prompt and the typed text with the cursor in place.
    void printAbove(const QByteArray &text);

    // What Tab completes: commands and the names of people online.
    void setCompletions(const QStringList &words) { m_completions = words; }

    // For SIGWINCH, SIGTSTP and SIGCONT.
    void terminalResized();
    void suspend();
    void resume();

Q_SIGNALS:
    void lineEntered(const QString &line);
    // Ctrl-D on an empty line, or the terminal went away.
    void endOfInput();
    // Ctrl-X: switch to the next room, as irssi users cycle windows.
    void nextWindowRequested();

private:
    static void lineCallback(char *line);
    static char **complete(const char *text, int start, int end);
    static char *nextCompletion(const char *text, int state);
    static int nextWindowKey(int count, int key);
    void handleLine(char *line);
    void readAvailable();
    void install();
    void eraseInputArea();
    int columns() const;

    static LineEditor *s_instance;

    FILE *m_terminal;
    QSocketNotifier *m_notifier = nullptr;
    QStringList m_completions;
    QByteArray m_prompt; // as libedit wants it: escapes between \1 and \2
    int m_promptWidth = 0;
    bool m_active = false;
    bool m_installed = false; // libedit has the terminal in raw mode, prompt shown
    bool m_keepHistory = false;
    bool m_suspended = false; // stopped by Ctrl-Z
};
