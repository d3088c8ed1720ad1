// SPDX-License-Identifier: MIT
#include "hostileserver.h"

#include "protocol.h"
#include "validation.h"

#include <QTcpSocket>
#include <QTest>

HostileServer::HostileServer() : m_decoder(Protocol::DefaultMaxFrameBytes)
{
    m_server.listen(QHostAddress::LocalHost, 0);
    connect(&m_server, &QTcpServer::newConnection, this, &HostileServer::onNewConnection);
}

void HostileServer::onNewConnection()
{
    m_client = m_server.nextPendingConnection();
    connect(m_client, &QTcpSocket::readyRead, this, &HostileServer::onReadyRead);
}

void HostileServer::onReadyRead()
{
    m_decoder.append(m_client->readAll());
    QByteArray frame;
    while (m_decoder.next(&frame) == JsonFrameDecoder::Result::Frame) {
        const Validation::ParsedFrame parsed = Validation::parseFrame(frame);
        if (parsed.isValid())
            m_received.append(parsed.object);
    }
}

QJsonObject HostileServer::waitForJoin(int timeoutMs)
{
    QJsonObject join;
    [[maybe_unused]] const bool joined = QTest::qWaitFor(
        [&] {
            for (const QJsonObject &object : std::as_const(m_received)) {
                if (object.value(QLatin1StringView("type")).toString() == u"join")
                    join = object;
            }
            return !join.isEmpty();
        },
        timeoutMs);
    return join;
}

void HostileServer::send(const QJsonObject &object)
{
    m_client->write(Protocol::encode(object));
    m_client->flush();
}
