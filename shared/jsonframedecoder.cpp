// SPDX-License-Identifier: MIT
#include "jsonframedecoder.h"

JsonFrameDecoder::JsonFrameDecoder(qsizetype maxFrameBytes, int maxDepth)
    : m_maxFrameBytes(maxFrameBytes), m_maxDepth(maxDepth)
{ }

void JsonFrameDecoder::append(QByteArrayView data)
{
    if (hasFailed())
        return;
    compact();
    m_buffer.append(data.data(), data.size());
}

char *JsonFrameDecoder::beginAppend(qsizetype maxBytes)
{
    compact();
    m_reserved = maxBytes;
    m_buffer.resize(m_buffer.size() + maxBytes);
    return m_buffer.data() + m_buffer.size() - maxBytes;
}

void JsonFrameDecoder::commitAppend(qsizetype bytes)
{
    const qsizetype kept = hasFailed() ? 0 : qBound<qsizetype>(0, bytes, m_reserved);
    m_buffer.truncate(m_buffer.size() - m_reserved + kept);
    m_reserved = 0;
    releaseIfConsumed();
}

// An idle connection holds no buffer, not even the room of its last read.
void JsonFrameDecoder::releaseIfConsumed()
{
    if (m_frameStart < m_buffer.size())
        return;
    m_buffer = QByteArray();
    m_scan = 0;
    m_frameStart = 0;
}

// Drops the bytes of frames already returned so the buffer only holds the
// message in progress.
void JsonFrameDecoder::compact()
{
    if (m_frameStart == 0)
        return;
    if (m_frameStart == m_buffer.size()) {
        m_buffer.clear(); // frees it: an idle connection holds no buffer
        m_scan = 0;
        m_frameStart = 0;
        return;
    }
    m_buffer.remove(0, m_frameStart);
    m_scan -= m_frameStart;
    m_frameStart = 0;
}

static bool isJsonWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

JsonFrameDecoder::Result JsonFrameDecoder::next(QByteArray *frame)
{
    if (hasFailed())
        return m_failure;

    const char *data = m_buffer.constData();
    const qsizetype size = m_buffer.size();
    while (m_scan < size) {
        const char c = data[m_scan++];
        // Checked before a closing brace can complete the frame, so no frame is
        // ever longer than the limit; a garbage line's newline is not part of it.
        if (m_scan - m_frameStart > m_maxFrameBytes && !(m_inGarbage && c == '\n')) {
            m_failure = Result::FrameTooLarge;
            return m_failure;
        }

        if (m_inGarbage) {
            if (c == '\n') {
                *frame = m_buffer.mid(m_frameStart, m_scan - 1 - m_frameStart).trimmed();
                m_frameStart = m_scan;
                m_inGarbage = false;
                return Result::Garbage;
            }
        } else if (m_depth == 0) {
            // Between messages: skip the delimiter, find the start of the next one.
            if (isJsonWhitespace(c)) {
                m_frameStart = m_scan;
                continue;
            }
            if (c == '{' || c == '[') {
                m_depth = 1;
            } else {
                m_inGarbage = true;
            }
        } else if (m_inString) {
            if (m_escape)
                m_escape = false;
            else if (c == '\\')
                m_escape = true;
            else if (c == '"')
                m_inString = false;
        } else if (c == '"') {
            m_inString = true;
        } else if (c == '{' || c == '[') {
            if (++m_depth > m_maxDepth) {
                m_failure = Result::NestingTooDeep;
                return m_failure;
            }
        } else if (c == '}' || c == ']') {
            if (--m_depth == 0) {
                *frame = m_buffer.mid(m_frameStart, m_scan - m_frameStart);
                m_frameStart = m_scan;
                return Result::Frame;
            }
        }
    }
    if (m_depth == 0 && !m_inGarbage)
        m_frameStart = m_scan; // only whitespace left
    releaseIfConsumed();
    return Result::NeedMoreData;
}
