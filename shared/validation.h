// SPDX-License-Identifier: MIT
// Checks every message must pass before anyone acts on it. Each check returns a
// reason a person can read, which the server sends back in an error.
#pragma once

#include <QJsonObject>
#include <QLatin1StringView>
#include <QString>

namespace Validation {

// The outcome of turning one frame into a JSON object.
struct ParsedFrame
{
    QJsonObject object;
    QLatin1StringView errorCode; // empty when the frame is a valid object
    QString errorText;

    bool isValid() const { return errorCode.isEmpty(); }
};

// Parses one frame from JsonFrameDecoder: UTF-8, JSON, an object with a string "type".
ParsedFrame parseFrame(const QByteArray &frame);

// Trims and normalises (NFC) a name as the user typed it.
QString normalizedName(const QString &name);

// The key two names collide on: "Alice" and "ALICE" are the same user.
QString nameKey(const QString &name);

// A normalised name is valid when it is non-empty, at most Protocol::MaxNameLength
// code points and free of control, format and line-separator characters.
bool isValidName(const QString &name, QString *reason);

// A room name is '#' and 1 to Protocol::MaxRoomNameLength code points that
// follow the rules of a name and contain no white space (so that "/join #a b"
// is never ambiguous). It is normalised like a name first.
bool isValidRoomName(const QString &room, QString *reason);

// The key two room names collide on: "#Dev" and "#dev" are the same room.
QString roomKey(const QString &room);

// Chat text is valid when it has something besides white space, is at most
// maxLength code points and contains no control characters other than newline and tab.
bool isValidText(const QString &text, int maxLength, QString *reason);

// Reads a required string field; false with a reason when it is missing or not a string.
bool stringField(const QJsonObject &object, QLatin1StringView field, QString *value,
                 QString *reason);

} // namespace Validation
