// SPDX-License-Identifier: MIT
#include "redaction.h"

#include "protocol.h"

#include <QJsonDocument>
#include <QJsonParseError>

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

} // namespace Redaction
