// SPDX-License-Identifier: MIT
#include "stdinreader.h"

#include <QSocketNotifier>

#include <cerrno>
#include <unistd.h>

StdinReader::StdinReader(QObject *parent) : QObject(parent) { }

void StdinReader::start()
{
    m_notifier = new QSocketNotifier(STDIN_FILENO, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &StdinReader::readAvailable);
}

void StdinReader::setPaused(bool paused)
{
    if (m_paused == paused)
        return;
    m_paused = paused;
    if (m_notifier && !m_atEnd)
        m_notifier->setEnabled(!paused);
    if (!paused) {
        emitLines();
        finishIfDone();
    }
}

void StdinReader::readAvailable()
{
    char chunk[65536];
    const ssize_t count = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (count < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (count > 0) {
        m_buffer.append(chunk, count);
        emitLines();
        return;
    }
    m_notifier->setEnabled(false);
    m_atEnd = true;
    if (!m_buffer.isEmpty() && !m_buffer.endsWith('\n'))
        m_buffer.append('\n');
    emitLines();
    finishIfDone();
}

void StdinReader::finishIfDone()
{
    if (!m_atEnd || m_finished || !m_buffer.isEmpty() || m_paused)
        return;
    m_finished = true;
    Q_EMIT finished();
}

void StdinReader::emitLines()
{
    qsizetype start = 0;
    for (qsizetype end = m_buffer.indexOf('\n'); end >= 0 && !m_paused;
         end = m_buffer.indexOf('\n', start)) {
        QByteArrayView line(m_buffer.constData() + start, end - start);
        if (line.endsWith('\r'))
            line.chop(1);
        Q_EMIT lineRead(QString::fromUtf8(line));
        start = end + 1;
    }
    m_buffer.remove(0, start);
}
