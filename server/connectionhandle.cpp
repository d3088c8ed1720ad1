// SPDX-License-Identifier: MIT
#include "connectionhandle.h"

#include "connectioncontrol.h"

void ConnectionHandle::requestReplace()
{
    std::lock_guard lock(m_mutex);
    if (m_control)
        m_control->requestReplace();
}

void ConnectionHandle::detach()
{
    std::lock_guard lock(m_mutex);
    m_control = nullptr;
}
