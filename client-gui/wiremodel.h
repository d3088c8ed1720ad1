// SPDX-License-Identifier: MIT
#pragma once

#include "wireevent.h"

#include <QAbstractTableModel>
#include <QList>

// The Wire view's events, oldest first, bounded: past MaxEvents events (or
// MaxKeptBytes of their raw bytes) the oldest go, so a session left open for
// days costs at most that much memory.
class WireModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    // Enough to scroll back through a busy few minutes; a row costs about
    // 200 bytes plus its raw bytes.
    static constexpr int MaxEvents = 5000;
    // A few large welcomes must not hold hundreds of megabytes.
    static constexpr qsizetype MaxKeptBytes = 16 * 1024 * 1024;

    enum Column {
        TimeColumn,
        DirectionColumn,
        BytesColumn,
        TypeColumn,
        SummaryColumn,
        ColumnCount
    };
    enum Role {
        // What the type filter matches: "frame:<type>", "read", "timeline" or "rtt".
        FilterKeyRole = Qt::UserRole + 1,
    };

    explicit WireModel(QObject *parent = nullptr);

    void append(const WireEvent &event);
    void clear();
    const WireEvent &event(int row) const { return m_events.at(row); }
    const QList<WireEvent> &events() const { return m_events; }
    qsizetype keptBytes() const { return m_keptBytes; }

    static QString filterKey(const WireEvent &event);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    // A frame of a type not seen since the last clear(), for the filter's list.
    void typeSeen(const QString &type);

private:
    QList<WireEvent> m_events;
    QStringList m_types;
    qsizetype m_keptBytes = 0;
};
