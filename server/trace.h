// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QLatin1StringView>
#include <QList>

// --trace: a live view of the wire (threads, reads, frames in and out, the
// fan-out of room messages, drops), one line per event on stderr. Configured
// once in main() before any connection thread exists and read-only after, so
// every hook is one well-predicted branch on a plain bool (enabled()) and,
// when off, builds nothing: callers test it before computing any argument.
// The event functions are out of line and never inlined, so that their
// buffer never enlarges a hot caller's stack frame.
class Trace
{
public:
    enum class Format { Text, Json };
    struct Settings
    {
        bool enabled = false;
        Format format = Format::Text;
        QList<quint64> connections; // empty: every connection
        QByteArrayList types; // empty: every frame type
    };

    // Main thread, before any connection thread starts.
    static void configure(const Settings &settings);
    static bool enabled() { return s_enabled; }
    // Whether lines about this connection pass the filter (trace on).
    static bool wants(quint64 connection);

    // Always, in each connection's thread: names it conn-N for top -H and ps -L
    // (one prctl at start) and for the trace lines it writes.
    static void nameThisThread(quint64 connection);
    // For a thread that serves no one connection, e.g. "storage".
    static void nameThisThread(const char *name);

    // The events. connection 0 is the server itself (the main thread's sweep).
    static void threadStarted(quint64 connection, int live);
    static void threadFinished(quint64 connection, int live);
    static void connected(quint64 connection, QByteArrayView peer);
    // One recv(): bytes received, frames it completed, bytes left waiting for more.
    static void read(quint64 connection, qsizetype bytes, int frames, qsizetype waiting);
    static void frameIn(quint64 connection, QByteArrayView type, QByteArrayView frame);
    // how: written (by this thread, now), queued (left to the owner's thread), dropped.
    static void frameOut(quint64 connection, QByteArrayView frame, const char *how);
    // A room message appended once to the log for recipients members.
    static void fanOut(quint64 connection, QByteArrayView type, qint64 id, qsizetype recipients);
    struct WalkCounts
    {
        int members = 0;
        int written = 0; // by the walking thread, straight into the socket
        int leftToOwner = 0; // socket full or paced: the member's own thread writes
        int heldBack = 0; // coalescing: a later walk or the sweep takes it
    };
    static void walk(const WalkCounts &counts, qint64 coalesceUs);
    // Something dropped or a connection cut off, with a reason code; frame may be empty.
    static void drop(quint64 connection, QByteArrayView reason, QByteArrayView frame = {});
    static void drop(quint64 connection, QLatin1StringView reason, QByteArrayView frame = {})
    {
        drop(connection, QByteArrayView(reason.data(), reason.size()), frame);
    }
    static void closed(quint64 connection, QByteArrayView reason);

    // "type" of a JSON object we or a client wrote, by a cheap scan; empty if none.
    static QByteArrayView typeOf(QByteArrayView frame);

private:
    static inline bool s_enabled = false;
};
