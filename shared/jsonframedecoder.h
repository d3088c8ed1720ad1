// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

#include <QByteArrayView>
#include <algorithm>

// Splits a TCP byte stream into JSON texts, one per message.
//
// Our own peers end every object with '\n', but a client written from the seed
// spec sends json.dumps() output with no delimiter at all, so the decoder finds
// the end of each top-level object or array by tracking nesting, strings and
// escapes. Bytes may arrive split anywhere and several messages may share one
// read. Input that cannot start a JSON object (a stray scalar, a line of text)
// is returned as one Garbage frame up to the next newline so the caller can
// reply with an error and carry on. The decoder never holds more than
// maxFrameBytes of one message, and scans every byte once.
class JsonFrameDecoder
{
public:
    enum class Result {
        NeedMoreData, // nothing complete yet
        Frame, // *frame holds one complete JSON object or array text
        Garbage, // *frame holds a line that is not JSON (reply, then carry on)
        FrameTooLarge, // a message exceeded maxFrameBytes: the stream cannot be trusted
        NestingTooDeep, // a message nests deeper than maxDepth: same
    };

    explicit JsonFrameDecoder(qsizetype maxFrameBytes, int maxDepth = 64);

    // Adds received bytes. Cheap: scanning happens in next().
    void append(QByteArrayView data);
    // The same for a caller that receives straight into the decoder, so that it
    // needs no buffer of its own: room for up to maxBytes at the end, then
    // commitAppend() with how many of them were filled (none if <= 0).
    char *beginAppend(qsizetype maxBytes);
    void commitAppend(qsizetype bytes);

    // Extracts the next complete frame into *frame. After FrameTooLarge or
    // NestingTooDeep the decoder stays failed; the caller should close the stream.
    Result next(QByteArray *frame);

    // Bytes received but not yet returned as frames.
    qsizetype bufferedBytes() const { return m_buffer.size() - m_frameStart; }
    // The last (at most) bytes of what bufferedBytes() counts: the start of
    // the frame the next read continues.
    QByteArray bufferedTail(qsizetype bytes) const
    {
        const qsizetype size = std::min(bytes, bufferedBytes());
        return m_buffer.sliced(m_buffer.size() - size, size);
    }
    qsizetype maxFrameBytes() const { return m_maxFrameBytes; }
    // Memory the buffer holds; none once everything received has been returned.
    qsizetype bufferCapacity() const { return m_buffer.capacity(); }
    bool hasFailed() const { return m_failure != Result::NeedMoreData; }

private:
    void compact();
    void releaseIfConsumed();

    QByteArray m_buffer;
    qsizetype m_maxFrameBytes;
    int m_maxDepth;
    qsizetype m_frameStart = 0; // where the message being scanned begins
    qsizetype m_scan = 0; // next byte to look at
    qsizetype m_reserved = 0; // bytes handed out by beginAppend() and not yet committed
    int m_depth = 0;
    bool m_inString = false;
    bool m_escape = false;
    bool m_inGarbage = false;
    Result m_failure = Result::NeedMoreData; // FrameTooLarge or NestingTooDeep once failed
};
