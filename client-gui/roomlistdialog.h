// SPDX-License-Identifier: MIT
#pragma once

#include "wire.h"

#include <QDialog>

class QLineEdit;
class QTreeWidget;

// The server's rooms with their topics and sizes, from a rooms request; the
// person picks one or types a new name, and joinRequested() says which.
class RoomListDialog : public QDialog
{
    Q_OBJECT
public:
    explicit RoomListDialog(QWidget *parent = nullptr);

    void setRooms(const QList<Wire::RoomList::Entry> &rooms);
    QTreeWidget *list() const { return m_list; }
    QLineEdit *nameEdit() const { return m_name; }

Q_SIGNALS:
    void joinRequested(const QString &room);

private:
    void join();

    QTreeWidget *m_list;
    QLineEdit *m_name;
};
