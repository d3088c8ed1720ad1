// SPDX-License-Identifier: MIT
#include "passwordkeyring.h"

#include <QSettings>

#include <qt6keychain/keychain.h>

namespace {

const QString Service = QStringLiteral("PyNet Chat");
const QString RememberedKeys = QStringLiteral("keyring/remembered");

} // namespace

PasswordKeyring::PasswordKeyring(QObject *parent) : QObject(parent) { }

QString PasswordKeyring::keyFor(const QString &host, quint16 port, const QString &name)
{
    return QStringLiteral("%1@%2:%3").arg(name.toCaseFolded(), host.toLower()).arg(port);
}

void PasswordKeyring::read(const QString &key, std::function<void(const QString &)> done)
{
    auto *job = new QKeychain::ReadPasswordJob(Service, this);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *job) {
        const auto *read = static_cast<QKeychain::ReadPasswordJob *>(job);
        done(read->error() == QKeychain::NoError ? read->textData() : QString());
    });
    job->start();
}

void PasswordKeyring::write(const QString &key, const QString &password)
{
    auto *job = new QKeychain::WritePasswordJob(Service, this);
    job->setKey(key);
    job->setTextData(password);
    connect(job, &QKeychain::Job::finished, this, [this, key](QKeychain::Job *job) {
        if (job->error() != QKeychain::NoError) {
            Q_EMIT failed(
                tr("The password was not saved in the keyring: %1").arg(job->errorString()));
            return;
        }
        setRemembered(key, true);
        Q_EMIT written(key);
    });
    job->start();
}

bool PasswordKeyring::remove(const QString &key)
{
    if (!remembers(key))
        return false;
    auto *job = new QKeychain::DeletePasswordJob(Service, this);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, key](QKeychain::Job *job) {
        if (job->error() != QKeychain::NoError && job->error() != QKeychain::EntryNotFound) {
            Q_EMIT failed(
                tr("The password was not removed from the keyring: %1").arg(job->errorString()));
            return;
        }
        setRemembered(key, false);
    });
    job->start();
    return true;
}

bool PasswordKeyring::remembers(const QString &key) const
{
    return QSettings().value(RememberedKeys).toStringList().contains(key);
}

void PasswordKeyring::setRemembered(const QString &key, bool remembered)
{
    QSettings settings;
    QStringList keys = settings.value(RememberedKeys).toStringList();
    keys.removeAll(key);
    if (remembered)
        keys.append(key);
    settings.setValue(RememberedKeys, keys);
}
