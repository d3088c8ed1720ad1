// SPDX-License-Identifier: MIT
#include "signalwatcher.h"

#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

// Written from the handler, so it has to be a plain global.
static int s_pipe[2] = { -1, -1 };

SignalWatcher::SignalWatcher(QObject *parent) : QObject(parent)
{
    if (s_pipe[0] < 0 && ::pipe2(s_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        qFatal("cannot create the signal pipe: %s", strerror(errno));
    m_notifier = new QSocketNotifier(s_pipe[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalWatcher::readPipe);
}

SignalWatcher::~SignalWatcher()
{
    for (int signal : std::as_const(m_watched))
        restoreDefault(signal);
}

void SignalWatcher::watch(int signal)
{
    struct sigaction action = {};
    action.sa_handler = &SignalWatcher::handle;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(signal, &action, nullptr);
    if (!m_watched.contains(signal))
        m_watched.append(signal);
}

void SignalWatcher::restoreDefault(int signal)
{
    struct sigaction action = {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, nullptr);
}

void SignalWatcher::handle(int signal)
{
    const int savedErrno = errno;
    const unsigned char byte = static_cast<unsigned char>(signal);
    [[maybe_unused]] const ssize_t written = ::write(s_pipe[1], &byte, 1);
    errno = savedErrno;
}

void SignalWatcher::readPipe()
{
    unsigned char signals[64];
    const ssize_t count = ::read(s_pipe[0], signals, sizeof signals);
    for (ssize_t i = 0; i < count; ++i)
        Q_EMIT signalReceived(signals[i]);
}
