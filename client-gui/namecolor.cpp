// SPDX-License-Identifier: MIT
#include "namecolor.h"

#include "validation.h"

#include <QPalette>

namespace NameColor {

// FNV-1a: stable across runs and Qt versions, unlike qHash's seeded variants.
static quint32 stableHash(const QString &text)
{
    quint32 hash = 2166136261u;
    for (const QChar c : text) {
        hash ^= c.unicode();
        hash *= 16777619u;
    }
    return hash;
}

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

QColor forName(const QString &name, const QPalette &palette)
{
    // Evenly spaced hues; the same lightness on one palette keeps names equally readable.
    static constexpr int Hues = 18;
    const int hue = int(stableHash(Validation::nameKey(name)) % Hues) * 360 / Hues;
    return isDark(palette) ? QColor::fromHsl(hue, 150, 175) : QColor::fromHsl(hue, 200, 80);
}

QColor blend(const QColor &a, const QColor &b, qreal opacityOfA)
{
    const qreal o = qBound(0.0, opacityOfA, 1.0);
    return QColor::fromRgbF(float(a.redF() * o + b.redF() * (1 - o)),
                            float(a.greenF() * o + b.greenF() * (1 - o)),
                            float(a.blueF() * o + b.blueF() * (1 - o)));
}

} // namespace NameColor
