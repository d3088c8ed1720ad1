// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

#include <functional>

// Passwords the person asked us to remember, kept in the desktop's keyring
// (the Secret Service of GNOME Keyring or KWallet, through QtKeychain), one per
// account and server; never in the settings file, and without a keyring not at
// all (QtKeychain's plain-text fallback stays off). Each call is asynchronous.
class PasswordKeyring : public QObject
{
    Q_OBJECT
public:
    explicit PasswordKeyring(QObject *parent = nullptr);

    // The keyring's name for the account name on host:port.
    static QString keyFor(const QString &host, quint16 port, const QString &name);

    // done(password) with an empty password when none is kept or the keyring
    // cannot be reached.
    void read(const QString &key, std::function<void(const QString &)> done);
    void write(const QString &key, const QString &password);
    // Removes a password that write() kept; false, and the keyring left alone,
    // for one it never kept (a desktop without a keyring must not be told that
    // nothing could be removed from it).
    bool remove(const QString &key);
    // write() kept a password for key (the settings file lists the keys, never
    // the passwords).
    bool remembers(const QString &key) const;

Q_SIGNALS:
    void written(const QString &key);
    // Writing or removing failed; text says why, for the status bar.
    void failed(const QString &text);

private:
    void setRemembered(const QString &key, bool remembered);
};
