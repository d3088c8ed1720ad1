// SPDX-License-Identifier: MIT
#include "lineeditor.h"

#include "chatcommand.h"
#include "terminalprinter.h"

#include <QSocketNotifier>

#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>
#include <unistd.h>

#include <editline/readline.h>

LineEditor *LineEditor::s_instance = nullptr;

// Bytes [0, end) of the line being edited. rl_line_buffer can point at a
// conversion buffer libedit has since reallocated, so ask for a fresh copy.
static QByteArray typedText(int end)
{
    end = qMin(end, rl_end);
    if (end <= 0)
        return {}; // rl_copy_text() leaves an empty copy unterminated
    // libedit's rl_copy_text(from, to) copies one byte less than asked for
    // (it calls strlcpy with the length, not the size); find out once.
    static int missingBytes = -1;
    if (missingBytes < 0) {
        char *probe = rl_copy_text(0, 1);
        missingBytes = probe && probe[0] == '\0' ? 1 : 0;
        std::free(probe);
    }
    char *copy = rl_copy_text(0, qMin(end + missingBytes, rl_end));
    const QByteArray text(copy ? copy : "", copy ? qsizetype(qstrnlen(copy, uint(end))) : 0);
    std::free(copy);
    return text;
}

static int widthOfTyped(int end)
{
    const QByteArray text = typedText(end);
    int width = TerminalPrinter::displayWidth(QString::fromUtf8(text));
    if (text.size() < end) {
        // The last byte could not be copied. When it ended a multi-byte character,
        // the truncated character already counted as one column.
        const bool truncatedCharacter = !text.isEmpty() && (uchar(text.back()) & 0x80);
        if (!truncatedCharacter)
            width += 1;
    }
    return width;
}

// libedit prints prompt bytes between two \1 as they are, without counting them
// as columns; this wraps every escape sequence so, and measures the rest.
static QByteArray libeditPrompt(const QByteArray &prompt, int *visibleWidth)
{
    QByteArray result;
    QByteArray visible;
    for (qsizetype i = 0; i < prompt.size(); ++i) {
        if (prompt.at(i) == '\x1b' && i + 1 < prompt.size() && prompt.at(i + 1) == '[') {
            qsizetype end = i + 2;
            while (end < prompt.size() && (prompt.at(end) < 0x40 || prompt.at(end) > 0x7e))
                ++end;
            result += RL_PROMPT_START_IGNORE + prompt.mid(i, end - i + 1) + RL_PROMPT_END_IGNORE;
            i = end;
        } else {
            result += prompt.at(i);
            visible += prompt.at(i);
        }
    }
    *visibleWidth = TerminalPrinter::displayWidth(QString::fromUtf8(visible));
    return result;
}

LineEditor::LineEditor(FILE *terminal, QObject *parent) : QObject(parent), m_terminal(terminal)
{
    Q_ASSERT(!s_instance);
    s_instance = this;
    // Signals are ours (SignalWatcher): libedit's handlers would re-raise
    // SIGINT and kill us without leaving the chat properly.
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_instream = stdin;
    rl_outstream = m_terminal;
    rl_readline_name = "pynet-cli";
    rl_initialize();
    rl_attempted_completion_function = &LineEditor::complete;
    // libedit's rl_bind_key() binds only rl_insert; rl_add_defun() binds any function.
    rl_add_defun("pynet-next-window", &LineEditor::nextWindowKey, CTRL('X'));
    using_history();
    stifle_history(1000);
}

LineEditor::~LineEditor()
{
    stop();
    s_instance = nullptr;
}

int LineEditor::nextWindowKey(int, int)
{
    // After libedit is done with the key: the switch redraws the prompt.
    if (s_instance)
        QMetaObject::invokeMethod(s_instance, &LineEditor::nextWindowRequested,
                                  Qt::QueuedConnection);
    return 0;
}

void LineEditor::start(const QByteArray &prompt, bool keepHistory)
{
    m_keepHistory = keepHistory;
    m_active = true;
    if (!m_notifier) {
        m_notifier = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &LineEditor::readAvailable);
    }
    m_notifier->setEnabled(true);
    if (m_installed) {
        setPrompt(prompt);
        return;
    }
    m_prompt = libeditPrompt(prompt, &m_promptWidth);
    install();
}

void LineEditor::setPrompt(const QByteArray &prompt)
{
    int width = 0;
    const QByteArray converted = libeditPrompt(prompt, &width);
    if (converted == m_prompt)
        return;
    if (m_installed)
        eraseInputArea();
    m_prompt = converted;
    m_promptWidth = width;
    if (m_installed) {
        rl_set_prompt(m_prompt.constData());
        rl_forced_update_display();
        std::fflush(m_terminal);
    }
}

void LineEditor::stop()
{
    m_active = false;
    if (m_notifier)
        m_notifier->setEnabled(false);
    if (m_installed) {
        eraseInputArea();
        rl_callback_handler_remove();
        m_installed = false;
    }
}

void LineEditor::install()
{
    rl_callback_handler_install(m_prompt.constData(), &LineEditor::lineCallback);
    m_installed = true;
    // The line starts empty; libedit updates these only after the next key.
    rl_point = 0;
    rl_end = 0;
    std::fflush(m_terminal);
}

// libedit's readline emulation cannot do GNU readline's usual dance here:
// rl_replace_line() ignores an empty line, _rl_erase_entire_line() is empty and
// rl_redisplay() only pushes a ^R into the input. So we clear the input area
// ourselves and let EL_REFRESH (rl_forced_update_display) draw prompt, text and
// cursor afresh at the cursor's new place.
void LineEditor::printAbove(const QByteArray &text)
{
    QByteArray lines = text;
    lines.replace("\n", "\r\n"); // the terminal may be in raw mode: no CR added for us
    lines += "\r\n";
    if (m_installed)
        eraseInputArea();
    std::fwrite(lines.constData(), 1, size_t(lines.size()), m_terminal);
    if (m_installed)
        rl_forced_update_display(); // redraws from the cursor: prompt, text, cursor
    std::fflush(m_terminal);
}

void LineEditor::eraseInputArea()
{
    const int row = (m_promptWidth + widthOfTyped(rl_point)) / columns();
    QByteArray sequence;
    if (row > 0)
        sequence += "\x1b[" + QByteArray::number(row) + 'A';
    sequence += "\r\x1b[J";
    std::fwrite(sequence.constData(), 1, size_t(sequence.size()), m_terminal);
}

int LineEditor::columns() const
{
    struct winsize size = {};
    if (::ioctl(fileno(m_terminal), TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    return 80;
}

void LineEditor::readAvailable()
{
    int pending = 0;
    if (::ioctl(STDIN_FILENO, FIONREAD, &pending) == 0 && pending == 0) {
        // Readable with nothing to read: the terminal hung up.
        m_notifier->setEnabled(false);
        if (m_installed) {
            rl_callback_handler_remove();
            m_installed = false;
        }
        Q_EMIT endOfInput();
        return;
    }
    if (!m_installed)
        install();
    rl_callback_read_char();
}

void LineEditor::lineCallback(char *line)
{
    if (s_instance)
        s_instance->handleLine(line);
    else
        std::free(line);
}

void LineEditor::handleLine(char *line)
{
    // libedit has left raw mode and removed the prompt handler by now.
    m_installed = false;
    if (!line) {
        std::fputs("\r\x1b[K", m_terminal); // Ctrl-D leaves the cursor after the prompt
        std::fflush(m_terminal);
        Q_EMIT endOfInput();
        return;
    }
    const QString text = QString::fromUtf8(line);
    if (m_keepHistory) {
        // The entered line disappears; what it did is printed above the prompt instead.
        const int rows = (m_promptWidth + TerminalPrinter::displayWidth(text)) / columns() + 1;
        const QByteArray up = "\x1b[" + QByteArray::number(rows) + "A\r\x1b[J";
        std::fwrite(up.constData(), 1, size_t(up.size()), m_terminal);
        if (!text.trimmed().isEmpty() && ChatCommand::mayKeepInHistory(text))
            add_history(line);
    }
    std::free(line);
    if (m_active)
        install();
    Q_EMIT lineEntered(text);
}

char **LineEditor::complete(const char *text, int start, int end)
{
    Q_UNUSED(start)
    Q_UNUSED(end)
    rl_attempted_completion_over = 1; // never fall back to file names
    return rl_completion_matches(text, &LineEditor::nextCompletion);
}

char *LineEditor::nextCompletion(const char *text, int state)
{
    static qsizetype next = 0;
    if (state == 0)
        next = 0;
    if (!s_instance)
        return nullptr;
    const QString prefix = QString::fromUtf8(text);
    const QStringList &words = s_instance->m_completions;
    while (next < words.size()) {
        const QString &word = words.at(next++);
        if (word.startsWith(prefix, Qt::CaseInsensitive))
            return ::strdup(word.toUtf8().constData());
    }
    return nullptr;
}

void LineEditor::terminalResized()
{
    if (!m_installed)
        return;
    rl_resize_terminal();
    eraseInputArea();
    rl_forced_update_display();
    std::fflush(m_terminal);
}

void LineEditor::suspend()
{
    if (!m_installed || m_suspended)
        return;
    // Keep the handler, and with it what the user typed; only give the shell
    // a clean line and a terminal in its normal mode.
    eraseInputArea();
    std::fflush(m_terminal);
    rl_deprep_terminal();
    m_suspended = true;
}

void LineEditor::resume()
{
    if (!m_suspended)
        return;
    m_suspended = false;
    if (!m_installed)
        return;
    rl_prep_terminal(0);
    rl_forced_update_display();
    std::fflush(m_terminal);
}
