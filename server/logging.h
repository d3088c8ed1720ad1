// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

// Connections, joins, leaves and errors; never individual chat messages.
Q_DECLARE_LOGGING_CATEGORY(lcServer)
Q_DECLARE_LOGGING_CATEGORY(lcConnection)

namespace Logging {

enum class Format {
    Human, // "2026-12-01T22:27:58.123 warning: text", for a person at a terminal
    Json, // {"time":...,"level":...,"category":...,"message":...}, for a log collector
};

// Set once at start, before other threads log.
void setFormat(Format format);

// The server's message handler: one line per message in the chosen format,
// written with one write(2) to stderr.
void writeLine(QtMsgType type, const QMessageLogContext &context, const QString &message);

} // namespace Logging
