// SPDX-License-Identifier: MIT
#include "roomlistdialog.h"

#include "displaytext.h"
#include "validation.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

RoomListDialog::RoomListDialog(QWidget *parent)
    : QDialog(parent), m_list(new QTreeWidget(this)), m_name(new QLineEdit(this))
{
    setWindowTitle(tr("Join a Room"));
    m_list->setColumnCount(3);
    m_list->setHeaderLabels({ tr("Room"), tr("People"), tr("Topic") });
    m_list->setRootIsDecorated(false);
    m_list->setAlternatingRowColors(true);
    m_list->header()->setStretchLastSection(true);
    m_list->setAccessibleName(tr("Rooms on the server"));
    m_name->setPlaceholderText(tr("#room: a new one is created"));
    m_name->setAccessibleName(tr("Room name"));

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    QPushButton *joinButton = buttons->addButton(tr("&Join"), QDialogButtonBox::AcceptRole);
    joinButton->setDefault(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Loading the rooms…"), this));
    layout->addWidget(m_list, 1);
    layout->addWidget(m_name);
    layout->addWidget(buttons);

    connect(m_list, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem *item) {
        if (item)
            m_name->setText(item->data(0, Qt::UserRole).toString());
    });
    connect(m_list, &QTreeWidget::itemDoubleClicked, this, &RoomListDialog::join);
    connect(buttons, &QDialogButtonBox::accepted, this, &RoomListDialog::join);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(480, 360);
}

void RoomListDialog::setRooms(const QList<Wire::RoomList::Entry> &rooms)
{
    m_list->clear();
    for (const Wire::RoomList::Entry &room : rooms) {
        auto *item = new QTreeWidgetItem(m_list);
        item->setText(0, DisplayText::neutralized(room.room));
        item->setData(0, Qt::UserRole, room.room);
        item->setText(1, QString::number(room.users));
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(2, DisplayText::neutralized(room.topic));
    }
    m_list->resizeColumnToContents(0);
    m_list->resizeColumnToContents(1);
    findChild<QLabel *>()->setText(tr("%n room(s) on the server:", nullptr, int(rooms.size())));
}

void RoomListDialog::join()
{
    QString room = Validation::normalizedName(m_name->text());
    if (!room.isEmpty() && !room.startsWith(u'#'))
        room.prepend(u'#');
    QString reason;
    if (!Validation::isValidRoomName(room, &reason)) {
        m_name->setFocus();
        m_name->setToolTip(reason);
        return;
    }
    Q_EMIT joinRequested(room);
    accept();
}
