// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

// What the kernel says about a running process (/proc/PID): its memory,
// threads and open descriptors, the figures a leak or an unbounded buffer moves.
class ProcessProbe
{
public:
    explicit ProcessProbe(qint64 pid) : m_pid(pid) { }

    qint64 residentKiB() const; // VmRSS
    qint64 peakResidentKiB() const; // VmHWM
    int threads() const;
    int openFiles() const;

private:
    qint64 statusField(const char *name) const;

    qint64 m_pid;
};
