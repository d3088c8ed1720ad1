// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractListModel>
#include <QStringList>

// Who is online (or in the shown room), sorted for people (case-insensitive, locale-aware). Updates
// arrive as whole lists; rows move in and out one by one so a selection and the
// scroll position survive a join or a leave.
class UserListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        IsSelfRole = Qt::UserRole + 1,
        IsOwnerRole, // the room's owner
        IsOperatorRole, // the owner or an operator of the room
    };

    explicit UserListModel(QObject *parent = nullptr);

    void setUsers(const QStringList &users);
    void setSelf(const QString &name);
    // The shown room's owner and operators, marked as IRC clients do: ~owner, @operator.
    void setRoles(const QString &owner, const QStringList &operators);
    // Offline, the list shows who was there, dimmed, until the session is back.
    void setOnline(bool online);
    bool isOnline() const { return m_online; }
    QStringList users() const { return m_users; }

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    bool lessThan(const QString &a, const QString &b) const;
    bool isOwner(const QString &name) const;
    bool isOperator(const QString &name) const;
    void insertSorted(const QString &name);

    QStringList m_users;
    QString m_selfKey;
    QString m_ownerKey; // Validation::nameKey, as the names below
    QStringList m_operatorKeys;
    bool m_online = true;
};
