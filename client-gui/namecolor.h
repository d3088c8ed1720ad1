// SPDX-License-Identifier: MIT
#pragma once

#include <QColor>
#include <QString>

class QPalette;

// The colour a user's name is drawn in: the same for everyone on every run (a
// hash of the name as the server compares it), readable on the palette's base.
namespace NameColor {

QColor forName(const QString &name, const QPalette &palette);

// True when the palette draws light text on a dark base.
bool isDark(const QPalette &palette);

// a over b with the given opacity of a; for tints that stay opaque.
QColor blend(const QColor &a, const QColor &b, qreal opacityOfA);

} // namespace NameColor
