// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractListModel>
#include <QStringList>

// Who is online, sorted for people (case-insensitive, locale-aware). Updates
// arrive as whole lists; rows move in and out one by one so a selection and the
// scroll position survive a join or a leave.
class UserListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        IsSelfRole = Qt::UserRole + 1,
    };

    explicit UserListModel(QObject *parent = nullptr);

    void setUsers(const QStringList &users);
    void setSelf(const QString &name);
    // Offline, the list shows who was there, dimmed, until the session is back.
    void setOnline(bool online);
    bool isOnline() const { return m_online; }
    QStringList users() const { return m_users; }

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

private:
    bool lessThan(const QString &a, const QString &b) const;
    void insertSorted(const QString &name);

    QStringList m_users;
    QString m_selfKey;
    bool m_online = true;
};
