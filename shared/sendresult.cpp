// SPDX-License-Identifier: MIT
#include "sendresult.h"

SendResult SendResult::sent(quint64 id)
{
    return { Status::Sent, {}, id };
}

SendResult SendResult::queued(quint64 id)
{
    return { Status::Queued, {}, id };
}

SendResult SendResult::failed(Status status, const QString &reason, quint64 id)
{
    return { status, reason, id };
}
