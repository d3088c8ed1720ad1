// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

// Connections, joins, leaves and errors; never individual chat messages.
Q_DECLARE_LOGGING_CATEGORY(lcServer)
Q_DECLARE_LOGGING_CATEGORY(lcConnection)

namespace Logging {
// The server's message handler: a timestamp, the level if above info, the
// message, written with one write(2) to stderr.
void writeLine(QtMsgType type, const QMessageLogContext &context, const QString &message);
} // namespace Logging
