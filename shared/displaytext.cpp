#include "displaytext.h"

#include <QStringIterator>

namespace DisplayText {

static constexpr char32_t ReplacementCharacter = 0xFFFD;
static constexpr char32_t ControlPictures = 0x2400;
static constexpr char32_t ZeroWidthNonJoiner = 0x200C;
static constexpr char32_t ZeroWidthJoiner = 0x200D;

// What c is shown as, or c itself when it is harmless.
static char32_t safeCharacter(char32_t c, bool keepNewlines)
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
        return (c == ZeroWidthJoiner || c == ZeroWidthNonJoiner) ? c : ReplacementCharacter;
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
    QStringIterator it(text);
    while (it.hasNext()) {
        const char32_t c = safeCharacter(it.next(0xD800), keepNewlines);
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
    QStringIterator it(text);
    while (it.hasNext()) {
        const char32_t c = it.next(0xD800);
        if (safeCharacter(c, keepNewlines) != c)
            return true;
    }
    return false;
}

} // namespace DisplayText
