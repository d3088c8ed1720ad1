// SPDX-License-Identifier: MIT
#include "displaytext.h"

namespace DisplayText {

static constexpr char32_t ReplacementCharacter = 0xFFFD;
static constexpr char32_t ControlPictures = 0x2400;
static constexpr char32_t ZeroWidthNonJoiner = 0x200C;
static constexpr char32_t ZeroWidthJoiner = 0x200D;
static constexpr char32_t BlackFlag = 0x1F3F4;
static constexpr char32_t FirstTag = 0xE0020;
static constexpr char32_t CancelTag = 0xE007F;

// The code point at *index, advancing *index past it; a lone surrogate is
// returned as itself.
static char32_t nextCodePoint(const QString &text, qsizetype *index)
{
    const QChar c = text.at((*index)++);
    if (c.isHighSurrogate() && *index < text.size() && text.at(*index).isLowSurrogate())
        return QChar::surrogateToUcs4(c, text.at((*index)++));
    return c.unicode();
}

// Tag characters spell a subdivision flag after a black flag (England is
// U+1F3F4 U+E0067 U+E0062 U+E0065 U+E006E U+E0067 U+E007F); anywhere else
// they are invisible text.
static bool continuesFlag(char32_t c, char32_t previous)
{
    return c >= FirstTag && c <= CancelTag
        && (previous == BlackFlag || (previous >= FirstTag && previous < CancelTag));
}

// What c is shown as, or c itself when it is harmless. previous is what the
// character before it is shown as.
static char32_t safeCharacter(char32_t c, char32_t previous, bool keepNewlines)
{
    if (keepNewlines && (c == u'\n' || c == u'\t'))
        return c;
    if (c < 0x20)
        return ControlPictures + c;
    if (c == 0x7F)
        return ControlPictures + 0x21; // U+2421 SYMBOL FOR DELETE
    switch (QChar::category(c)) {
    case QChar::Other_Control: // C1 controls such as CSI (U+009B)
    case QChar::Other_Surrogate: // a lone half of a pair
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return ReplacementCharacter;
    case QChar::Other_Format: // bidi overrides and isolates, invisible operators
        return (c == ZeroWidthJoiner || c == ZeroWidthNonJoiner || continuesFlag(c, previous))
            ? c
            : ReplacementCharacter;
    default:
        return c;
    }
}

QString neutralized(const QString &text, bool keepNewlines)
{
    if (!needsNeutralizing(text, keepNewlines))
        return text;
    QString result;
    result.reserve(text.size());
    char32_t previous = 0;
    for (qsizetype i = 0; i < text.size();) {
        const char32_t c = safeCharacter(nextCodePoint(text, &i), previous, keepNewlines);
        previous = c;
        if (QChar::requiresSurrogates(c)) {
            result.append(QChar(QChar::highSurrogate(c)));
            result.append(QChar(QChar::lowSurrogate(c)));
        } else {
            result.append(QChar(char16_t(c)));
        }
    }
    return result;
}

bool needsNeutralizing(const QString &text, bool keepNewlines)
{
    char32_t previous = 0;
    for (qsizetype i = 0; i < text.size();) {
        const char32_t c = nextCodePoint(text, &i);
        if (safeCharacter(c, previous, keepNewlines) != c)
            return true;
        previous = c;
    }
    return false;
}

} // namespace DisplayText
