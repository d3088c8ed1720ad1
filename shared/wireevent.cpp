// SPDX-License-Identifier: MIT
#include "wireevent.h"

#include "displaytext.h"

static QString plural(qint64 count, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(count).arg(QLatin1StringView(count == 1 ? one : many));
}

WireEvent WireEvent::read(const QByteArray &data, qint64 carriedBytes, int frames,
                          qint64 leftoverBytes)
{
    WireEvent event;
    event.time = QDateTime::currentDateTime();
    event.kind = Kind::Read;
    event.bytes = data.size();
    event.raw = data.left(MaxRawBytes);
    event.frames = frames;
    event.carriedBytes = carriedBytes;
    event.leftoverBytes = leftoverBytes;
    return event;
}

WireEvent WireEvent::frame(Kind kind, const QByteArray &bytes, const QString &type)
{
    WireEvent event;
    event.time = QDateTime::currentDateTime();
    event.kind = kind;
    event.bytes = bytes.size();
    event.raw = bytes.left(MaxRawBytes);
    event.type = type;
    return event;
}

WireEvent WireEvent::timeline(const QString &text)
{
    WireEvent event;
    event.time = QDateTime::currentDateTime();
    event.kind = Kind::Timeline;
    event.text = text;
    return event;
}

WireEvent WireEvent::roundTrip(double ms)
{
    WireEvent event;
    event.time = QDateTime::currentDateTime();
    event.kind = Kind::RoundTrip;
    event.roundTripMs = ms;
    return event;
}

QString WireEvent::kindName() const
{
    switch (kind) {
    case Kind::Read:
        return QStringLiteral("read");
    case Kind::FrameIn:
        return QStringLiteral("in");
    case Kind::FrameOut:
        return QStringLiteral("out");
    case Kind::Timeline:
        return QStringLiteral("timeline");
    case Kind::RoundTrip:
        return QStringLiteral("rtt");
    }
    return {};
}

QString WireEvent::summary() const
{
    switch (kind) {
    case Kind::Read: {
        if (frames == 0)
            return QStringLiteral("no frame complete: %1 held for the next read")
                .arg(plural(leftoverBytes, "byte", "bytes"));
        QString text = QStringLiteral("%1 complete").arg(plural(frames, "frame", "frames"));
        if (carriedBytes > 0)
            text += QStringLiteral(", the first split across reads (%1 came before)")
                        .arg(plural(carriedBytes, "byte", "bytes"));
        if (leftoverBytes > 0)
            text += QStringLiteral(", then %1 of a split frame held for the next read")
                        .arg(plural(leftoverBytes, "byte", "bytes"));
        return text;
    }
    case Kind::FrameIn:
    case Kind::FrameOut: {
        QByteArray shown = raw;
        if (!isTruncated() && shown.endsWith('\n'))
            shown.chop(1); // the delimiter; bytes counts it
        QString text = type + u' ' + DisplayText::neutralized(QString::fromUtf8(shown));
        if (isTruncated())
            text += QStringLiteral("… (first %1)").arg(plural(raw.size(), "byte", "bytes"));
        return text;
    }
    case Kind::Timeline:
        return DisplayText::neutralized(text);
    case Kind::RoundTrip:
        return QStringLiteral("%1 ms from ping to pong").arg(roundTripMs, 0, 'f', 1);
    }
    return {};
}

QString WireEvent::toText() const
{
    const QString size =
        kind == Kind::Read || isFrame() ? QStringLiteral("%1 B").arg(bytes) : QString();
    return QStringLiteral("%1 %2 %3 %4")
        .arg(time.toString(QStringLiteral("HH:mm:ss.zzz")), kindName().leftJustified(8),
             size.rightJustified(9), summary());
}

QJsonObject WireEvent::toJson() const
{
    QJsonObject object { { QStringLiteral("time"), time.toString(Qt::ISODateWithMs) },
                         { QStringLiteral("kind"), kindName() } };
    switch (kind) {
    case Kind::Read:
        object.insert(QStringLiteral("bytes"), bytes);
        object.insert(QStringLiteral("frames"), frames);
        object.insert(QStringLiteral("carried"), carriedBytes);
        object.insert(QStringLiteral("leftover"), leftoverBytes);
        break;
    case Kind::FrameIn:
    case Kind::FrameOut:
        object.insert(QStringLiteral("bytes"), bytes);
        object.insert(QStringLiteral("type"), type);
        object.insert(QStringLiteral("data"), QString::fromUtf8(raw));
        if (isTruncated())
            object.insert(QStringLiteral("truncated"), true);
        break;
    case Kind::Timeline:
        object.insert(QStringLiteral("text"), text);
        break;
    case Kind::RoundTrip:
        object.insert(QStringLiteral("ms"), roundTripMs);
        break;
    }
    return object;
}
