// SPDX-License-Identifier: MIT
#include "chatroom.h"

#include "protocol.h"
#include "validation.h"

bool ChatRoom::isDefault() const
{
    return is(Protocol::DefaultRoom);
}

bool ChatRoom::is(const QString &other) const
{
    return Validation::roomKey(name) == Validation::roomKey(other);
}
