// SPDX-License-Identifier: MIT
#include "openfilelimit.h"

#include <algorithm>
#include <climits>
#include <sys/resource.h>

namespace OpenFileLimit {

static constexpr int DescriptorsPerClient = 2;
static constexpr int ReservedDescriptors = 100; // listener, logs, signal pipe, libraries

int raiseToHardLimit()
{
    rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return int(std::min<rlim_t>(limit.rlim_cur, INT_MAX));
}

int clientsAllowed(int limit)
{
    return std::max(1, (limit - ReservedDescriptors) / DescriptorsPerClient);
}

} // namespace OpenFileLimit
