// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>

// Hides the secrets of account messages before a frame is shown anywhere (a
// log, a trace, the GUI's wire view): the values of "password", "old" and
// "token" in join, welcome and password messages, and the new password
// ("data") of a password message, become "***".
namespace Redaction {

inline constexpr QLatin1StringView Mask("***");

// The message with its secrets masked; any other message as it came.
QJsonObject redact(QJsonObject message);

// The same for one frame's bytes. A frame without secrets comes back as it
// was, byte for byte; one with secrets is written again, compact, with a
// newline if it had one. A frame that names a secret field but is not JSON
// that can be read is replaced as a whole, since where its secret ends is
// unknown.
QByteArray redactFrame(const QByteArray &frame);

// For the raw bytes of one read, which may cut a frame anywhere: the values of
// "password", "old" and "token" in chunk become '*', byte for byte, also when
// the field's name or value began in context (the bytes the stream carried
// just before chunk; RedactionContextBytes of them are enough).
inline constexpr qsizetype ContextBytes = 256;
QByteArray redactRead(const QByteArray &context, const QByteArray &chunk);

} // namespace Redaction
