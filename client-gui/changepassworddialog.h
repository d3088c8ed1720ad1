// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

// /password and Chat › Change Password: the current password and the new one
// twice, none of them shown. OK stays off until the two new ones match.
class ChangePasswordDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ChangePasswordDialog(const QString &account, QWidget *parent = nullptr);
    ~ChangePasswordDialog() override;

    QString oldPassword() const;
    QString newPassword() const;

    QLineEdit *oldEdit() const { return m_old; }
    QLineEdit *newEdit() const { return m_new; }
    QLineEdit *repeatEdit() const { return m_repeat; }
    QDialogButtonBox *buttons() const { return m_buttons; }

private:
    void updateState();

    QLineEdit *m_old;
    QLineEdit *m_new;
    QLineEdit *m_repeat;
    QLabel *m_hint;
    QDialogButtonBox *m_buttons;
};
