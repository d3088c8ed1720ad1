// SPDX-License-Identifier: MIT
// Placeholder until the SQL backends land: every database is refused, so the
// server runs only with --database none.
#include "storage.h"

#include <QThread>

std::unique_ptr<Storage> Storage::open(const Settings &settings, Loaded *, QString *error)
{
    *error = QStringLiteral("%1: storage is not built yet; use --database none").arg(settings.url);
    return nullptr;
}

Storage::Storage() = default;
Storage::~Storage() = default;
void Storage::submit(const ChatMessage &, Committed) { }
void Storage::saveRoom(const QString &, const QString &) { }
void Storage::saveTopic(const QString &, const QString &, const QString &, const QString &) { }
void Storage::history(const QString &, qint64, int, Page) { }
void Storage::setExpiredListener(Expired) { }
QString Storage::displayName() const
{
    return {};
}
