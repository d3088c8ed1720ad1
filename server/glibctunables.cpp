// SPDX-License-Identifier: MIT
#include "glibctunables.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace GlibcTunables {

namespace {
// Each measured with 2,000 joined clients (M1 in docs/BENCHMARKS.md, 2026-11-23).
const char *const Tunables[] = {
    // Every thread keeps up to 7 freed blocks of each small size for itself
    // (tcache). A connection's thread frees the temporaries of its join and
    // then idles, so those blocks stay resident and nobody else may reuse
    // them: 7.5 KiB per client. Without the cache a freed block goes back to
    // the shared arena at once.
    "glibc.malloc.tcache_count=0",
    // Static TLS that every thread reserves at the top of its stack, beyond
    // what the loaded libraries use: 512 bytes to speed up TLS of libraries
    // loaded later (optional) and 1,008 for 4 dlmopen() namespaces. The server
    // loads nothing later and uses no namespaces; 144 bytes stay reserved for
    // one library that would need them. With the 1.3 KiB a join needs a third
    // stack page: 4 KiB per client.
    "glibc.rtld.optional_static_tls=0",
    "glibc.rtld.nns=1",
};
} // namespace

void applyByReexecuting(char *argv[])
{
    const char *set = std::getenv("GLIBC_TUNABLES");
    std::string value = set ? set : "";
    bool added = false;
    for (const char *tunable : Tunables) {
        const std::string name(tunable, std::strchr(tunable, '='));
        if (value.find(name + '=') != std::string::npos)
            continue;
        value += (value.empty() ? "" : ":") + std::string(tunable);
        added = true;
    }
    if (!added)
        return;
    ::setenv("GLIBC_TUNABLES", value.c_str(), 1);
    ::execv("/proc/self/exe", argv);
}

const char *current()
{
    const char *value = std::getenv("GLIBC_TUNABLES");
    return value ? value : "";
}

} // namespace GlibcTunables
