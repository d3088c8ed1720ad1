// SPDX-License-Identifier: MIT
// PasswordKeyring on a machine without a keyring, as the tests run: what it
// remembers having kept, and that forgetting what it never kept asks nothing.
#include "passwordkeyring.h"

#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace Qt::StringLiterals;

class TestPasswordKeyring : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void forgettingWhatWasNeverKeptAsksNoKeyring();
    void aFailedWriteIsNotRemembered();

private:
    QTemporaryDir m_settingsDir;
};

void TestPasswordKeyring::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(u"PyNetTest"_s);
    QCoreApplication::setApplicationName(u"tst_guipasswordkeyring"_s);
}

// A login without "Remember the password" forgets it: on a desktop without a
// keyring that used to end in "The password was not removed from the keyring".
void TestPasswordKeyring::forgettingWhatWasNeverKeptAsksNoKeyring()
{
    PasswordKeyring keyring;
    const QString key = PasswordKeyring::keyFor(u"127.0.0.1"_s, 5050, u"alice"_s);
    QVERIFY(!keyring.remembers(key));
    QVERIFY(!keyring.remove(key));
}

void TestPasswordKeyring::aFailedWriteIsNotRemembered()
{
    PasswordKeyring keyring;
    QSignalSpy failed(&keyring, &PasswordKeyring::failed);
    QSignalSpy written(&keyring, &PasswordKeyring::written);
    const QString key = PasswordKeyring::keyFor(u"127.0.0.1"_s, 5050, u"bob"_s);
    keyring.write(key, u"not kept anywhere"_s);
    QTRY_VERIFY_WITH_TIMEOUT(failed.size() + written.size() == 1, 30000);
    QCOMPARE(keyring.remembers(key), written.size() == 1);
    // No secret in the settings file, whatever happened.
    QSettings settings;
    for (const QString &name : settings.allKeys())
        QVERIFY(!settings.value(name).toString().contains(u"not kept"_s));
}

QTEST_GUILESS_MAIN(TestPasswordKeyring)
#include "tst_passwordkeyring.moc"
