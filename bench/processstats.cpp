// SPDX-License-Identifier: MIT
#include "processstats.h"

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

ProcessStats ProcessStats::read(pid_t pid)
{
    ProcessStats stats;
    if (pid <= 0)
        return stats;
    const std::string dir = "/proc/" + std::to_string(pid);
    if (FILE *status = std::fopen((dir + "/status").c_str(), "r")) {
        char line[256];
        while (std::fgets(line, sizeof line, status)) {
            long long value = 0;
            if (std::sscanf(line, "VmRSS: %lld", &value) == 1)
                stats.rssKb = value;
            else if (std::sscanf(line, "VmHWM: %lld", &value) == 1)
                stats.peakRssKb = value;
            else if (std::sscanf(line, "Threads: %lld", &value) == 1)
                stats.threads = value;
        }
        std::fclose(status);
        stats.valid = stats.threads > 0;
    }
    if (FILE *stat = std::fopen((dir + "/stat").c_str(), "r")) {
        char buffer[1024];
        const size_t length = std::fread(buffer, 1, sizeof buffer - 1, stat);
        buffer[length] = '\0';
        std::fclose(stat);
        // The command name may hold spaces and parentheses: fields restart after the last ')'.
        if (const char *end = std::strrchr(buffer, ')')) {
            unsigned long long utime = 0;
            unsigned long long stime = 0;
            if (std::sscanf(end + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                            &utime, &stime)
                == 2) {
                stats.cpuSeconds = double(utime + stime) / double(sysconf(_SC_CLK_TCK));
            }
        }
    }
    return stats;
}

double ProcessStats::runQueueWaitSeconds(pid_t pid)
{
    const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
    DIR *dir = opendir(tasks.c_str());
    if (!dir)
        return 0;
    unsigned long long waitedNs = 0;
    while (const dirent *entry = readdir(dir)) {
        if (entry->d_name[0] == '.')
            continue;
        if (FILE *file = std::fopen((tasks + "/" + entry->d_name + "/schedstat").c_str(), "r")) {
            unsigned long long running = 0;
            unsigned long long waiting = 0;
            if (std::fscanf(file, "%llu %llu", &running, &waiting) == 2)
                waitedNs += waiting;
            std::fclose(file);
        }
    }
    closedir(dir);
    return double(waitedNs) / 1e9;
}

double ProcessStats::loadAverage()
{
    double load = 0;
    if (FILE *file = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(file, "%lf", &load) != 1)
            load = 0;
        std::fclose(file);
    }
    return load;
}

double ProcessStats::selfCpuSeconds()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}
