// SPDX-License-Identifier: MIT
#include "connectioncontrol.h"

void ConnectionControl::requestStart()
{
    QMetaObject::invokeMethod(this, "start", Qt::QueuedConnection);
}

void ConnectionControl::requestReplace()
{
    QMetaObject::invokeMethod(this, "replace", Qt::QueuedConnection);
}

void ConnectionControl::requestShutdown()
{
    QMetaObject::invokeMethod(this, "shutdown", Qt::QueuedConnection);
}

void ConnectionControl::requestAccountAnswer()
{
    QMetaObject::invokeMethod(this, "accountAnswered", Qt::QueuedConnection);
}
