// SPDX-License-Identifier: MIT
#include "acceptjoin.h"

#include <QTest>

namespace TestSupport {

std::unique_ptr<QTcpSocket> acceptJoin(QTcpServer &fake, QByteArray *join)
{
    if (!QTest::qWaitFor([&] { return fake.hasPendingConnections(); }, 10000))
        return {};
    std::unique_ptr<QTcpSocket> peer(fake.nextPendingConnection());
    // Each write a test makes leaves at once, so byte splits reach the client as made.
    peer->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (!QTest::qWaitFor([&] { return (*join += peer->readAll()).contains('\n'); }, 5000))
        return {};
    return peer;
}

} // namespace TestSupport
