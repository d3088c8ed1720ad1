// SPDX-License-Identifier: MIT
#include "tlslistener.h"

TlsListener::TlsListener(Accept accept, QObject *parent)
    : QTcpServer(parent), m_accept(std::move(accept))
{ }

void TlsListener::incomingConnection(qintptr socketDescriptor)
{
    m_accept(socketDescriptor);
}
