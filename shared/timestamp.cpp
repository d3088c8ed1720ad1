// SPDX-License-Identifier: MIT
#include "timestamp.h"

#include <ctime>

namespace Timestamp {

namespace {
// Writes value's last width digits right-aligned into out[0, width).
void putNumber(char *out, int width, int value)
{
    for (int i = width - 1; i >= 0; --i, value /= 10)
        out[i] = char('0' + value % 10);
}
} // namespace

void write(char *out, qint64 msecsSinceEpoch, Zone zone)
{
    // Floor division, so that a time before 1970 still has 0 to 999 milliseconds.
    qint64 seconds = msecsSinceEpoch / 1000;
    int msecs = int(msecsSinceEpoch % 1000);
    if (msecs < 0) {
        msecs += 1000;
        --seconds;
    }
    const time_t time = time_t(seconds);
    tm broken {};
    if (zone == Zone::Utc)
        ::gmtime_r(&time, &broken);
    else
        ::localtime_r(&time, &broken);
    putNumber(out, 4, broken.tm_year + 1900);
    out[4] = '-';
    putNumber(out + 5, 2, broken.tm_mon + 1);
    out[7] = '-';
    putNumber(out + 8, 2, broken.tm_mday);
    out[10] = 'T';
    putNumber(out + 11, 2, broken.tm_hour);
    out[13] = ':';
    putNumber(out + 14, 2, broken.tm_min);
    out[16] = ':';
    putNumber(out + 17, 2, broken.tm_sec);
    out[19] = '.';
    putNumber(out + 20, 3, msecs);
}

} // namespace Timestamp
