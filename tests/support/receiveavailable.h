// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

namespace TestSupport {
// What has arrived on a raw socket descriptor so far, without waiting.
QByteArray receiveAvailable(int socket);
} // namespace TestSupport
