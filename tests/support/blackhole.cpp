// SPDX-License-Identifier: MIT
#include "blackhole.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

BlackHole::BlackHole()
{
    m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (m_listener < 0 || ::bind(m_listener, reinterpret_cast<sockaddr *>(&address), length)
        || ::listen(m_listener, 0)
        || ::getsockname(m_listener, reinterpret_cast<sockaddr *>(&address), &length))
        return;
    // A backlog of 0 holds one connection; a second one waits for sure.
    for (int &filler : m_fillers) {
        filler = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        ::connect(filler, reinterpret_cast<sockaddr *>(&address), length);
    }
    m_port = ntohs(address.sin_port);
}

BlackHole::~BlackHole()
{
    for (int descriptor : m_fillers)
        if (descriptor >= 0)
            ::close(descriptor);
    if (m_listener >= 0)
        ::close(m_listener);
}
