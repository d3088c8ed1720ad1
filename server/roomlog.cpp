// SPDX-License-Identifier: MIT
#include "roomlog.h"

RoomLog::RoomLog(qsizetype retainBytes) : m_retainBytes(retainBytes) { }

static qsizetype sizeOf(const Dialect::Bytes &bytes)
{
    return bytes[std::size_t(Dialect::rich().slot())].size();
}

void RoomLog::append(const Dialect::Bytes &bytes, const Outbox *except)
{
    std::lock_guard lock(m_mutex);
    const qint64 seq = m_lastSeq.load(std::memory_order_relaxed) + 1;
    const qint64 endOffset = m_appendedBytes.load(std::memory_order_relaxed) + sizeOf(bytes);
    m_entries.push_back({ seq, endOffset, bytes, except });
    m_bytes += sizeOf(bytes);
    // The newest entry stays even if it alone exceeds the budget.
    while (m_bytes > m_retainBytes && m_entries.size() > 1) {
        m_bytes -= sizeOf(m_entries.front().bytes);
        m_entries.pop_front();
    }
    m_appendedBytes.store(endOffset, std::memory_order_release);
    m_lastSeq.store(seq, std::memory_order_release);
}

RoomLog::Position RoomLog::end() const
{
    std::lock_guard lock(m_mutex);
    return { m_lastSeq.load(std::memory_order_relaxed),
             m_appendedBytes.load(std::memory_order_relaxed) };
}

void RoomLog::dropThrough(qint64 seq)
{
    std::lock_guard lock(m_mutex);
    while (!m_entries.empty() && m_entries.front().seq <= seq) {
        m_bytes -= sizeOf(m_entries.front().bytes);
        m_entries.pop_front();
    }
}
