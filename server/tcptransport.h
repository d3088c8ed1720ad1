// SPDX-License-Identifier: MIT
#pragma once

#include "transport.h"

#include <QBasicTimer>

#include <memory>

class QSocketNotifier;
struct ServerConfig;

// A plain TCP client: a raw descriptor watched by QSocketNotifiers created in
// the connection's thread, received straight into the frame decoder, written
// through the Outbox. Closing ends our side of the stream once everything owed
// is written, so that the client reads our last words and sees FIN, not RST.
class TcpTransport final : public Transport
{
    Q_OBJECT
public:
    // In the accepting thread: stores what start() needs, nothing more.
    TcpTransport(qintptr socketDescriptor, quint64 connectionId, const ServerConfig *config);
    ~TcpTransport() override;

    void start(Listener *listener) override;
    QString peer() const override { return m_peer; }
    quint64 connectionId() const override { return m_connectionId; }
    const std::shared_ptr<Outbox> &outbox() const override { return m_outbox; }
    JsonFrameDecoder::Result nextFrame(QByteArray *frame) override;
    qsizetype maxFrameBytes() const override;
    void send(const QByteArray &bytes) override;
    void setPacing(std::chrono::milliseconds gap) override;
    void discardQueued() override;
    void closeAfterWriting(int lingerMs) override;
    void close(const QString &reason) override;
    bool isOpen() const override { return m_socket >= 0; }

protected:
    void outboxReady() override;
    void timerEvent(QTimerEvent *event) override;

private:
    void onReadable();
    void onWritable();
    void watchWritable(bool enabled);
    void traceRead(qsizetype bytes);

    const ServerConfig *m_config;
    const quint64 m_connectionId;
    int m_socket;
    Listener *m_listener = nullptr;
    QString m_peer;
    std::shared_ptr<Outbox> m_outbox;
    std::unique_ptr<JsonFrameDecoder> m_decoder;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr; // only while the Outbox holds data
    QBasicTimer m_lingerTimer;
    QBasicTimer m_paceTimer; // the next object for a paced client
    bool m_closing = false; // reading only to drain; closes at EOF or the linger's end
    bool m_writeShutdown = false; // our FIN is sent
    // While tracing: what the last read completed, taken from the decoder at
    // once so that the read's line can say how many, before the frames' own.
    struct DecodedFrame
    {
        JsonFrameDecoder::Result result;
        QByteArray frame;
    };
    QList<DecodedFrame> m_tracedFrames;
    qsizetype m_nextTracedFrame = 0;
};
