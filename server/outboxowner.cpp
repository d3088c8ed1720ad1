// SPDX-License-Identifier: MIT
#include "outboxowner.h"

void OutboxOwner::wakeForOutbox()
{
    QMetaObject::invokeMethod(this, "outboxReady", Qt::QueuedConnection);
}
