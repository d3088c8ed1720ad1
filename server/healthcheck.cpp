// SPDX-License-Identifier: MIT
#include "healthcheck.h"

#include "jsonframedecoder.h"
#include "validation.h"
#include "wire.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QTcpSocket>

#include <cstdio>

namespace {

constexpr int PingId = 1;

bool parseTarget(const QString &target, QString *host, quint16 *port)
{
    QString portText = target;
    *host = QStringLiteral("127.0.0.1");
    const qsizetype colon = target.lastIndexOf(QLatin1Char(':'));
    if (colon >= 0) {
        *host = target.left(colon);
        portText = target.mid(colon + 1);
        if (host->startsWith(QLatin1Char('[')) && host->endsWith(QLatin1Char(']')))
            *host = host->mid(1, host->size() - 2);
    }
    bool ok = false;
    const uint value = portText.toUInt(&ok);
    *port = quint16(value);
    return ok && value > 0 && value <= 65535 && !host->isEmpty();
}

int notServing(const QString &target, const QString &reason)
{
    std::fprintf(stderr, "pynet-server --check %s: not serving: %s\n", qPrintable(target),
                 qPrintable(reason));
    return HealthCheck::NotServing;
}

} // namespace

int HealthCheck::run(const QString &target, int timeoutMs)
{
    QString host;
    quint16 port = 0;
    if (!parseTarget(target, &host, &port)) {
        std::fprintf(stderr, "pynet-server: --check: \"%s\" is not HOST:PORT.\n",
                     qPrintable(target));
        return Usage;
    }
    QElapsedTimer elapsed;
    elapsed.start();
    const QDeadlineTimer deadline(timeoutMs);
    QTcpSocket socket;
    socket.connectToHost(host, port);
    if (!socket.waitForConnected(int(deadline.remainingTime())))
        return notServing(target, socket.errorString());
    socket.write(Wire::encode(Wire::Ping { PingId }));
    JsonFrameDecoder decoder(64 * 1024);
    while (!deadline.hasExpired()) {
        QByteArray frame;
        const JsonFrameDecoder::Result result = decoder.next(&frame);
        if (result == JsonFrameDecoder::Result::NeedMoreData) {
            if (!socket.waitForReadyRead(int(deadline.remainingTime())))
                break;
            decoder.append(socket.readAll());
            continue;
        }
        if (result != JsonFrameDecoder::Result::Frame)
            return notServing(target, QStringLiteral("it does not speak the PyNet protocol"));
        const Validation::ParsedFrame parsed = Validation::parseFrame(frame);
        if (!parsed.isValid())
            continue;
        const auto decoded = Wire::decode<Wire::ToClient>(parsed.object);
        const auto *pong = std::get_if<Wire::Pong>(&decoded.message);
        if (decoded.status != Wire::Decoded<Wire::ToClient>::Status::Ok || !pong
            || pong->id.toInt() != PingId)
            continue; // a server may say something else first
        std::printf("%s:%u is serving (answered in %lld ms)\n", qPrintable(host), port,
                    static_cast<long long>(elapsed.elapsed()));
        socket.disconnectFromHost();
        return Serving;
    }
    if (socket.state() != QAbstractSocket::ConnectedState)
        return notServing(target, QStringLiteral("it closed the connection without answering"));
    return notServing(target, QStringLiteral("no answer within %1 ms").arg(timeoutMs));
}
