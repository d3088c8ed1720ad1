// SPDX-License-Identifier: MIT
#include "chatroom.h"

#include "protocol.h"
#include "validation.h"

#include <algorithm>

bool ChatRoom::isDefault() const
{
    return is(Protocol::DefaultRoom);
}

bool ChatRoom::isOperator(const QString &user) const
{
    const QString key = Validation::nameKey(user);
    if (!owner.isEmpty() && Validation::nameKey(owner) == key)
        return true;
    return std::any_of(operators.cbegin(), operators.cend(),
                       [&key](const QString &name) { return Validation::nameKey(name) == key; });
}

bool ChatRoom::is(const QString &other) const
{
    return Validation::roomKey(name) == Validation::roomKey(other);
}
