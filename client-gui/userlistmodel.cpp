// SPDX-License-Identifier: MIT
#include "userlistmodel.h"

#include "displaytext.h"
#include "namecolor.h"
#include "validation.h"

#include <QApplication>
#include <QCollator>
#include <QFont>
#include <QPalette>
#include <QSet>

UserListModel::UserListModel(QObject *parent) : QAbstractListModel(parent) { }

bool UserListModel::lessThan(const QString &a, const QString &b) const
{
    static const QCollator collator = [] {
        QCollator c;
        c.setCaseSensitivity(Qt::CaseInsensitive);
        c.setNumericMode(true);
        return c;
    }();
    const int order = collator.compare(a, b);
    return order != 0 ? order < 0 : a < b;
}

void UserListModel::insertSorted(const QString &name)
{
    const auto at =
        std::lower_bound(m_users.cbegin(), m_users.cend(), name,
                         [this](const QString &a, const QString &b) { return lessThan(a, b); });
    const int row = int(at - m_users.cbegin());
    beginInsertRows({}, row, row);
    m_users.insert(row, name);
    endInsertRows();
}

void UserListModel::setUsers(const QStringList &users)
{
    QSet<QString> wanted;
    for (const QString &user : users)
        wanted.insert(user);
    for (int row = int(m_users.size()) - 1; row >= 0; --row) {
        if (!wanted.contains(m_users.at(row))) {
            beginRemoveRows({}, row, row);
            m_users.removeAt(row);
            endRemoveRows();
        }
    }
    for (const QString &user : users) {
        if (!m_users.contains(user))
            insertSorted(user);
    }
}

void UserListModel::setSelf(const QString &name)
{
    m_selfKey = Validation::nameKey(name);
    if (!m_users.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_users.size()) - 1));
}

void UserListModel::setRoles(const QString &owner, const QStringList &operators)
{
    QStringList operatorKeys;
    for (const QString &name : operators)
        operatorKeys.append(Validation::nameKey(name));
    const QString ownerKey = owner.isEmpty() ? QString() : Validation::nameKey(owner);
    if (ownerKey == m_ownerKey && operatorKeys == m_operatorKeys)
        return;
    m_ownerKey = ownerKey;
    m_operatorKeys = operatorKeys;
    if (!m_users.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_users.size()) - 1));
}

bool UserListModel::isOwner(const QString &name) const
{
    return !m_ownerKey.isEmpty() && Validation::nameKey(name) == m_ownerKey;
}

bool UserListModel::isOperator(const QString &name) const
{
    return isOwner(name) || m_operatorKeys.contains(Validation::nameKey(name));
}

void UserListModel::setOnline(bool online)
{
    if (m_online == online)
        return;
    m_online = online;
    if (!m_users.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_users.size()) - 1), { Qt::ForegroundRole });
}

int UserListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_users.size());
}

QVariant UserListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QString &name = m_users.at(index.row());
    const bool self = !m_selfKey.isEmpty() && Validation::nameKey(name) == m_selfKey;
    switch (role) {
    case Qt::DisplayRole: {
        const QString shown = DisplayText::neutralized(name);
        if (isOwner(name))
            return u'~' + shown;
        return isOperator(name) ? u'@' + shown : shown;
    }
    case Qt::ToolTipRole: {
        const QString shown = DisplayText::neutralized(name);
        QString tip = self ? tr("%1 (you)").arg(shown)
                           : tr("Double-click to talk to %1 privately").arg(shown);
        if (isOwner(name))
            tip += u'\n' + tr("The room's owner");
        else if (isOperator(name))
            tip += u'\n' + tr("An operator of the room");
        return tip;
    }
    case Qt::ForegroundRole:
        if (!m_online)
            return QApplication::palette().color(QPalette::Disabled, QPalette::Text);
        return NameColor::forName(name, QApplication::palette());
    case Qt::FontRole:
        if (self) {
            QFont font = QApplication::font();
            font.setBold(true);
            return font;
        }
        return {};
    case IsSelfRole:
        return self;
    case IsOwnerRole:
        return isOwner(name);
    case IsOperatorRole:
        return isOperator(name);
    case Qt::EditRole:
        return name;
    }
    return {};
}
