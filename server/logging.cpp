#include "logging.h"

Q_LOGGING_CATEGORY(lcServer, "pynet.server")
Q_LOGGING_CATEGORY(lcConnection, "pynet.connection")
