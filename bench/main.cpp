// SPDX-License-Identifier: MIT
// pynet-bench: load generator and meter for PyNet Chat and IRC servers on loopback.
#include "benchoptions.h"
#include "loadgenerator.h"
#include "runreport.h"
#include "scrollbackbench.h"

#include <csignal>
#include <cstdio>
#include <string>
#include <sys/resource.h>

namespace {

// Each member is a descriptor: take the whole hard limit.
void raiseDescriptorLimit(int needed)
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    if (rlim_t(needed) + 16 > limit.rlim_cur) {
        std::fprintf(stderr, "warning: %d members but only %llu descriptors allowed\n", needed,
                     static_cast<unsigned long long>(limit.rlim_cur));
    }
}

bool quickCheckPassed(const RunReport &report)
{
    bool passed = report.joined == report.clients && !report.steps.empty();
    for (const StepReport &step : report.steps) {
        passed = passed && step.sent > 0 && step.expected > 0 && step.lost() == 0
            && step.delivered == step.expected && step.disconnects == 0 && step.latencyP50Ns > 0;
    }
    return passed;
}

bool appendJson(const std::string &path, const std::string &json)
{
    if (path.empty())
        return true;
    FILE *file = std::fopen(path.c_str(), "a");
    if (!file) {
        std::fprintf(stderr, "pynet-bench: cannot write %s\n", path.c_str());
        return false;
    }
    std::fprintf(file, "%s\n", json.c_str());
    std::fclose(file);
    return true;
}

int runScrollback(const BenchOptions &options)
{
    ScrollbackBench bench(options);
    std::string json;
    std::string row;
    std::string error;
    const bool ran = bench.run(&json, &row, &error);
    std::fputs(row.c_str(), stdout);
    std::fflush(stdout);
    if (!ran)
        std::fprintf(stderr, "pynet-bench: %s\n", error.c_str());
    return appendJson(options.jsonPath, json) && ran ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    BenchOptions options;
    std::string error;
    if (!options.parse(argc, argv, &error)) {
        if (error.empty()) {
            std::fputs(BenchOptions::usage(), stdout);
            return 0;
        }
        std::fprintf(stderr, "pynet-bench: %s\n\n%s", error.c_str(), BenchOptions::usage());
        return 2;
    }
    if (options.headerOnly) {
        std::fputs(RunReport::tableHeader().c_str(), stdout);
        return 0;
    }
    std::signal(SIGPIPE, SIG_IGN);
    raiseDescriptorLimit(options.clients + 1);
    if (options.scrollbackFill > 0 || options.scrollbackRead)
        return runScrollback(options);

    RunReport report;
    for (int i = 0; i < argc; ++i)
        report.command += (i ? " " : "") + std::string(argv[i]);
    LoadGenerator generator(options);
    if (!generator.run(&report, &error)) {
        std::fprintf(stderr, "pynet-bench: %s\n", error.c_str());
        return 2;
    }
    if (options.tableHeader)
        std::fputs(RunReport::tableHeader().c_str(), stdout);
    std::fputs(report.tableRows().c_str(), stdout);
    std::fflush(stdout);
    if (!appendJson(options.jsonPath, report.toJson()))
        return 2;
    if (options.quick) {
        const bool passed = quickCheckPassed(report);
        std::fprintf(stderr, "quick self-check: %s\n", passed ? "PASS" : "FAIL");
        if (!passed)
            std::fprintf(stderr, "%s\n", report.toJson().c_str());
        return passed ? 0 : 1;
    }
    return 0;
}
