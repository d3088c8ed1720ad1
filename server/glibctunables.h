// SPDX-License-Identifier: MIT
#pragma once

// glibc settings for a server with one thread per client. glibc reads them
// only from GLIBC_TUNABLES when a program starts, and offers no call to change
// them later, so the server sets them and executes itself again, once.
namespace GlibcTunables {

// Adds each of our tunables that GLIBC_TUNABLES does not set already (the
// user's value wins) and, if any was missing, replaces the process with a new
// run of the same program and arguments. Returns only when nothing was missing
// or the exec failed; the server works either way, with more memory per client.
void applyByReexecuting(char *argv[]);

// What GLIBC_TUNABLES holds, for the log; empty when unset.
const char *current();

} // namespace GlibcTunables
