// SPDX-License-Identifier: MIT
#include "changepassworddialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

ChangePasswordDialog::ChangePasswordDialog(const QString &account, QWidget *parent)
    : QDialog(parent)
    , m_old(new QLineEdit(this))
    , m_new(new QLineEdit(this))
    , m_repeat(new QLineEdit(this))
    , m_hint(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Change Password"));
    auto *heading = new QLabel(tr("The new password of <b>%1</b> signs out the account's other "
                                  "logins.")
                                   .arg(account.toHtmlEscaped()),
                               this);
    heading->setWordWrap(true);
    for (QLineEdit *edit : { m_old, m_new, m_repeat }) {
        edit->setEchoMode(QLineEdit::Password);
        connect(edit, &QLineEdit::textChanged, this, &ChangePasswordDialog::updateState);
    }
    m_hint->setTextFormat(Qt::PlainText);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Change"));

    auto *form = new QFormLayout;
    form->addRow(tr("&Current password:"), m_old);
    form->addRow(tr("&New password:"), m_new);
    form->addRow(tr("&Again:"), m_repeat);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addLayout(form);
    layout->addWidget(m_hint);
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updateState();
}

// The fields hold passwords: none stays behind in freed memory.
ChangePasswordDialog::~ChangePasswordDialog()
{
    for (QLineEdit *edit : { m_old, m_new, m_repeat }) {
        const QSignalBlocker blocker(edit);
        edit->setText(QString(edit->text().size(), u'\0'));
        edit->clear();
    }
}

QString ChangePasswordDialog::oldPassword() const
{
    return m_old->text();
}

QString ChangePasswordDialog::newPassword() const
{
    return m_new->text();
}

void ChangePasswordDialog::updateState()
{
    const bool differ = !m_repeat->text().isEmpty() && m_repeat->text() != m_new->text();
    m_hint->setText(differ ? tr("The two new passwords differ.") : QString());
    m_buttons->button(QDialogButtonBox::Ok)
        ->setEnabled(!m_old->text().isEmpty() && !m_new->text().isEmpty()
                     && m_new->text() == m_repeat->text());
}
