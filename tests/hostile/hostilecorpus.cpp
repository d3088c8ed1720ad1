// SPDX-License-Identifier: MIT
#include "hostilecorpus.h"

namespace HostileCorpus {

QList<QByteArray> invalidUtf8()
{
    return {
        QByteArray("\x80"), // continuation byte with no lead
        QByteArray("\xbf\xbf"),
        QByteArray("\xc3"), // lead byte, then the closing quote
        QByteArray("\xc3\x28"), // lead byte, then ASCII
        QByteArray("\xe2\x82"), // three-byte sequence cut short
        QByteArray("\xe2\x28\xa1"),
        QByteArray("\xf0\x9f\x99"), // four-byte sequence cut short
        QByteArray("\xf0\x28\x8c\xbc"),
        QByteArray("\xc0\xaf"), // overlong '/'
        QByteArray("\xe0\x80\xaf"),
        QByteArray("\xf0\x80\x80\xaf"),
        QByteArray("\xc1\xbf"),
        QByteArray("\xed\xa0\x80"), // UTF-16 surrogate D800 encoded
        QByteArray("\xed\xbf\xbf"),
        QByteArray("\xf4\x90\x80\x80"), // past U+10FFFF
        QByteArray("\xf8\x88\x80\x80\x80"), // five-byte form
        QByteArray("\xfc\x84\x80\x80\x80\x80"),
        QByteArray("\xfe"),
        QByteArray("\xff"),
        QByteArray("\xff\xfe\x00\x41", 4), // a UTF-16 byte order mark
    };
}

QList<char32_t> controlCharacters()
{
    QList<char32_t> characters;
    for (char32_t c = 0; c < 0x20; ++c)
        characters.append(c);
    characters.append(0x7F);
    for (char32_t c = 0x80; c < 0xA0; ++c)
        characters.append(c);
    return characters;
}

QList<char32_t> invisibleFormatting()
{
    return { 0x061C, 0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C,
             0x202D, 0x202E, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF, 0xE0001 };
}

QByteArray jsonEscape(char32_t c)
{
    if (c > 0xFFFF) {
        return jsonEscape(QChar::highSurrogate(c)) + jsonEscape(QChar::lowSurrogate(c));
    }
    return "\\u" + QByteArray::number(uint(c), 16).rightJustified(4, '0');
}

QByteArray nested(int depth, char open)
{
    if (open == '{') {
        QByteArray bytes;
        for (int i = 0; i < depth; ++i)
            bytes += "{\"a\":";
        return bytes;
    }
    return QByteArray(depth, open);
}

QList<QByteArray> terminalAttacks()
{
    return {
        "\x1b[2J\x1b[H", // clear the screen
        "\x1b]0;owned\x07", // retitle the window
        "\x1b[31;1mred", // colours
        "\x1b(0", // switch to the line-drawing character set
        "\x1b[6n", // ask the terminal to type a reply
        "\x9b"
        "31m", // CSI as a C1 byte
        "\x1bP+q\x1b\\", // device control string
        "\r\x1b[Kfake line", // overwrite the line shown
        "\x07\x07\x07", // bells
        "\x08\x08\x08\x08", // backspaces over the sender's name
    };
}

} // namespace HostileCorpus
