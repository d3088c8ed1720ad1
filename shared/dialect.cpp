// SPDX-License-Identifier: MIT
#include "dialect.h"

#include "richdialect.h"
#include "seeddialect.h"

const Dialect &Dialect::rich()
{
    static const RichDialect dialect(0);
    return dialect;
}

const Dialect &Dialect::seed()
{
    static const SeedDialect dialect(1);
    return dialect;
}

const Dialect &Dialect::of(const Wire::Join &join)
{
    return join.isRich() ? rich() : seed();
}

const Dialect &Dialect::at(int slot)
{
    return slot == rich().slot() ? rich() : seed();
}

Dialect::Bytes Dialect::presenceForAll(const Wire::Presence &presence)
{
    Bytes bytes;
    for (int slot = 0; slot < Count; ++slot)
        bytes[std::size_t(slot)] = at(slot).presence(presence);
    return bytes;
}

Dialect::Bytes Dialect::moderationForAll(const Wire::Moderated &moderated)
{
    Bytes bytes;
    for (int slot = 0; slot < Count; ++slot)
        bytes[std::size_t(slot)] = at(slot).moderation(moderated);
    return bytes;
}

Dialect::Bytes Dialect::topicForAll(const Wire::Topic &topic)
{
    Bytes bytes;
    for (int slot = 0; slot < Count; ++slot)
        bytes[std::size_t(slot)] = at(slot).topic(topic);
    return bytes;
}
