// SPDX-License-Identifier: MIT
#pragma once

// hiredis' Qt adapter (RedisQtAdapter), which says `slots`: this project
// builds with QT_NO_KEYWORDS. Its moc output includes this file too.
#define slots Q_SLOTS
#include <hiredis/adapters/qt.h>
#undef slots
