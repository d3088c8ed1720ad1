// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QTcpServer>
#include <QTcpSocket>

#include <memory>

namespace TestSupport {
// The server end of the next connection to a fake server, once the client's
// join has arrived (appended to *join); null when either takes too long.
std::unique_ptr<QTcpSocket> acceptJoin(QTcpServer &fake, QByteArray *join);
} // namespace TestSupport
