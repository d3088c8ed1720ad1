// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

// pynet-server --check HOST:PORT: asks a running server whether it is serving,
// for a container's HEALTHCHECK or a monitor. It connects, sends a ping, which
// the server answers before any join, and leaves: it never joins, so it takes
// no name, is never announced and never counts as a user.
namespace HealthCheck {

enum ExitCode { Serving = 0, NotServing = 1, Usage = 2 };

// Runs the check against target ("HOST:PORT", "[IPv6]:PORT" or "PORT" for
// 127.0.0.1); prints one line on stdout when serving, the reason on stderr
// when not. Returns the program's exit code.
int run(const QString &target, int timeoutMs);

} // namespace HealthCheck
