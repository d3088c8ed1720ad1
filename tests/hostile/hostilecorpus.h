// SPDX-License-Identifier: MIT
// The building blocks of hostile protocol input, shared by the tests of both
// ends so that the server and the clients face the same classes of attack.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace HostileCorpus {

// Byte sequences that are not UTF-8: stray continuation bytes, truncated and
// overlong sequences, encoded surrogates, code points past U+10FFFF.
QList<QByteArray> invalidUtf8();

// C0 controls, DEL and C1 controls (CSI, U+009B, among them).
QList<char32_t> controlCharacters();

// Invisible formatting that can reorder or hide text: bidi overrides and
// isolates, marks, zero-width characters, line and paragraph separators.
QList<char32_t> invisibleFormatting();

// The JSON escape for one code point: \u001b, or a surrogate pair.
QByteArray jsonEscape(char32_t c);

// depth opening brackets with nothing after them.
QByteArray nested(int depth, char open = '[');

// Escape sequences that would repaint, retitle or reprogram a terminal, as
// Latin-1 (0x9B is the C1 CSI, U+009B).
QList<QByteArray> terminalAttacks();

} // namespace HostileCorpus
