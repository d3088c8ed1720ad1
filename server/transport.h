// SPDX-License-Identifier: MIT
#pragma once

#include "jsonframedecoder.h"
#include "outboxowner.h"

#include <QByteArray>
#include <QString>

#include <chrono>
#include <memory>

class Outbox;

// How one client's bytes come and go: the socket, its framing and its writes,
// and how it closes. What the frames mean is the session's (ClientSession);
// TCP is one transport (TcpTransport), TLS another (TlsTransport). Lives in
// the connection's thread; other threads reach it only through its Outbox.
class Transport : public OutboxOwner
{
    Q_OBJECT
public:
    // The session, told what happens to the transport.
    class Listener
    {
    public:
        // Bytes arrived: frames may be ready (nextFrame()).
        virtual void transportReceived() = 0;
        // The client owes more than it may (--max-unsent-bytes): it has
        // stopped reading. The session decides what to do (close()).
        virtual void transportOverflowed() = 0;
        // The transport is about to close (the peer left, an error, a slow
        // reader, the end of a linger); reason is for the log.
        virtual void transportClosing(const QString &reason) = 0;
        // Closed: nothing more will happen.
        virtual void transportClosed() = 0;

    protected:
        ~Listener() = default;
    };

    using OutboxOwner::OutboxOwner;

    // In the connection's thread, first: set up the socket and start reading.
    virtual void start(Listener *listener) = 0;
    // "address:port" of the peer, for the log.
    virtual QString peer() const = 0;
    // The server's number for this connection (conn-N in traces and thread names).
    virtual quint64 connectionId() const = 0;
    // What every thread sends to this client through; valid after start().
    virtual const std::shared_ptr<Outbox> &outbox() const = 0;

    // The next complete frame of what was received.
    virtual JsonFrameDecoder::Result nextFrame(QByteArray *frame) = 0;
    virtual qsizetype maxFrameBytes() const = 0;

    // One whole object for this client, after everything sent before it.
    virtual void send(const QByteArray &bytes) = 0;
    // Objects at most one per gap (zero: as fast as the socket takes them).
    virtual void setPacing(std::chrono::milliseconds gap) = 0;
    // Drops what is queued, so that last words go out next.
    virtual void discardQueued() = 0;

    // Stops taking frames, writes what is owed, then ends the stream and waits
    // up to lingerMs for the peer to close; then closes.
    virtual void closeAfterWriting(int lingerMs) = 0;
    // Closes now.
    virtual void close(const QString &reason) = 0;
    virtual bool isOpen() const = 0;
    // The bytes are encrypted on the way (TLS): passwords may cross it.
    virtual bool isEncrypted() const { return false; }
};
