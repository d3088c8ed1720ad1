// SPDX-License-Identifier: MIT
#include "changepassworddialog.h"
#include "connectdialog.h"
#include "conversationview.h"
#include "inputline.h"
#include "mainwindow.h"
#include "rawclient.h"
#include "serverprocess.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDirIterator>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using Status = ChatClient::Status;

// Every byte the settings hold, wherever QSettings put them.
static QByteArray settingsBytes(const QString &directory)
{
    QSettings().sync();
    QByteArray bytes;
    QDirIterator files(directory, QDir::Files, QDirIterator::Subdirectories);
    while (files.hasNext()) {
        QFile file(files.next());
        if (file.open(QIODevice::ReadOnly))
            bytes += file.readAll();
    }
    return bytes;
}

class TestMainWindowAccounts : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void registersFromTheDialog();
    void typingAfterTheDialogGoesToTheInput();
    void wrongPasswordIsShownAtThePasswordField();
    void registeredNameAsksForThePassword();
    void changesThePassword();

private:
    ConnectDialog *openDialog(const QString &name, const QString &password, bool create);
    QString roomText() const;

    QTemporaryDir m_settingsDir;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindowAccounts::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(u"PyNetTest"_s);
    QCoreApplication::setApplicationName(u"tst_guimainwindowaccounts"_s);
}

void TestMainWindowAccounts::init()
{
    QSettings().clear();
    m_server = std::make_unique<ServerProcess>();
    QVERIFY2(m_server->start(), qPrintable(m_server->output()));
    m_window = std::make_unique<MainWindow>();
    m_window->client()->setKeepAliveInterval(0);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindowAccounts::cleanup()
{
    m_window.reset();
    m_server.reset();
}

QString TestMainWindowAccounts::roomText() const
{
    ConversationView *view = m_window->viewFor(m_window->room());
    return view ? view->toPlainText() : QString();
}

ConnectDialog *TestMainWindowAccounts::openDialog(const QString &name, const QString &password,
                                                  bool create)
{
    m_window->openConnectDialog();
    ConnectDialog *dialog = m_window->connectDialog();
    if (!dialog || !QTest::qWaitForWindowExposed(dialog))
        return nullptr;
    dialog->setValues(u"127.0.0.1"_s, m_server->port(), name);
    dialog->passwordEdit()->clear();
    QTest::keyClicks(dialog->passwordEdit(), password);
    dialog->createAccountBox()->setChecked(create);
    return dialog;
}

void TestMainWindowAccounts::registersFromTheDialog()
{
    ConnectDialog *dialog = openDialog(u"Dana"_s, u"a long secret"_s, true);
    QVERIFY(dialog);
    QCOMPARE(dialog->passwordEdit()->echoMode(), QLineEdit::Password);
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), Status::Joined, 20000);
    QVERIFY(m_window->client()->isLoggedIn());
    QVERIFY(!settingsBytes(m_settingsDir.path()).contains("a long secret"));
    QVERIFY(settingsBytes(m_settingsDir.path()).contains("Dana"));

    // The name is the account's now: a guest cannot take it.
    RawClient guest;
    guest.connectTo(m_server->port());
    guest.sendObject(Protocol::richJoin(u"dana"_s, u"test"_s, 0, {}));
    QCOMPARE(guest.waitFor(u"error"_s).value(u"code"_s).toString(), u"name_registered"_s);
}

// Someone who presses Connect and starts typing writes in the input line: the
// window takes the focus the closing dialog had (on X without a window
// manager nobody else gives it).
void TestMainWindowAccounts::typingAfterTheDialogGoesToTheInput()
{
    ConnectDialog *dialog = openDialog(u"Fran"_s, {}, false);
    QVERIFY(dialog);
    dialog->activateWindow();
    QTRY_COMPARE(QApplication::activeWindow(), static_cast<QWidget *>(dialog));
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), Status::Joined, 20000);
    QTRY_COMPARE(QApplication::activeWindow(), static_cast<QWidget *>(m_window.get()));
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(m_window->inputLine()));
}

void TestMainWindowAccounts::wrongPasswordIsShownAtThePasswordField()
{
    RawClient owner;
    owner.connectTo(m_server->port());
    owner.sendObject(Protocol::passwordJoin(u"Erin"_s, u"right password"_s, true));
    QVERIFY(!owner.waitFor(u"welcome"_s, 20000).isEmpty());

    ConnectDialog *dialog = openDialog(u"Erin"_s, u"wrong password"_s, false);
    QVERIFY(dialog);
    dialog->accept();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->errorText().isEmpty(), 20000);
    QCOMPARE(dialog->focusWidget(), dialog->passwordEdit());
    QVERIFY(dialog->isVisible());
    QVERIFY(!m_window->client()->isLoggedIn());

    // The right one on the same connection, as a person would retype it.
    dialog->passwordEdit()->clear();
    QTest::keyClicks(dialog->passwordEdit(), u"right password"_s);
    QTest::keyClick(dialog->passwordEdit(), Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), Status::Joined, 20000);
    QVERIFY(m_window->client()->isLoggedIn());
}

void TestMainWindowAccounts::registeredNameAsksForThePassword()
{
    RawClient owner;
    owner.connectTo(m_server->port());
    owner.sendObject(Protocol::passwordJoin(u"Finn"_s, u"finn's password"_s, true));
    QVERIFY(!owner.waitFor(u"welcome"_s, 20000).isEmpty());
    owner.socket().disconnectFromHost();

    ConnectDialog *dialog = openDialog(u"finn"_s, {}, false);
    QVERIFY(dialog);
    dialog->accept();
    QTRY_VERIFY_WITH_TIMEOUT(dialog->errorText().contains(u"registered"_s), 20000);
    QCOMPARE(dialog->focusWidget(), dialog->passwordEdit());
}

void TestMainWindowAccounts::changesThePassword()
{
    ConnectDialog *dialog = openDialog(u"Gail"_s, u"first password"_s, true);
    QVERIFY(dialog);
    dialog->accept();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), Status::Joined, 20000);

    m_window->inputLine()->setFocus();
    QTest::keyClicks(m_window->inputLine(), u"/password"_s);
    QTest::keyClick(m_window->inputLine(), Qt::Key_Return);
    QTRY_VERIFY(m_window->changePasswordDialog());
    ChangePasswordDialog *change = m_window->changePasswordDialog();
    QPushButton *ok = change->buttons()->button(QDialogButtonBox::Ok);
    QTest::keyClicks(change->oldEdit(), u"first password"_s);
    QTest::keyClicks(change->newEdit(), u"second password"_s);
    QTest::keyClicks(change->repeatEdit(), u"second passwor"_s);
    QVERIFY(!ok->isEnabled());
    QTest::keyClicks(change->repeatEdit(), u"d"_s);
    QVERIFY(ok->isEnabled());
    ok->click();
    QTRY_VERIFY_WITH_TIMEOUT(roomText().contains(u"Password changed"_s), 20000);

    RawClient withOld;
    withOld.connectTo(m_server->port());
    withOld.sendObject(Protocol::passwordJoin(u"Gail"_s, u"first password"_s));
    QCOMPARE(withOld.waitFor(u"error"_s, 20000).value(u"code"_s).toString(), u"auth_failed"_s);
    RawClient withNew;
    withNew.connectTo(m_server->port());
    withNew.sendObject(Protocol::passwordJoin(u"Gail"_s, u"second password"_s));
    QVERIFY(!withNew.waitFor(u"welcome"_s, 20000).isEmpty());
}

QTEST_MAIN(TestMainWindowAccounts)
#include "tst_mainwindowaccounts.moc"
