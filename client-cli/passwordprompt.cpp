// SPDX-License-Identifier: MIT
#include "passwordprompt.h"

#include <QSocketNotifier>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <unistd.h>

namespace {

// A typed password must not linger in freed memory.
void wipe(QByteArray *bytes)
{
    bytes->fill('\0');
    bytes->clear();
}

} // namespace

PasswordPrompt::PasswordPrompt(FILE *terminal, QObject *parent)
    : QObject(parent), m_terminal(terminal)
{ }

PasswordPrompt::~PasswordPrompt()
{
    finish();
}

void PasswordPrompt::ask(const QString &question)
{
    finish();
    if (::tcgetattr(STDIN_FILENO, &m_savedMode) == 0) {
        m_modeSaved = true;
        termios quiet = m_savedMode;
        // The kernel collects the line (ICANON) without showing it; ECHONL
        // still echoes the Enter, so the next output starts on a new line.
        quiet.c_lflag &= ~tcflag_t(ECHO);
        quiet.c_lflag |= ICANON | ECHONL;
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::fputs(question.toLocal8Bit().constData(), m_terminal);
    std::fflush(m_terminal);
    m_notifier = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &PasswordPrompt::readAvailable);
}

void PasswordPrompt::cancel()
{
    finish();
}

void PasswordPrompt::readAvailable()
{
    char buffer[256];
    const ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (got <= 0) {
        finish();
        Q_EMIT cancelled();
        return;
    }
    m_typed.append(buffer, got);
    std::fill(buffer, buffer + sizeof buffer, '\0');
    const qsizetype end = m_typed.indexOf('\n');
    if (end < 0)
        return;
    QByteArray line = m_typed.left(end);
    if (line.endsWith('\r'))
        line.chop(1);
    const QString password = QString::fromUtf8(line);
    wipe(&line);
    finish();
    Q_EMIT answered(password);
}

void PasswordPrompt::finish()
{
    wipe(&m_typed);
    delete m_notifier;
    m_notifier = nullptr;
    if (m_modeSaved) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &m_savedMode);
        m_modeSaved = false;
    }
}
