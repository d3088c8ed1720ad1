// SPDX-License-Identifier: MIT
// Makes text from the network safe to put on a screen. Names and messages come
// from other people and from the server; none of them may move a cursor, change
// colours, switch a terminal's character set or reverse the reading order.
#pragma once

#include <QString>

namespace DisplayText {

// Replaces C0 controls with their visible Control Pictures (ESC becomes U+241B),
// C1 controls, bidirectional overrides and other invisible format characters with
// U+FFFD. Zero-width joiners and the tags of a flag stay: emoji need them. With keepNewlines,
// '\n' and '\t' are kept for multi-line messages.
QString neutralized(const QString &text, bool keepNewlines = false);

// True when neutralized() would change the text.
bool needsNeutralizing(const QString &text, bool keepNewlines = false);

} // namespace DisplayText
