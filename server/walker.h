// SPDX-License-Identifier: MIT
#pragma once

// What a client's own thread may be asked to do for the others: walk a room
// (Room) and deliver what is new in it. The storage thread asks, so that it
// commits while connection threads do the writing.
class Walker
{
public:
    virtual void deliver() = 0;

protected:
    ~Walker() = default;
};
