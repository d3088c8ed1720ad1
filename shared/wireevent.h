// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

// One thing that happened on a client's connection, for the wire trace
// (pynet-cli --trace, pynet-gui's Wire view): a TCP read as it came, a frame
// received or sent, a step of the connection's timeline, or a measured round
// trip. ChatClient builds these only while tracing is on.
struct WireEvent
{
    enum class Kind {
        Read, // one readyRead's bytes, before the decoder splits them into frames
        FrameIn, // one complete message received
        FrameOut, // one message handed to the socket
        Timeline, // connect, join, welcome or seed detection, drop, reconnect
        RoundTrip, // a pong answered our ping
    };

    // A read or frame keeps at most this many of its bytes: every message a
    // server accepts (Protocol::DefaultMaxFrameBytes) fits whole, while a
    // 16 MiB welcome is not held twice.
    static constexpr qsizetype MaxRawBytes = 64 * 1024;

    QDateTime time;
    Kind kind = Kind::Timeline;
    // Read: every byte it brought. FrameOut: the bytes written, newline and all.
    // FrameIn: the frame as the decoder cut it, without the delimiter between frames.
    qint64 bytes = 0;
    QByteArray raw; // the first MaxRawBytes of them
    QString type; // FrameIn, FrameOut: the message's "type", or why there is none
    int frames = 0; // Read: frames it completed
    qint64 carriedBytes = 0; // Read: bytes of a split frame that earlier reads left
    qint64 leftoverBytes = 0; // Read: bytes of a frame it began and did not complete
    double roundTripMs = 0; // RoundTrip
    QString text; // Timeline: what happened, in words

    static WireEvent read(const QByteArray &data, qint64 carriedBytes, int frames,
                          qint64 leftoverBytes);
    static WireEvent frame(Kind kind, const QByteArray &bytes, const QString &type);
    static WireEvent timeline(const QString &text);
    static WireEvent roundTrip(double ms);

    bool isFrame() const { return kind == Kind::FrameIn || kind == Kind::FrameOut; }
    bool isTruncated() const { return raw.size() < bytes; }
    // "read", "in", "out", "timeline", "rtt": the second column of toText().
    QString kindName() const;
    // What the row says after time, kind and bytes: the type and the frame as it
    // came, the read's frames, the timeline's words, the round trip.
    QString summary() const;
    // One line for a person (the same for --trace and the Wire view's file),
    // with nothing in it a terminal would act on:
    // "14:02:11.207 in        26 B presence {"type":"presence",...}"
    QString toText() const;
    // The same as one JSON object, for programs (--trace with --json).
    QJsonObject toJson() const;
};

Q_DECLARE_METATYPE(WireEvent)
