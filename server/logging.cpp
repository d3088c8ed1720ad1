// SPDX-License-Identifier: MIT
#include "logging.h"

#include "timestamp.h"

#include <ctime>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcServer, "pynet.server")
Q_LOGGING_CATEGORY(lcConnection, "pynet.connection")

// Formats and writes each log line itself, with one write(2). Qt's default
// handler goes through unbuffered stdio, whose 8 KiB stack buffer would stay
// resident in every connection thread that ever logged; qFormatLogMessage()
// formats the time through QDateTime and vasprintf, 1.3 KiB deeper. The lines are those the pattern
// "%{time yyyy-MM-ddTHH:mm:ss.zzz} %{if-warning} warning: %{endif}%{if-critical}error:
// %{endif}%{message}" gave; as with any handler of our own, QT_MESSAGE_PATTERN does not apply.
void Logging::writeLine(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    char stamp[Timestamp::Length + 1];
    Timestamp::write(stamp, qint64(now.tv_sec) * 1000 + now.tv_nsec / 1000000,
                     Timestamp::Zone::Local);
    stamp[Timestamp::Length] = ' ';
    QByteArray line = QByteArray(stamp, sizeof(stamp));
    if (type == QtWarningMsg)
        line += "warning: ";
    else if (type == QtCriticalMsg)
        line += "error: ";
    line += message.toLocal8Bit();
    line += '\n';
    [[maybe_unused]] const ssize_t written =
        ::write(STDERR_FILENO, line.constData(), size_t(line.size()));
}
