// SPDX-License-Identifier: MIT
#pragma once

#include <QTcpServer>

#include <functional>

// The TLS port's listening socket: hands each accepted descriptor on, as the
// plain port's ChatServer does with its own, so that the connection's thread
// builds its QSslSocket itself.
class TlsListener : public QTcpServer
{
    Q_OBJECT
public:
    using Accept = std::function<void(qintptr socketDescriptor)>;
    explicit TlsListener(Accept accept, QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    Accept m_accept;
};
