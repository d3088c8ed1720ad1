// SPDX-License-Identifier: MIT
#include "logging.h"

#include "timestamp.h"

#include <atomic>
#include <ctime>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcServer, "pynet.server")
Q_LOGGING_CATEGORY(lcConnection, "pynet.connection")

namespace {

std::atomic<Logging::Format> g_format { Logging::Format::Human };

const char *levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

// A JSON string's contents: quotes, backslashes and control characters escaped,
// the rest UTF-8 as it is.
void appendJsonString(QByteArray *line, const QByteArray &utf8)
{
    static const char hex[] = "0123456789abcdef";
    for (const char c : utf8) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            *line += '\\';
            *line += c;
        } else if (c == '\n') {
            *line += "\\n";
        } else if (byte < 0x20 || byte == 0x7f) {
            *line += "\\u00";
            *line += hex[byte >> 4];
            *line += hex[byte & 0xf];
        } else {
            *line += c;
        }
    }
}

} // namespace

void Logging::setFormat(Format format)
{
    g_format.store(format, std::memory_order_relaxed);
}

// Formats and writes each log line itself, with one write(2). Qt's default
// handler goes through unbuffered stdio, whose 8 KiB stack buffer would stay
// resident in every connection thread that ever logged; qFormatLogMessage()
// formats the time through QDateTime and vasprintf, 1.3 KiB deeper. The human
// lines are those the pattern "%{time yyyy-MM-ddTHH:mm:ss.zzz} %{if-warning}
// warning: %{endif}%{if-critical}error: %{endif}%{message}" gave; as with any
// handler of our own, QT_MESSAGE_PATTERN does not apply. JSON lines carry UTC
// times with a zone, which collectors on other hosts can compare.
void Logging::writeLine(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    const qint64 msecs = qint64(now.tv_sec) * 1000 + now.tv_nsec / 1000000;
    char stamp[Timestamp::Length + 1];
    QByteArray line;
    if (g_format.load(std::memory_order_relaxed) == Format::Json) {
        Timestamp::write(stamp, msecs, Timestamp::Zone::Utc);
        stamp[Timestamp::Length] = 'Z';
        line.reserve(message.size() + 96);
        line += "{\"time\":\"";
        line += QByteArrayView(stamp, sizeof(stamp));
        line += "\",\"level\":\"";
        line += levelName(type);
        line += "\",\"category\":\"";
        appendJsonString(&line, QByteArray(context.category ? context.category : "default"));
        line += "\",\"message\":\"";
        appendJsonString(&line, message.toUtf8());
        line += "\"}\n";
    } else {
        Timestamp::write(stamp, msecs, Timestamp::Zone::Local);
        stamp[Timestamp::Length] = ' ';
        line = QByteArray(stamp, sizeof(stamp));
        if (type == QtWarningMsg)
            line += "warning: ";
        else if (type == QtCriticalMsg)
            line += "error: ";
        line += message.toLocal8Bit();
        line += '\n';
    }
    [[maybe_unused]] const ssize_t written =
        ::write(STDERR_FILENO, line.constData(), size_t(line.size()));
}
