// SPDX-License-Identifier: MIT
#include "wiremodel.h"

#include <QBrush>
#include <QFontDatabase>
#include <QPalette>

WireModel::WireModel(QObject *parent) : QAbstractTableModel(parent) { }

void WireModel::append(const WireEvent &event)
{
    // Dropped before the insert, so the model never holds more than its bound.
    int drop = 0;
    qsizetype dropBytes = 0;
    while (drop < m_events.size()
           && (m_events.size() - drop >= MaxEvents
               || m_keptBytes - dropBytes + event.raw.size() > MaxKeptBytes)) {
        dropBytes += m_events.at(drop).raw.size();
        ++drop;
    }
    if (drop > 0) {
        beginRemoveRows({}, 0, drop - 1);
        m_events.remove(0, drop);
        m_keptBytes -= dropBytes;
        endRemoveRows();
    }
    beginInsertRows({}, int(m_events.size()), int(m_events.size()));
    m_events.append(event);
    m_keptBytes += event.raw.size();
    endInsertRows();
    if (event.isFrame() && !m_types.contains(event.type)) {
        m_types.append(event.type);
        Q_EMIT typeSeen(event.type);
    }
}

void WireModel::clear()
{
    beginResetModel();
    m_events.clear();
    m_types.clear();
    m_keptBytes = 0;
    endResetModel();
}

QString WireModel::filterKey(const WireEvent &event)
{
    return event.isFrame() ? QStringLiteral("frame:") + event.type : event.kindName();
}

int WireModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int WireModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

static QString directionText(const WireEvent &event)
{
    switch (event.kind) {
    case WireEvent::Kind::Read:
        return QStringLiteral("⇐ read");
    case WireEvent::Kind::FrameIn:
        return QStringLiteral("← in");
    case WireEvent::Kind::FrameOut:
        return QStringLiteral("→ out");
    case WireEvent::Kind::Timeline:
        return QStringLiteral("• timeline");
    case WireEvent::Kind::RoundTrip:
        return QStringLiteral("⟲ rtt");
    }
    return {};
}

QVariant WireModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_events.size())
        return {};
    const WireEvent &event = m_events.at(index.row());
    if (role == FilterKeyRole)
        return filterKey(event);
    if (role == Qt::TextAlignmentRole && index.column() == BytesColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::FontRole && index.column() == SummaryColumn && event.isFrame())
        return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    if (role == Qt::ForegroundRole
        && (event.kind == WireEvent::Kind::Read || event.kind == WireEvent::Kind::Timeline))
        return QPalette().brush(QPalette::Disabled, QPalette::Text);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        return event.time.toString(QStringLiteral("HH:mm:ss.zzz"));
    case DirectionColumn:
        return directionText(event);
    case BytesColumn:
        return event.kind == WireEvent::Kind::Read || event.isFrame() ? QVariant(event.bytes)
                                                                      : QVariant();
    case TypeColumn:
        return event.isFrame() ? event.type : QVariant();
    case SummaryColumn: {
        if (!event.isFrame())
            return event.summary();
        // The type has its own column; a long frame is cut for the row, whole in the details.
        const QString summary = event.summary().mid(event.type.size() + 1);
        return role == Qt::DisplayRole ? summary.left(300) : summary.left(2000);
    }
    }
    return {};
}

QVariant WireModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case DirectionColumn:
        return tr("Direction");
    case BytesColumn:
        return tr("Bytes");
    case TypeColumn:
        return tr("Type");
    case SummaryColumn:
        return tr("What");
    }
    return {};
}
