// SPDX-License-Identifier: MIT
#include "processprobe.h"

#include <QDir>
#include <QFile>

qint64 ProcessProbe::statusField(const char *name) const
{
    QFile status(QStringLiteral("/proc/%1/status").arg(m_pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(name) + ':';
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

qint64 ProcessProbe::residentKiB() const
{
    return statusField("VmRSS");
}

qint64 ProcessProbe::peakResidentKiB() const
{
    return statusField("VmHWM");
}

int ProcessProbe::threads() const
{
    return int(statusField("Threads"));
}

int ProcessProbe::openFiles() const
{
    return int(QDir(QStringLiteral("/proc/%1/fd").arg(m_pid))
                   .entryList(QDir::AllEntries | QDir::System | QDir::Hidden | QDir::NoDotAndDotDot)
                   .size());
}
