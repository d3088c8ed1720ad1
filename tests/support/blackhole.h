// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

// A port that takes no more connections and drops their SYNs, as a host
// behind a firewall does: a listener with a full accept queue that nobody
// accepts from. Its descriptors are closed with it.
class BlackHole
{
public:
    BlackHole();
    ~BlackHole();
    BlackHole(const BlackHole &) = delete;
    BlackHole &operator=(const BlackHole &) = delete;

    // 0 when the listener could not be set up.
    quint16 port() const { return m_port; }

private:
    int m_listener = -1;
    int m_fillers[2] = { -1, -1 };
    quint16 m_port = 0;
};
