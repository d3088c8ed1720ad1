// SPDX-License-Identifier: MIT
#include "receiveavailable.h"

#include <sys/socket.h>

QByteArray TestSupport::receiveAvailable(int socket)
{
    QByteArray bytes;
    char buffer[4096];
    ssize_t received;
    while ((received = ::recv(socket, buffer, sizeof(buffer), MSG_DONTWAIT)) > 0)
        bytes.append(buffer, received);
    return bytes;
}
