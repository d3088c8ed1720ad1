// SPDX-License-Identifier: MIT
#include "redaction.h"

#include "protocol.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QRegularExpression>

using namespace Protocol;

namespace Redaction {

namespace {

bool carriesSecrets(const QString &type)
{
    return type == Type::Join || type == Type::Welcome || type == Type::Password;
}

// A cheap look before parsing: trace calls this for every frame.
bool mayCarrySecrets(const QByteArray &frame)
{
    return frame.contains("\"password\"") || frame.contains("\"token\"")
        || frame.contains("\"old\"") || frame.contains("\\u");
}

} // namespace

QJsonObject redact(QJsonObject message)
{
    const QString type = message.value(Field::Type).toString();
    if (!carriesSecrets(type))
        return message;
    for (const QLatin1StringView field : { Field::Password, Field::Old, Field::Token }) {
        if (message.contains(field))
            message.insert(field, Mask);
    }
    if (type == Type::Password && message.contains(Field::Data))
        message.insert(Field::Data, Mask);
    return message;
}

QByteArray redactFrame(const QByteArray &frame)
{
    if (!mayCarrySecrets(frame))
        return frame;
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(frame, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        // Unreadable, so its secret cannot be cut out alone.
        if (frame.contains("password") || frame.contains("token") || frame.contains("\"old\""))
            return QByteArray("<unreadable frame naming a secret field, withheld>");
        return frame;
    }
    const QJsonObject object = document.object();
    const QJsonObject redacted = redact(object);
    if (redacted == object)
        return frame;
    QByteArray bytes = QJsonDocument(redacted).toJson(QJsonDocument::Compact);
    if (frame.endsWith('\n'))
        bytes.append('\n');
    return bytes;
}

QByteArray redactRead(const QByteArray &context, const QByteArray &chunk)
{
    // A field name, a colon and an opening quote; the value runs to the next
    // unescaped quote or the end of what has come so far.
    static const QRegularExpression secret(
        QStringLiteral(R"re("(?:password|old|token)"\s*:\s*"((?:[^"\\]|\\.)*))re"));
    const QByteArray stream = context + chunk;
    if (!mayCarrySecrets(stream))
        return chunk;
    QByteArray result = chunk;
    // Latin-1 maps each byte to one character, so positions stay byte offsets.
    const QString text = QString::fromLatin1(stream);
    for (QRegularExpressionMatchIterator it = secret.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch match = it.next();
        const qsizetype begin = std::max(match.capturedStart(1) - context.size(), qsizetype(0));
        const qsizetype end = match.capturedEnd(1) - context.size();
        for (qsizetype i = begin; i < end; ++i)
            result[i] = '*';
    }
    return result;
}

} // namespace Redaction
