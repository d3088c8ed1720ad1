// SPDX-License-Identifier: MIT
#include "logging.h"

#include <ctime>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcServer, "pynet.server")
Q_LOGGING_CATEGORY(lcConnection, "pynet.connection")

namespace {
// Writes digits right-aligned into out[0, width).
void putNumber(char *out, int width, long value)
{
    for (int i = width - 1; i >= 0; --i, value /= 10)
        out[i] = char('0' + value % 10);
}
} // namespace

// Formats and writes each log line itself, with one write(2). Qt's default
// handler goes through unbuffered stdio, whose 8 KiB stack buffer would stay
// resident in every connection thread that ever logged; qFormatLogMessage()
// formats the time through QDateTime and vasprintf, 1.3 KiB deeper than this,
// which made logging a join the deepest thing a connection's thread did. The
// lines are those the pattern "%{time yyyy-MM-ddTHH:mm:ss.zzz} %{if-warning}
// warning: %{endif}%{if-critical}error: %{endif}%{message}" gave; as with any
// handler of our own, QT_MESSAGE_PATTERN does not apply.
void Logging::writeLine(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    tm local {};
    ::localtime_r(&now.tv_sec, &local);
    char stamp[] = "yyyy-MM-ddTHH:mm:ss.zzz ";
    putNumber(stamp, 4, local.tm_year + 1900);
    putNumber(stamp + 5, 2, local.tm_mon + 1);
    putNumber(stamp + 8, 2, local.tm_mday);
    putNumber(stamp + 11, 2, local.tm_hour);
    putNumber(stamp + 14, 2, local.tm_min);
    putNumber(stamp + 17, 2, local.tm_sec);
    putNumber(stamp + 20, 3, now.tv_nsec / 1000000);
    QByteArray line = QByteArray(stamp, sizeof(stamp) - 1);
    if (type == QtWarningMsg)
        line += "warning: ";
    else if (type == QtCriticalMsg)
        line += "error: ";
    line += message.toLocal8Bit();
    line += '\n';
    [[maybe_unused]] const ssize_t written =
        ::write(STDERR_FILENO, line.constData(), size_t(line.size()));
}
