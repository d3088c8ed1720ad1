// SPDX-License-Identifier: MIT
// The one formatter of times as text, for the protocol (UTC) and the server's log
// (local time). By hand rather than with QDateTime::toString(), which formats
// through vasprintf: kilobytes more stack in every connection thread that stamps
// a message or logs a line, whose touched stack pages stay resident.
#pragma once

#include <QtGlobal>

namespace Timestamp {

// Characters in "yyyy-MM-ddTHH:mm:ss.zzz": ISO 8601 with milliseconds, no zone.
inline constexpr int Length = 23;

enum class Zone { Utc, Local };

// Writes the time msecsSinceEpoch into out[0, Length) as "yyyy-MM-ddTHH:mm:ss.zzz"
// in the given zone; no zone designator and no terminating NUL. Allocates nothing.
void write(char *out, qint64 msecsSinceEpoch, Zone zone);

} // namespace Timestamp
