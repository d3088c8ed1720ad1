// SPDX-License-Identifier: MIT
#include "rawclient.h"

#include "protocol.h"
#include "validation.h"

#include <QDeadlineTimer>
#include <QHostAddress>

RawClient::RawClient() : m_decoder(Protocol::ClientMaxFrameBytes) { }

bool RawClient::connectTo(quint16 port, int timeoutMs)
{
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    return m_socket.waitForConnected(timeoutMs);
}

bool RawClient::connectEncrypted(quint16 port, int timeoutMs)
{
    m_socket.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
    return m_socket.waitForEncrypted(timeoutMs);
}

bool RawClient::joinAs(quint16 port, const QString &name, bool rich)
{
    if (m_socket.state() != QAbstractSocket::ConnectedState && !connectTo(port))
        return false;
    sendObject(rich ? Protocol::richJoin(name, QStringLiteral("test"), 0, {})
                    : Protocol::join(name));
    return !waitFor(rich ? QStringLiteral("welcome") : QStringLiteral("notice")).isEmpty();
}

void RawClient::send(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.flush();
}

void RawClient::sendObject(const QJsonObject &object)
{
    send(Protocol::encode(object));
}

void RawClient::readAvailable()
{
    m_decoder.append(m_socket.readAll());
    QByteArray frame;
    while (m_decoder.next(&frame) == JsonFrameDecoder::Result::Frame) {
        const Validation::ParsedFrame parsed = Validation::parseFrame(frame);
        if (parsed.isValid())
            m_received.append(parsed.object);
    }
}

qsizetype RawClient::indexOf(const QString &type) const
{
    for (qsizetype i = 0; i < m_received.size(); ++i) {
        if (type.isEmpty() || m_received.at(i).value(QLatin1StringView("type")).toString() == type)
            return i;
    }
    return -1;
}

QJsonObject RawClient::waitFor(const QString &type, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        readAvailable();
        const qsizetype index = indexOf(type);
        if (index >= 0)
            return m_received.takeAt(index);
        if (deadline.hasExpired() || m_socket.state() != QAbstractSocket::ConnectedState)
            return {};
        m_socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
    }
}

bool RawClient::waitForClosed(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (m_socket.state() == QAbstractSocket::ConnectedState) {
        if (deadline.hasExpired())
            return false;
        m_socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
        readAvailable();
    }
    readAvailable();
    return true;
}

bool RawClient::receivesWithin(const QString &type, int timeoutMs)
{
    return !waitFor(type, timeoutMs).isEmpty();
}
