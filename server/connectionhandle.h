// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <mutex>

class ConnectionControl;

// How another thread reaches a connection that may be gone by then: the hub
// keeps one for each user it lists, and a user's leave can wait for a commit
// while the connection's thread has already ended and its session is being
// deleted. Requests go through only while the connection is attached; it
// detaches before it is destroyed, under the same lock.
class ConnectionHandle
{
public:
    explicit ConnectionHandle(ConnectionControl *control) : m_control(control) { }
    ConnectionHandle(const ConnectionHandle &) = delete;
    ConnectionHandle &operator=(const ConnectionHandle &) = delete;

    // Any thread: as ConnectionControl::requestReplace(), or nothing once detached.
    void requestReplace();
    // The connection, before it is destroyed.
    void detach();

private:
    std::mutex m_mutex;
    ConnectionControl *m_control;
};
