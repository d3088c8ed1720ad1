// SPDX-License-Identifier: MIT
#include "trace.h"

#include "redaction.h"
#include "timestamp.h"

#include <algorithm>
#include <ctime>
#include <pthread.h>
#include <unistd.h>

namespace {

// Frames are shown up to this many bytes, then cut; the full length is given.
constexpr qsizetype ShownBytes = 200;

Trace::Settings &settings()
{
    static Trace::Settings instance;
    return instance;
}

// Writes value's decimal digits at out, returns how many: by hand, because
// snprintf formats through vfprintf, kilobytes of stack that every connection
// thread naming itself would touch and keep resident.
int writeDecimal(char *out, quint64 value)
{
    char reversed[20];
    int length = 0;
    do {
        reversed[length++] = char('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (int i = 0; i < length; ++i)
        out[i] = reversed[length - 1 - i];
    return length;
}

// Which connection this thread serves, and its name; 0 and "main" until named.
thread_local quint64 t_connection = 0;
thread_local char t_threadName[16] = "main";

// One trace line, formatted into a buffer of its own without allocating, and
// written with one write(2) so that lines of different threads never interleave.
class Line
{
public:
    Line(quint64 connection, const char *event) : m_json(settings().format == Trace::Format::Json)
    {
        timespec now {};
        ::clock_gettime(CLOCK_REALTIME, &now);
        char stamp[Timestamp::Length];
        Timestamp::write(stamp, qint64(now.tv_sec) * 1000 + now.tv_nsec / 1000000,
                         Timestamp::Zone::Local);
        const QByteArrayView time(stamp, Timestamp::Length);
        if (m_json) {
            put("{\"t\":\"");
            put(time);
            put("\",\"conn\":");
            putNumber(qint64(connection));
            put(",\"thread\":\"");
            put(t_threadName);
            put("\",\"event\":\"");
            put(event);
            put('"');
        } else {
            put(time);
            put(" trace ");
            if (connection == 0) {
                put("server");
            } else {
                put("conn-");
                putNumber(qint64(connection));
            }
            put(" [");
            put(t_threadName);
            put("] ");
            put(event);
        }
    }

    Line &number(const char *key, qint64 value)
    {
        putKey(key);
        putNumber(value);
        return *this;
    }

    // One of our own words (no spaces, nothing to escape in text).
    Line &word(const char *key, QByteArrayView value)
    {
        putKey(key);
        if (m_json)
            putQuoted(value);
        else
            put(value.isEmpty() ? QByteArrayView("-") : value);
        return *this;
    }

    // Free text: quoted in both formats.
    Line &text(const char *key, QByteArrayView value)
    {
        putKey(key);
        putQuoted(value);
        return *this;
    }

    // The exact bytes of a frame, last on the line: cut past ShownBytes, with
    // the full length and what is shown.
    Line &frame(QByteArrayView bytes) { return frame(bytes.size(), bytes); }
    // size: the frame's length on the wire; bytes: what may be shown of it.
    Line &frame(qsizetype size, QByteArrayView bytes)
    {
        number("bytes", size);
        const QByteArrayView shown = bytes.first(qMin(bytes.size(), ShownBytes));
        if (shown.size() < bytes.size())
            number("shown", shown.size());
        putKey("data");
        if (m_json)
            putQuoted(shown);
        else
            putEscaped(shown, false);
        return *this;
    }

    void write()
    {
        if (m_json)
            put('}');
        put('\n');
        [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, m_buffer, size_t(m_size));
    }

private:
    void put(char c)
    {
        // Room is always left for the closing "}\n".
        if (m_size < int(sizeof(m_buffer)) - 2)
            m_buffer[m_size++] = c;
    }
    void put(QByteArrayView text)
    {
        for (char c : text)
            put(c);
    }
    void put(const char *text) { put(QByteArrayView(text)); }
    void putNumber(qint64 value)
    {
        if (value < 0)
            put('-');
        char digits[20];
        const int length = writeDecimal(digits, value < 0 ? 0 - quint64(value) : quint64(value));
        put(QByteArrayView(digits, length));
    }
    void putKey(const char *key)
    {
        if (m_json) {
            put(",\"");
            put(key);
            put("\":");
        } else {
            put(' ');
            put(key);
            put('=');
        }
    }
    void putQuoted(QByteArrayView bytes)
    {
        put('"');
        putEscaped(bytes, true);
        put('"');
    }
    // Bytes as they are where printable ASCII; otherwise escaped, so that a
    // line stays one line whatever a client sent. JSON escapes each other byte as
    // \u00XX (the byte as a Latin-1 code point, so tools recover exact bytes);
    // text as \xNN.
    void putEscaped(QByteArrayView bytes, bool quoted)
    {
        static constexpr char Hex[] = "0123456789abcdef";
        for (char c : bytes) {
            const auto byte = static_cast<unsigned char>(c);
            if (byte == '\\' || (quoted && byte == '"')) {
                put('\\');
                put(c);
            } else if (byte >= 0x20 && byte < 0x7f) {
                put(c);
            } else if (m_json) {
                put("\\u00");
                put(Hex[byte >> 4]);
                put(Hex[byte & 0xf]);
            } else {
                put("\\x");
                put(Hex[byte >> 4]);
                put(Hex[byte & 0xf]);
            }
        }
    }

    char m_buffer[1536];
    int m_size = 0;
    const bool m_json;
};

bool wantsType(QByteArrayView type)
{
    const QByteArrayList &types = settings().types;
    return types.isEmpty()
        || std::any_of(types.cbegin(), types.cend(),
                       [type](const QByteArray &wanted) { return wanted == type; });
}

} // namespace

void Trace::configure(const Settings &configured)
{
    settings() = configured;
    s_enabled = configured.enabled;
}

bool Trace::wants(quint64 connection)
{
    const QList<quint64> &connections = settings().connections;
    return s_enabled && (connections.isEmpty() || connections.contains(connection));
}

void Trace::nameThisThread(quint64 connection)
{
    t_connection = connection;
    // Linux allows 15 characters: conn- and up to ten digits.
    char name[5 + 20 + 1] = "conn-";
    name[5 + writeDecimal(name + 5, connection)] = '\0';
    qstrncpy(t_threadName, name, sizeof(t_threadName));
    ::pthread_setname_np(::pthread_self(), t_threadName);
}

void Trace::nameThisThread(const char *name)
{
    t_connection = 0;
    qstrncpy(t_threadName, name, sizeof(t_threadName));
    ::pthread_setname_np(::pthread_self(), t_threadName);
}

Q_NEVER_INLINE void Trace::threadStarted(quint64 connection, int live)
{
    if (wants(connection))
        Line(connection, "thread-started").number("live", live).write();
}

Q_NEVER_INLINE void Trace::threadFinished(quint64 connection, int live)
{
    if (wants(connection))
        Line(connection, "thread-finished").number("live", live).write();
}

Q_NEVER_INLINE void Trace::connected(quint64 connection, QByteArrayView peer)
{
    if (wants(connection))
        Line(connection, "connected").word("peer", peer).write();
}

Q_NEVER_INLINE void Trace::read(quint64 connection, qsizetype bytes, int frames, qsizetype waiting)
{
    if (wants(connection)) {
        Line(connection, "read")
            .number("bytes", bytes)
            .number("frames", frames)
            .number("waiting", waiting)
            .write();
    }
}

Q_NEVER_INLINE void Trace::frameIn(quint64 connection, QByteArrayView type, QByteArrayView frame)
{
    if (wants(connection) && wantsType(type)) {
        // Passwords and tokens never reach the trace; bytes= is what came.
        const QByteArray shown =
            Redaction::redactFrame(QByteArray::fromRawData(frame.data(), frame.size()));
        Line(connection, "in").word("type", type).frame(frame.size(), shown).write();
    }
}

Q_NEVER_INLINE void Trace::frameOut(quint64 connection, QByteArrayView frame, const char *how)
{
    const QByteArrayView type = typeOf(frame);
    if (wants(connection) && wantsType(type)) {
        const QByteArray shown =
            Redaction::redactFrame(QByteArray::fromRawData(frame.data(), frame.size()));
        Line(connection, "out")
            .word("type", type)
            .word("how", how)
            .frame(frame.size(), shown)
            .write();
    }
}

Q_NEVER_INLINE void Trace::fanOut(quint64 connection, QByteArrayView type, qint64 id,
                                  qsizetype recipients)
{
    if (wants(connection) && wantsType(type)) {
        Line line(connection, "fanout");
        line.word("type", type);
        if (id > 0)
            line.number("id", id);
        line.number("recipients", recipients).write();
    }
}

Q_NEVER_INLINE void Trace::committed(qsizetype writes, qint64 micros)
{
    if (wants(t_connection))
        Line(t_connection, "commit").number("writes", writes).number("us", micros).write();
}

Q_NEVER_INLINE void Trace::walk(const WalkCounts &counts, qint64 coalesceUs)
{
    if (wants(t_connection)) {
        Line(t_connection, "walk")
            .number("members", counts.members)
            .number("written", counts.written)
            .number("left-to-owner", counts.leftToOwner)
            .number("held-back", counts.heldBack)
            .number("coalesce-us", coalesceUs)
            .write();
    }
}

Q_NEVER_INLINE void Trace::drop(quint64 connection, QByteArrayView reason, QByteArrayView frame)
{
    if (!wants(connection))
        return;
    Line line(connection, "drop");
    line.word("reason", reason);
    if (!frame.isEmpty())
        line.frame(frame);
    line.write();
}

Q_NEVER_INLINE void Trace::closed(quint64 connection, QByteArrayView reason)
{
    if (wants(connection))
        Line(connection, "closed").text("reason", reason).write();
}

// The top-level "type" only: QJsonDocument sorts keys, so a welcome's
// "history" (with a "type" in each message) comes before its own.
QByteArrayView Trace::typeOf(QByteArrayView frame)
{
    int depth = 0;
    bool inString = false;
    bool escape = false;
    qsizetype stringStart = 0;
    for (qsizetype i = 0; i < frame.size(); ++i) {
        const char c = frame[i];
        if (!inString) {
            if (c == '"') {
                inString = true;
                stringStart = i + 1;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                --depth;
            }
            continue;
        }
        if (escape) {
            escape = false;
        } else if (c == '\\') {
            escape = true;
        } else if (c == '"') {
            inString = false;
            if (depth != 1 || frame.sliced(stringStart, i - stringStart) != "type")
                continue;
            qsizetype value = i + 1;
            bool colon = false;
            while (value < frame.size() && (frame[value] == ' ' || frame[value] == ':')) {
                colon = colon || frame[value] == ':';
                ++value;
            }
            if (!colon || value >= frame.size() || frame[value] != '"')
                continue; // "type" was a value, or the type is not a string
            const qsizetype end = frame.indexOf('"', value + 1);
            return end < 0 ? QByteArrayView() : frame.sliced(value + 1, end - value - 1);
        }
    }
    return {};
}
