#pragma once

#include <QLoggingCategory>

// Connections, joins, leaves and errors; never individual chat messages.
Q_DECLARE_LOGGING_CATEGORY(lcServer)
Q_DECLARE_LOGGING_CATEGORY(lcConnection)
