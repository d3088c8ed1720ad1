// SPDX-License-Identifier: MIT
// The desktop client against a real pynet-server: a private conversation
// between accounts shows its stored history when opened and pages back when
// scrolled up; a server administrator is offered moderation in every room.
#include "connectdialog.h"
#include "conversationview.h"
#include "inputline.h"
#include "mainwindow.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "userlistmodel.h"
#include "wire.h"

#include <QAction>
#include <QCheckBox>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using Status = ChatClient::Status;

namespace {

const QStringList FastHashing { u"--hash-memory-kib"_s, u"64"_s, u"--hash-passes"_s, u"1"_s };
const QString Password = u"correct horse battery"_s;

bool logIn(RawClient &client, quint16 port, const QString &name)
{
    if (!client.connectTo(port))
        return false;
    client.sendObject(Protocol::passwordJoin(name, Password, true));
    return !client.waitFor(u"welcome"_s, 20000).isEmpty();
}

QAction *findAction(QMenu *menu, const QString &objectName)
{
    if (!menu)
        return nullptr;
    for (QAction *action : menu->actions()) {
        if (action->objectName() == objectName)
            return action;
    }
    return nullptr;
}

// Right-clicks name in the member list and returns the menu that opened.
QMenu *openUserMenu(MainWindow &window, const QString &name)
{
    const UserListModel *model = window.userModel();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row);
        if (index.data(Qt::EditRole).toString() != name)
            continue;
        Q_EMIT window.userView()->customContextMenuRequested(
            window.userView()->visualRect(index).center());
        return window.userMenu();
    }
    return nullptr;
}

} // namespace

class TestMainWindowPrivate : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void privateViewLoadsStoredHistory();
    void guestConversationIsNotKept();
    void adminIsOfferedModerationEverywhere();

private:
    bool startServer(const QStringList &extra = {});
    // Logs the window in to name's account (registering it) from the dialog.
    bool logInWindow(const QString &name);
    QString textOf(Conversation *conversation) const;

    QTemporaryDir m_settingsDir;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindowPrivate::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(u"PyNetTest"_s);
    QCoreApplication::setApplicationName(u"tst_guimainwindowprivate"_s);
}

void TestMainWindowPrivate::init()
{
    QSettings().clear();
}

void TestMainWindowPrivate::cleanup()
{
    m_window.reset();
    m_server.reset();
}

bool TestMainWindowPrivate::startServer(const QStringList &extra)
{
    m_server = std::make_unique<ServerProcess>(FastHashing + extra);
    if (!m_server->start()) {
        qWarning().noquote() << m_server->output();
        return false;
    }
    return true;
}

bool TestMainWindowPrivate::logInWindow(const QString &name)
{
    m_window = std::make_unique<MainWindow>();
    m_window->client()->setKeepAliveInterval(0);
    m_window->show();
    if (!QTest::qWaitForWindowExposed(m_window.get()))
        return false;
    m_window->openConnectDialog();
    ConnectDialog *dialog = m_window->connectDialog();
    if (!dialog || !QTest::qWaitForWindowExposed(dialog))
        return false;
    dialog->setValues(u"127.0.0.1"_s, m_server->port(), name);
    dialog->passwordEdit()->clear();
    QTest::keyClicks(dialog->passwordEdit(), Password);
    dialog->createAccountBox()->setChecked(true);
    dialog->accept();
    return QTest::qWaitFor([this] { return m_window->client()->status() == Status::Joined; }, 20000)
        && m_window->client()->isLoggedIn();
}

QString TestMainWindowPrivate::textOf(Conversation *conversation) const
{
    ConversationView *view = conversation ? m_window->viewFor(conversation) : nullptr;
    return view ? view->toPlainText() : QString();
}

void TestMainWindowPrivate::privateViewLoadsStoredHistory()
{
    QVERIFY(startServer({ u"--rate"_s, u"1000"_s, u"--burst"_s, u"1000"_s })); // 60 lines at once
    RawClient bob;
    RawClient earlier; // alice, from another client, before the window
    QVERIFY(logIn(bob, m_server->port(), u"bob"_s));
    QVERIFY(logIn(earlier, m_server->port(), u"alice"_s));
    // More than one page (the client asks for the server's default, 50).
    for (int i = 1; i <= 60; ++i) {
        const QString text = u"line %1"_s.arg(i, 2, 10, QLatin1Char('0'));
        if (i % 2)
            earlier.sendObject(Protocol::privateMessage(u"bob"_s, text));
        else
            bob.sendObject(Protocol::privateMessage(u"alice"_s, text));
        QCOMPARE((i % 2 ? bob : earlier).waitFor(u"message"_s).value(u"data"_s).toString(), text);
    }
    earlier.socket().disconnectFromHost();
    QVERIFY(earlier.waitForClosed());

    QVERIFY(logInWindow(u"alice"_s));
    Conversation *conversation = m_window->openPrivate(u"bob"_s, true);
    QTRY_VERIFY_WITH_TIMEOUT(textOf(conversation).contains(u"line 60"_s), 10000);
    QString text = textOf(conversation);
    QVERIFY2(text.contains(u"line 11"_s) && !text.contains(u"line 10"_s), qPrintable(text));
    QVERIFY(text.indexOf(u"line 11"_s) < text.indexOf(u"line 60"_s));
    QVERIFY(!text.contains(u"beginning of your conversation"_s));

    // Scrolled to the top: the page before, once, in front.
    ConversationView *view = m_window->viewFor(conversation);
    Q_EMIT view->scrolledToTop();
    QTRY_VERIFY_WITH_TIMEOUT(textOf(conversation).contains(u"line 01"_s), 10000);
    text = textOf(conversation);
    QVERIFY(text.indexOf(u"beginning of your conversation with bob"_s)
            < text.indexOf(u"line 01"_s));
    QVERIFY(text.indexOf(u"line 10"_s) < text.indexOf(u"line 11"_s));
    QCOMPARE(text.count(u"line 11"_s), 1);
    QCOMPARE(text.count(u"line 60"_s), 1);

    // Live lines both ways, each shown once, then nothing more to load.
    bob.sendObject(Protocol::privateMessage(u"alice"_s, u"live from bob"_s));
    QTRY_VERIFY(textOf(conversation).contains(u"live from bob"_s));
    QTest::keyClicks(m_window->inputLine(), u"live from alice"_s);
    QTest::keyClick(m_window->inputLine(), Qt::Key_Return);
    // The window writes from its event loop, which bob's blocking wait does not run.
    QTRY_VERIFY(!m_window->client()->hasPendingWrites());
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"live from alice"_s);
    // Bob's answer comes after the stored copy of alice's line, which is not shown again.
    bob.sendObject(Protocol::privateMessage(u"alice"_s, u"bob again"_s));
    QTRY_VERIFY(textOf(conversation).contains(u"bob again"_s));
    Q_EMIT view->scrolledToTop(); // the last page said there is no more: nothing is asked
    QVERIFY(!conversation->isLoadingOlder());
    QCOMPARE(textOf(conversation).count(u"live from alice"_s), 1);
    QCOMPARE(textOf(conversation).count(u"live from bob"_s), 1);
}

void TestMainWindowPrivate::guestConversationIsNotKept()
{
    QVERIFY(startServer());
    RawClient dave;
    QVERIFY(dave.joinAs(m_server->port(), u"dave"_s));
    QVERIFY(logInWindow(u"alice"_s));
    Conversation *conversation = m_window->openPrivate(u"dave"_s, true);
    QTRY_VERIFY_WITH_TIMEOUT(textOf(conversation).contains(u"dave has no account"_s), 10000);
    QVERIFY(!conversation->isLoadingOlder());
    // Live messages still cross.
    dave.sendObject(Protocol::privateMessage(u"alice"_s, u"guest says hi"_s));
    QTRY_VERIFY(textOf(conversation).contains(u"guest says hi"_s));
}

void TestMainWindowPrivate::adminIsOfferedModerationEverywhere()
{
    QVERIFY(startServer({ u"--admins"_s, u"alice"_s }));
    RawClient carol; // owns #dev
    RawClient bob;
    QVERIFY(logIn(carol, m_server->port(), u"carol"_s));
    carol.sendObject(Protocol::enter(u"#dev"_s));
    QVERIFY(!carol.waitFor(u"room"_s).isEmpty());
    QVERIFY(bob.joinAs(m_server->port(), u"bob"_s));
    bob.sendObject(Protocol::enter(u"#dev"_s));
    QVERIFY(!bob.waitFor(u"room"_s).isEmpty());

    QVERIFY(logInWindow(u"alice"_s));
    QVERIFY(m_window->client()->isAdmin());
    QTest::keyClicks(m_window->inputLine(), u"/join #dev"_s);
    QTest::keyClick(m_window->inputLine(), Qt::Key_Return);
    QTRY_COMPARE(m_window->currentConversation()->room(), u"#dev"_s);
    QTRY_COMPARE(m_window->userModel()->rowCount(), 3);
    // Neither owner nor operator of #dev, yet an administrator.
    QMenu *menu = openUserMenu(*m_window, u"bob"_s);
    QVERIFY(findAction(menu, u"kickAction"_s));
    QVERIFY(findAction(menu, u"banAction"_s));
    QVERIFY(findAction(menu, u"muteAction"_s));
    QVERIFY(findAction(menu, u"opAction"_s));
    menu->close();
    QMenu *roomMenu = m_window->roomMenu();
    Q_EMIT roomMenu->aboutToShow();
    QVERIFY(findAction(roomMenu, u"inviteOnlyAction"_s)->isEnabled());

    // #general: mute, no kick or ban, no invite-only.
    m_window->tabs()->setCurrentIndex(0);
    QTRY_COMPARE(m_window->currentConversation()->room(), u"#general"_s);
    QTRY_COMPARE(m_window->userModel()->rowCount(), 3);
    menu = openUserMenu(*m_window, u"bob"_s);
    QVERIFY(findAction(menu, u"muteAction"_s));
    QVERIFY(!findAction(menu, u"kickAction"_s));
    QVERIFY(!findAction(menu, u"banAction"_s));
    menu->close();
    Q_EMIT roomMenu->aboutToShow();
    QVERIFY(!findAction(roomMenu, u"inviteOnlyAction"_s)->isEnabled());
    QVERIFY(findAction(roomMenu, u"topicLockedAction"_s)->isEnabled());
}

QTEST_MAIN(TestMainWindowPrivate)
#include "tst_mainwindowprivate.moc"
