// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <sys/types.h>

// What /proc says about a process: resident memory, threads and CPU time used.
struct ProcessStats
{
    bool valid = false;
    int64_t rssKb = 0;
    int64_t peakRssKb = 0; // VmHWM
    int64_t threads = 0;
    double cpuSeconds = 0; // user + system

    static ProcessStats read(pid_t pid);
    // This process's own CPU time (user + system), for telling when we are the bottleneck.
    static double selfCpuSeconds();
    // Seconds the threads of pid spent runnable but waiting for a CPU (schedstat):
    // other work on the machine shows up here, not in the CPU time.
    static double runQueueWaitSeconds(pid_t pid);
    // The 1-minute load average.
    static double loadAverage();
};
