// SPDX-License-Identifier: MIT
#pragma once

// Every client costs two descriptors: its socket and its thread's wake-up eventfd.
namespace OpenFileLimit {

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force.
int raiseToHardLimit();

// How many clients fit under limit, keeping some descriptors for the process itself.
int clientsAllowed(int limit);

} // namespace OpenFileLimit
