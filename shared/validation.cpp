// SPDX-License-Identifier: MIT
#include "validation.h"

#include "protocol.h"

#include <QByteArrayView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

namespace Validation {

// QJsonDocument only parses arrays and objects at the top level; a lone number,
// string or literal is still valid JSON, and deserves "not an object".
static bool isJsonScalar(const QByteArray &frame)
{
    QJsonParseError parseError;
    const QJsonDocument wrapped = QJsonDocument::fromJson('[' + frame + ']', &parseError);
    return parseError.error == QJsonParseError::NoError && wrapped.array().size() == 1;
}

ParsedFrame parseFrame(const QByteArray &frame)
{
    ParsedFrame result;
    if (!QByteArrayView(frame).isValidUtf8()) {
        result.errorCode = Protocol::Code::BadUtf8;
        result.errorText = QStringLiteral("The message is not valid UTF-8.");
        return result;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(frame, &parseError);
    if (parseError.error != QJsonParseError::NoError && !isJsonScalar(frame)) {
        result.errorCode = Protocol::Code::BadJson;
        result.errorText = QStringLiteral("The message is not valid JSON (%1 at byte %2).")
                               .arg(parseError.errorString())
                               .arg(parseError.offset);
        return result;
    }
    if (!document.isObject()) {
        result.errorCode = Protocol::Code::NotObject;
        result.errorText = QStringLiteral("A message must be a JSON object.");
        return result;
    }
    result.object = document.object();
    QString type;
    if (!stringField(result.object, Protocol::Field::Type, &type, &result.errorText))
        result.errorCode = Protocol::Code::BadField;
    return result;
}

QString normalizedName(const QString &name)
{
    return name.trimmed().normalized(QString::NormalizationForm_C);
}

QString nameKey(const QString &name)
{
    // "Ann  Lee" and "Ann\u00a0Lee" look like "Ann Lee": one user, not three.
    return normalizedName(name).simplified().toCaseFolded();
}

// The code point at *index, advancing *index past it. A lone surrogate is
// returned as itself so that checks can reject it.
static char32_t nextCodePoint(const QString &text, qsizetype *index)
{
    const QChar c = text.at((*index)++);
    if (c.isHighSurrogate() && *index < text.size() && text.at(*index).isLowSurrogate())
        return QChar::surrogateToUcs4(c, text.at((*index)++));
    return c.unicode();
}

static qsizetype codePointCount(const QString &text)
{
    qsizetype count = 0;
    for (qsizetype i = 0; i < text.size(); nextCodePoint(text, &i))
        ++count;
    return count;
}

// Characters that could rewrite a terminal or reorder text: never part of a name.
static bool isForbiddenInName(char32_t c)
{
    switch (c) {
    case 0x115F: // Hangul fillers: letters that draw nothing
    case 0x1160:
    case 0x3164:
    case 0xFFA0:
    case 0x2800: // Braille pattern blank
        return true;
    default:
        break;
    }
    switch (QChar::category(c)) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Other_Surrogate:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return true;
    default:
        return false;
    }
}

bool isValidName(const QString &name, QString *reason)
{
    if (name.isEmpty()) {
        *reason = QStringLiteral("The name is empty.");
        return false;
    }
    if (codePointCount(name) > Protocol::MaxNameLength) {
        *reason =
            QStringLiteral("The name is longer than %1 characters.").arg(Protocol::MaxNameLength);
        return false;
    }
    bool visible = false;
    for (qsizetype i = 0; i < name.size();) {
        const char32_t c = nextCodePoint(name, &i);
        if (isForbiddenInName(c)) {
            *reason =
                QStringLiteral("The name contains control or invisible formatting characters.");
            return false;
        }
        visible = visible || !(QChar::isMark(c) || QChar::isSpace(c));
    }
    if (!visible) {
        *reason = QStringLiteral("The name has no visible characters.");
        return false;
    }
    return true;
}

bool isValidRoomName(const QString &room, QString *reason)
{
    if (!room.startsWith(u'#')) {
        *reason = QStringLiteral("A room name starts with '#', as in #general.");
        return false;
    }
    const QString rest = room.mid(1);
    if (rest.isEmpty()) {
        *reason = QStringLiteral("The room name has nothing after the '#'.");
        return false;
    }
    if (codePointCount(rest) > Protocol::MaxRoomNameLength) {
        *reason = QStringLiteral("The room name is longer than %1 characters after the '#'.")
                      .arg(Protocol::MaxRoomNameLength);
        return false;
    }
    for (const QChar c : rest) {
        if (c.isSpace()) {
            *reason = QStringLiteral("The room name contains white space.");
            return false;
        }
    }
    if (!isValidName(rest, reason)) {
        reason->replace(QStringLiteral("The name"), QStringLiteral("The room name"));
        return false;
    }
    return true;
}

QString roomKey(const QString &room)
{
    return nameKey(room);
}

bool isValidText(const QString &text, int maxLength, QString *reason)
{
    if (text.trimmed().isEmpty()) {
        *reason = QStringLiteral("The message is empty.");
        return false;
    }
    if (codePointCount(text) > maxLength) {
        *reason = QStringLiteral("The message is longer than %1 characters.").arg(maxLength);
        return false;
    }
    for (qsizetype i = 0; i < text.size();) {
        const char32_t c = nextCodePoint(text, &i);
        const QChar::Category category = QChar::category(c);
        if (category == QChar::Other_Control && c != u'\n' && c != u'\t') {
            *reason = QStringLiteral("The message contains control characters.");
            return false;
        }
        // Half a surrogate pair is not text; no UTF-8 encoder takes it.
        if (category == QChar::Other_Surrogate) {
            *reason = QStringLiteral("The message is not valid Unicode text.");
            return false;
        }
    }
    return true;
}

bool stringField(const QJsonObject &object, QLatin1StringView field, QString *value,
                 QString *reason)
{
    const QJsonValue jsonValue = object.value(field);
    if (!jsonValue.isString()) {
        *reason = jsonValue.isUndefined()
            ? QStringLiteral("The field \"%1\" is missing.").arg(field)
            : QStringLiteral("The field \"%1\" must be a string.").arg(field);
        return false;
    }
    *value = jsonValue.toString();
    return true;
}

} // namespace Validation
