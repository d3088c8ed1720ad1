// SPDX-License-Identifier: MIT
// Text from the network: names, chat text and what a person types. Whatever
// the input, DisplayText::neutralized leaves nothing that could steer a terminal
// or reorder text, and the validators accept only what the protocol allows.
#include "chatcommand.h"
#include "displaytext.h"
#include "fuzzcheck.h"
#include "protocol.h"
#include "validation.h"

#include <QStringList>

#include <cstdint>

using FuzzText::codePointCount;
using FuzzText::forEachCodePoint;

namespace {

bool isBidiControl(char32_t c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E
        || c == 0x200F || c == 0x061C;
}

// Nothing in displayed text may be a control, a bidi or other format
// character (joiners apart), a lone surrogate or a line/paragraph separator.
void checkDisplaySafe(const QString &shown, bool keepNewlines)
{
    forEachCodePoint(shown, [keepNewlines](char32_t c) {
        if (keepNewlines && (c == u'\n' || c == u'\t'))
            return;
        FUZZ_CHECK(c >= 0x20 && c != 0x7F);
        FUZZ_CHECK(!(c >= 0x80 && c <= 0x9F)); // C1, CSI among them
        FUZZ_CHECK(!isBidiControl(c));
        const QChar::Category category = QChar::category(c);
        FUZZ_CHECK(category != QChar::Other_Control);
        FUZZ_CHECK(category != QChar::Other_Surrogate);
        FUZZ_CHECK(category != QChar::Separator_Line);
        FUZZ_CHECK(category != QChar::Separator_Paragraph);
        FUZZ_CHECK(category != QChar::Other_Format || c == 0x200C || c == 0x200D);
    });
}

void checkNeutralized(const QString &text, bool keepNewlines)
{
    const QString shown = DisplayText::neutralized(text, keepNewlines);
    checkDisplaySafe(shown, keepNewlines);
    FUZZ_CHECK(!DisplayText::needsNeutralizing(shown, keepNewlines));
    FUZZ_CHECK(DisplayText::neutralized(shown, keepNewlines) == shown);
    FUZZ_CHECK(DisplayText::needsNeutralizing(text, keepNewlines) == (shown != text));
    // One visible character for each one received: nothing is hidden or dropped.
    FUZZ_CHECK(codePointCount(shown) == codePointCount(text));
}

void checkName(const QString &raw)
{
    const QString name = Validation::normalizedName(raw);
    FUZZ_CHECK(Validation::normalizedName(name) == name);
    FUZZ_CHECK(Validation::nameKey(raw) == Validation::nameKey(name));
    QString reason;
    if (!Validation::isValidName(name, &reason)) {
        FUZZ_CHECK(!reason.isEmpty());
        return;
    }
    FUZZ_CHECK(!name.isEmpty());
    FUZZ_CHECK(codePointCount(name) <= 32);
    // A valid name is shown as it is: validation and display agree.
    FUZZ_CHECK(!DisplayText::needsNeutralizing(name));
}

void checkText(const QString &text, int maxLength)
{
    QString reason;
    if (!Validation::isValidText(text, maxLength, &reason)) {
        FUZZ_CHECK(!reason.isEmpty());
        return;
    }
    FUZZ_CHECK(!text.trimmed().isEmpty());
    FUZZ_CHECK(codePointCount(text) <= maxLength);
    forEachCodePoint(text, [](char32_t c) {
        FUZZ_CHECK(c == u'\n' || c == u'\t' || QChar::category(c) != QChar::Other_Control);
    });
}

void checkCommand(const QString &line, const QStringList &knownUsers)
{
    const ChatCommand command = ChatCommand::parse(line, knownUsers);
    using Kind = ChatCommand::Kind;
    FUZZ_CHECK((command.kind == Kind::None) == line.trimmed().isEmpty());
    switch (command.kind) {
    case Kind::None:
    case Kind::Who:
    case Kind::Help:
    case Kind::Quit:
    case Kind::Password: // asked for without echo, never taken from the line
    case Kind::Modes:
        FUZZ_CHECK(command.text.isEmpty() && command.target.isEmpty());
        break;
    case Kind::Chat:
    case Kind::Action:
        FUZZ_CHECK(!command.text.trimmed().isEmpty());
        break;
    case Kind::Private:
        FUZZ_CHECK(!command.target.trimmed().isEmpty());
        FUZZ_CHECK(!command.text.isEmpty() && command.text == command.text.trimmed());
        // The recipient and the text are both taken from what was typed.
        FUZZ_CHECK(line.contains(command.target, Qt::CaseInsensitive));
        FUZZ_CHECK(line.contains(command.text));
        break;
    case Kind::Query: // "/query NAME [TEXT]": the text may be empty
        FUZZ_CHECK(!command.target.trimmed().isEmpty());
        FUZZ_CHECK(command.text == command.text.trimmed());
        FUZZ_CHECK(line.contains(command.target, Qt::CaseInsensitive));
        FUZZ_CHECK(line.contains(command.text));
        break;
    case Kind::Join:
        FUZZ_CHECK(!command.target.trimmed().isEmpty());
        break;
    case Kind::Rooms:
        FUZZ_CHECK(command.text.isEmpty() && command.target.isEmpty());
        break;
    case Kind::Part:
    case Kind::Topic:
        break; // the room and the text may both be empty
    case Kind::History:
        FUZZ_CHECK(command.number >= 0);
        // "/history @NAME [N]": the name as typed, or none for the room.
        FUZZ_CHECK(command.target == command.target.trimmed());
        FUZZ_CHECK(line.contains(command.target));
        break;
    case Kind::Window:
        FUZZ_CHECK(command.number >= 1);
        break;
    case Kind::Moderate:
        FUZZ_CHECK(Protocol::Moderation::isAction(command.action));
        FUZZ_CHECK(Protocol::Moderation::takesTarget(command.action)
                   == !command.target.trimmed().isEmpty());
        FUZZ_CHECK(line.contains(command.target, Qt::CaseInsensitive));
        FUZZ_CHECK(command.text == command.text.trimmed() && line.contains(command.text));
        break;
    case Kind::Invalid:
        FUZZ_CHECK(!command.error.isEmpty());
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    // The first byte chooses how the rest is read: as UTF-8 (what the wire
    // carries) or as raw UTF-16 (what a \u escape can produce, lone surrogates too).
    const uint8_t flags = data[0];
    ++data;
    --size;
    QString input;
    if (flags & 1) {
        input = QString(reinterpret_cast<const QChar *>(data), qsizetype(size / 2));
    } else {
        input = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    }
    const bool keepNewlines = flags & 2;
    const int maxLength = (flags & 4) ? 8000 : 1 + (flags >> 3);

    checkNeutralized(input, keepNewlines);
    checkText(input, maxLength);

    // U+001E separates the typed line from the names the server says are online.
    QStringList parts = input.split(QChar(0x1E));
    const QString line = parts.takeFirst();
    checkName(line);
    for (const QString &part : std::as_const(parts))
        checkName(part);
    checkCommand(line, parts);
    return 0;
}
