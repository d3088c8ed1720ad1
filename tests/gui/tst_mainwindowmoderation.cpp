// SPDX-License-Identifier: MIT
// Moderation in the window: the marks of owner and operators in the member
// list, the member and room menus and what they send, the announcements, and
// being put out of a room; against a scripted server, then the real one.
#include "acceptjoin.h"
#include "connectdialog.h"
#include "conversationview.h"
#include "inputline.h"
#include "mainwindow.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "userlistmodel.h"
#include "wire.h"

#include <QAction>
#include <QHostAddress>
#include <QInputDialog>
#include <QJsonDocument>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QSettings>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using Status = ChatClient::Status;

static const QByteArray Welcome =
    R"({"type":"welcome","protocol":1,"name":"Alice","session":"s","run":"db","room":"#general",)"
    R"("topic":"","users":["Alice","Bob","Carol"],"userCount":3,"history":[],"missed":0})"
    "\n";

// The next object of type the client wrote, from *buffer and the socket.
static QJsonObject nextObject(QTcpSocket *peer, QByteArray *buffer, const QString &type)
{
    QJsonObject found;
    [[maybe_unused]] const bool came = QTest::qWaitFor(
        [&] {
            *buffer += peer->readAll();
            qsizetype end;
            while ((end = buffer->indexOf('\n')) >= 0) {
                const QJsonObject object = QJsonDocument::fromJson(buffer->left(end)).object();
                buffer->remove(0, end + 1);
                if (object.value(u"type").toString() == type) {
                    found = object;
                    return true;
                }
            }
            return false;
        },
        5000);
    return found;
}

static void send(QTcpSocket *peer, const QJsonObject &object)
{
    peer->write(QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n');
}

static QAction *findAction(QMenu *menu, const QString &objectName)
{
    if (!menu)
        return nullptr;
    for (QAction *action : menu->actions()) {
        if (action->objectName() == objectName)
            return action;
    }
    return nullptr;
}

static QString roomText(MainWindow &window, const QString &room)
{
    Conversation *conversation = window.roomConversation(room);
    ConversationView *view = conversation ? window.viewFor(conversation) : nullptr;
    return view ? view->toPlainText() : QString();
}

// Right-clicks name in the member list and returns the menu that opened.
static QMenu *openUserMenu(MainWindow &window, const QString &name)
{
    const UserListModel *model = window.userModel();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row);
        if (index.data(Qt::EditRole).toString() != name)
            continue;
        const QRect rect = window.userView()->visualRect(index);
        Q_EMIT window.userView()->customContextMenuRequested(rect.center());
        return window.userMenu();
    }
    return nullptr;
}

static QMenu *openRoomMenu(MainWindow &window)
{
    QMenu *menu = window.roomMenu();
    Q_EMIT menu->aboutToShow(); // as the menu bar does before it shows the menu
    return menu;
}

class TestMainWindowModeration : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void marksOwnerAndOperators();
    void memberMenuSendsModerate();
    void roomMenuSendsTheSettings();
    void onlyOperatorsSeeTheActions();
    void defaultRoomOffersOnlyMute();
    void announcementsAndBeingPutOut();
    void slashCommandsWorkHere();
    void ownerKicksBobOutOfTheRoom();

private:
    bool startInDev(const QString &owner, const QStringList &operators);

    QTemporaryDir m_settingsDir;
    std::unique_ptr<QTcpServer> m_fake;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<QTcpSocket> m_peer;
    QByteArray m_buffer;
};

void TestMainWindowModeration::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(u"PyNetTest"_s);
    QCoreApplication::setApplicationName(u"tst_guimainwindowmoderation"_s);
}

void TestMainWindowModeration::init()
{
    QSettings().clear();
    m_peer.reset();
    m_window.reset();
    m_fake.reset();
    m_buffer.clear();
}

// Alice in #dev with Bob and Carol, as the scripted server says.
bool TestMainWindowModeration::startInDev(const QString &owner, const QStringList &operators)
{
    m_fake = std::make_unique<QTcpServer>();
    if (!m_fake->listen(QHostAddress::LocalHost))
        return false;
    m_window = std::make_unique<MainWindow>();
    m_window->client()->setKeepAliveInterval(0);
    m_window->show();
    if (!QTest::qWaitForWindowExposed(m_window.get()))
        return false;
    m_window->connectTo(u"127.0.0.1"_s, m_fake->serverPort(), u"Alice"_s);
    m_peer = TestSupport::acceptJoin(*m_fake, &m_buffer);
    if (!m_peer)
        return false;
    m_buffer.clear();
    m_peer->write(Welcome);
    if (!QTest::qWaitFor([&] { return m_window->client()->status() == Status::Joined; }))
        return false;
    QTest::keyClicks(m_window->inputLine(), u"/join #dev"_s);
    QTest::keyClick(m_window->inputLine(), Qt::Key_Return);
    if (nextObject(m_peer.get(), &m_buffer, u"enter"_s).value(u"room") != u"#dev"_s)
        return false;
    Wire::RoomState dev;
    dev.room = u"#dev"_s;
    dev.users = { u"Alice"_s, u"Bob"_s, u"Carol"_s };
    dev.userCount = 3;
    dev.owner = owner;
    dev.operators = operators;
    send(m_peer.get(), dev.toJson());
    return QTest::qWaitFor([&] {
        return m_window->currentConversation()->room() == u"#dev"_s
            && m_window->userModel()->rowCount() == 3;
    });
}

void TestMainWindowModeration::marksOwnerAndOperators()
{
    QVERIFY(startInDev(u"Alice"_s, { u"Carol"_s }));
    const UserListModel *model = m_window->userModel();
    QStringList shown;
    for (int row = 0; row < model->rowCount(); ++row)
        shown.append(model->index(row).data().toString());
    QCOMPARE(shown, (QStringList { u"~Alice"_s, u"Bob"_s, u"@Carol"_s }));
    QVERIFY(model->index(0).data(UserListModel::IsOwnerRole).toBool());
    QVERIFY(model->index(2).data(UserListModel::IsOperatorRole).toBool());
    QVERIFY(!model->index(1).data(UserListModel::IsOperatorRole).toBool());
    QVERIFY(model->index(2).data(Qt::ToolTipRole).toString().contains(u"operator"_s));

    // #general has no owner: no marks there.
    m_window->tabs()->setCurrentIndex(0);
    QTRY_COMPARE(m_window->userModel()->index(0).data().toString(), u"Alice"_s);
}

void TestMainWindowModeration::memberMenuSendsModerate()
{
    QVERIFY(startInDev(u"Alice"_s, { u"Carol"_s }));

    m_window->userView()->setFocus(); // as the right click leaves it
    QMenu *menu = openUserMenu(*m_window, u"Bob"_s);
    QVERIFY(menu);
    QTRY_VERIFY(menu->isVisible());
    QVERIFY(findAction(menu, u"opAction"_s));
    QVERIFY(!findAction(menu, u"deopAction"_s));
    QAction *kick = findAction(menu, u"kickAction"_s);
    QVERIFY(kick);
    kick->trigger();
    menu->close();
    QTRY_VERIFY(m_window->reasonDialog() && m_window->reasonDialog()->isVisible());
    m_window->reasonDialog()->setTextValue(u"spam"_s);
    m_window->reasonDialog()->accept();
    QJsonObject sent = nextObject(m_peer.get(), &m_buffer, u"moderate"_s);
    QCOMPARE(sent.value(u"room").toString(), u"#dev"_s);
    QCOMPARE(sent.value(u"action").toString(), u"kick"_s);
    QCOMPARE(sent.value(u"target").toString(), u"Bob"_s);
    QCOMPARE(sent.value(u"reason").toString(), u"spam"_s);
    // Whoever kicked goes on typing where they type.
    QTRY_COMPARE(m_window->focusWidget(), m_window->inputLine());

    // A reason dialog cancelled sends nothing; the next action still goes.
    menu = openUserMenu(*m_window, u"Bob"_s);
    QVERIFY(menu);
    findAction(menu, u"banAction"_s)->trigger();
    menu->close();
    QTRY_VERIFY(m_window->reasonDialog());
    m_window->reasonDialog()->reject();
    menu = openUserMenu(*m_window, u"Bob"_s);
    QVERIFY(menu);
    findAction(menu, u"unmuteAction"_s)->trigger();
    sent = nextObject(m_peer.get(), &m_buffer, u"moderate"_s);
    QCOMPARE(sent.value(u"action").toString(), u"unmute"_s);
    QCOMPARE(sent.value(u"target").toString(), u"Bob"_s);
    QVERIFY(!sent.contains(u"reason"));

    // Carol operates already: the owner may take it back.
    menu = openUserMenu(*m_window, u"Carol"_s);
    QVERIFY(menu);
    QVERIFY(!findAction(menu, u"opAction"_s));
    findAction(menu, u"deopAction"_s)->trigger();
    sent = nextObject(m_peer.get(), &m_buffer, u"moderate"_s);
    QCOMPARE(sent.value(u"action").toString(), u"deop"_s);
    QCOMPARE(sent.value(u"target").toString(), u"Carol"_s);

    // Nothing to moderate on ourselves.
    menu = openUserMenu(*m_window, u"Alice"_s);
    QVERIFY(menu);
    QVERIFY(!findAction(menu, u"kickAction"_s));
}

void TestMainWindowModeration::roomMenuSendsTheSettings()
{
    QVERIFY(startInDev(u"Alice"_s, {}));
    QMenu *menu = openRoomMenu(*m_window);
    QAction *inviteOnly = findAction(menu, u"inviteOnlyAction"_s);
    QVERIFY(inviteOnly);
    QVERIFY(inviteOnly->isEnabled());
    QVERIFY(!inviteOnly->isChecked());
    inviteOnly->trigger();
    QJsonObject sent = nextObject(m_peer.get(), &m_buffer, u"moderate"_s);
    QCOMPARE(sent.value(u"room").toString(), u"#dev"_s);
    QCOMPARE(sent.value(u"action").toString(), u"invite_only"_s);
    QVERIFY(!sent.contains(u"target"));

    // Checked once the server says so.
    Wire::Moderated done;
    done.room = u"#dev"_s;
    done.action = u"invite_only"_s;
    done.by = u"Alice"_s;
    done.text = u"Alice made #dev invite only"_s;
    send(m_peer.get(), done.toJson());
    QTRY_VERIFY(roomText(*m_window, u"#dev"_s).contains(u"Alice made #dev invite only"_s));
    menu = openRoomMenu(*m_window);
    QVERIFY(findAction(menu, u"inviteOnlyAction"_s)->isChecked());
    findAction(menu, u"inviteOnlyAction"_s)->trigger();
    QCOMPARE(nextObject(m_peer.get(), &m_buffer, u"moderate"_s).value(u"action").toString(),
             u"open"_s);

    findAction(openRoomMenu(*m_window), u"topicLockedAction"_s)->trigger();
    QCOMPARE(nextObject(m_peer.get(), &m_buffer, u"moderate"_s).value(u"action").toString(),
             u"lock_topic"_s);

    // The room list's context menu holds the same, for the room clicked.
    QListWidget *rooms = m_window->roomList();
    QListWidgetItem *dev = rooms->item(1);
    QCOMPARE(dev->data(Qt::UserRole).toString(), u"#dev"_s);
    Q_EMIT rooms->customContextMenuRequested(rooms->visualItemRect(dev).center());
    QVERIFY(m_window->roomContextMenu());
    QAction *locked = findAction(m_window->roomContextMenu(), u"topicLockedAction"_s);
    QVERIFY(locked);
    QVERIFY(locked->isEnabled());
    m_window->roomContextMenu()->close();
}

void TestMainWindowModeration::onlyOperatorsSeeTheActions()
{
    QVERIFY(startInDev(u"Carol"_s, {}));
    QMenu *menu = openUserMenu(*m_window, u"Bob"_s);
    QVERIFY(menu);
    QVERIFY(!findAction(menu, u"kickAction"_s));
    QVERIFY(!findAction(menu, u"opAction"_s));
    menu->close();
    QVERIFY(!findAction(openRoomMenu(*m_window), u"inviteOnlyAction"_s)->isEnabled());

    // Made an operator, Alice kicks, but names no operators: the owner does.
    Wire::Moderated op;
    op.room = u"#dev"_s;
    op.action = u"op"_s;
    op.by = u"Carol"_s;
    op.target = u"Alice"_s;
    op.text = u"Carol made Alice an operator of #dev"_s;
    send(m_peer.get(), op.toJson());
    QTRY_COMPARE(m_window->userModel()->index(0).data().toString(), u"@Alice"_s);
    menu = openUserMenu(*m_window, u"Bob"_s);
    QVERIFY(findAction(menu, u"kickAction"_s));
    QVERIFY(!findAction(menu, u"opAction"_s));
    menu->close();
    QVERIFY(findAction(openRoomMenu(*m_window), u"inviteOnlyAction"_s)->isEnabled());
    // Nobody moderates the owner.
    QVERIFY(!findAction(openUserMenu(*m_window, u"Carol"_s), u"kickAction"_s));
}

void TestMainWindowModeration::defaultRoomOffersOnlyMute()
{
    QVERIFY(startInDev(u"Carol"_s, {}));
    m_window->tabs()->setCurrentIndex(0);
    QTRY_COMPARE(m_window->currentConversation()->room(), u"#general"_s);
    Wire::Moderated op;
    op.room = u"#general"_s;
    op.action = u"op"_s;
    op.by = u"root"_s;
    op.target = u"Alice"_s;
    op.text = u"root made Alice an operator of #general"_s;
    send(m_peer.get(), op.toJson());
    QTRY_COMPARE(m_window->userModel()->index(0).data().toString(), u"@Alice"_s);
    QMenu *menu = openUserMenu(*m_window, u"Bob"_s);
    QVERIFY(findAction(menu, u"muteAction"_s));
    QVERIFY(!findAction(menu, u"kickAction"_s));
    QVERIFY(!findAction(menu, u"banAction"_s));
    menu->close();
    menu = openRoomMenu(*m_window);
    QVERIFY(!findAction(menu, u"inviteOnlyAction"_s)->isEnabled());
    QVERIFY(findAction(menu, u"topicLockedAction"_s)->isEnabled());
}

void TestMainWindowModeration::announcementsAndBeingPutOut()
{
    QVERIFY(startInDev(u"Carol"_s, {}));
    Wire::Moderated kick;
    kick.room = u"#dev"_s;
    kick.action = u"kick"_s;
    kick.by = u"Carol"_s;
    kick.target = u"Alice"_s;
    kick.reason = u"spam"_s;
    kick.text = u"Carol kicked Alice from #dev (spam)"_s;
    send(m_peer.get(), kick.toJson());
    QTRY_VERIFY(roomText(*m_window, u"#dev"_s).contains(u"Carol kicked Alice from #dev (spam)"_s));
    send(m_peer.get(), { { u"type"_s, u"leave"_s }, { u"room"_s, u"#dev"_s } });
    QTRY_VERIFY(!m_window->roomConversation(u"#dev"_s));
    // The tab is gone; why stays in the default room.
    QVERIFY2(roomText(*m_window, u"#general"_s).contains(u"Carol kicked Alice from #dev (spam)"_s),
             qPrintable(roomText(*m_window, u"#general"_s)));
    QCOMPARE(m_window->currentConversation(), m_window->room());

    // A refusal is an error line where the person looks.
    send(m_peer.get(), Wire::Error { u"banned"_s, u"You are banned from #dev."_s }.toJson());
    QTRY_VERIFY(roomText(*m_window, u"#general"_s).contains(u"You are banned from #dev."_s));
}

void TestMainWindowModeration::slashCommandsWorkHere()
{
    QVERIFY(startInDev(u"Alice"_s, {}));
    QTest::keyClicks(m_window->inputLine(), u"/ban Bob flooding"_s);
    QTest::keyClick(m_window->inputLine(), Qt::Key_Return);
    QJsonObject sent = nextObject(m_peer.get(), &m_buffer, u"moderate"_s);
    QCOMPARE(sent.value(u"action").toString(), u"ban"_s);
    QCOMPARE(sent.value(u"target").toString(), u"Bob"_s);
    QCOMPARE(sent.value(u"reason").toString(), u"flooding"_s);
    QTest::keyClicks(m_window->inputLine(), u"/mode +i"_s);
    QTest::keyClick(m_window->inputLine(), Qt::Key_Return);
    QCOMPARE(nextObject(m_peer.get(), &m_buffer, u"moderate"_s).value(u"action").toString(),
             u"invite_only"_s);
    QTest::keyClicks(m_window->inputLine(), u"/mode"_s);
    QTest::keyClick(m_window->inputLine(), Qt::Key_Return);
    QTRY_VERIFY(roomText(*m_window, u"#dev"_s).contains(u"#dev: owner Alice; open to all (-i)"_s));

    // In a private tab there is no room to act on.
    m_window->openPrivate(u"Bob"_s, true);
    QTest::keyClicks(m_window->inputLine(), u"/kick Bob"_s);
    QTest::keyClick(m_window->inputLine(), Qt::Key_Return);
    QTRY_VERIFY(m_window->viewFor(m_window->privateConversation(u"Bob"_s))
                    ->toPlainText()
                    .contains(u"room's tab"_s));
}

void TestMainWindowModeration::ownerKicksBobOutOfTheRoom()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    {
        RawClient probe;
        QVERIFY(probe.joinAs(server.port(), u"probe"_s));
        probe.sendObject({ { u"type"_s, u"enter"_s }, { u"room"_s, u"#probe"_s } });
        QVERIFY(!probe.waitFor(u"room"_s).isEmpty());
        probe.sendObject(Wire::Moderate { { u"#probe"_s, u"open"_s } }.toJson());
        if (probe.waitFor(QString()).value(u"code"_s) == u"unknown_type"_s)
            QSKIP("This server does not moderate yet.");
    }

    MainWindow alice;
    alice.client()->setKeepAliveInterval(0);
    alice.show();
    alice.client()->setPassword(u"correct horse"_s, true);
    alice.connectTo(u"127.0.0.1"_s, server.port(), u"alice"_s);
    QTRY_COMPARE_WITH_TIMEOUT(alice.client()->status(), Status::Joined, 20000);
    QVERIFY(alice.client()->isLoggedIn());
    MainWindow bob;
    bob.client()->setKeepAliveInterval(0);
    bob.show();
    bob.client()->setPassword(u"battery staple"_s, true); // a guest cannot be an operator
    bob.connectTo(u"127.0.0.1"_s, server.port(), u"bob"_s);
    QTRY_COMPARE_WITH_TIMEOUT(bob.client()->status(), Status::Joined, 20000);

    QTest::keyClicks(alice.inputLine(), u"/join #dev"_s);
    QTest::keyClick(alice.inputLine(), Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(alice.currentConversation()->room(), u"#dev"_s, 10000);
    QTest::keyClicks(bob.inputLine(), u"/join #dev"_s);
    QTest::keyClick(bob.inputLine(), Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(bob.currentConversation()->room(), u"#dev"_s, 10000);
    QTRY_COMPARE(alice.userModel()->rowCount(), 2);
    QCOMPARE(alice.userModel()->index(0).data().toString(), u"~alice"_s);

    // Made an operator from the menu: both windows mark him.
    QAction *op = findAction(openUserMenu(alice, u"bob"_s), u"opAction"_s);
    QVERIFY(op);
    op->trigger();
    alice.userMenu()->close();
    QTRY_COMPARE_WITH_TIMEOUT(bob.userModel()->index(0).data().toString(), u"~alice"_s, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(bob.userModel()->index(1).data().toString(), u"@bob"_s, 10000);
    QTRY_COMPARE(alice.userModel()->index(1).data().toString(), u"@bob"_s);
    findAction(openUserMenu(alice, u"bob"_s), u"deopAction"_s)->trigger();
    alice.userMenu()->close();
    QTRY_COMPARE_WITH_TIMEOUT(bob.userModel()->index(1).data().toString(), u"bob"_s, 10000);

    // Invite only from the Room menu: once out, bob cannot come back.
    findAction(openRoomMenu(alice), u"inviteOnlyAction"_s)->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(bob.client()->room(u"#dev"_s)->inviteOnly, 10000);

    findAction(openUserMenu(alice, u"bob"_s), u"kickAction"_s)->trigger();
    alice.userMenu()->close();
    QTRY_VERIFY(alice.reasonDialog() && alice.reasonDialog()->isVisible());
    alice.reasonDialog()->setTextValue(u"spam"_s);
    alice.reasonDialog()->accept();
    QTRY_VERIFY_WITH_TIMEOUT(!bob.roomConversation(u"#dev"_s), 10000);
    QVERIFY2(roomText(bob, u"#general"_s).contains(u"(spam)"_s),
             qPrintable(roomText(bob, u"#general"_s)));
    QTRY_VERIFY(roomText(alice, u"#dev"_s).contains(u"(spam)"_s));
    QTRY_COMPARE(alice.userModel()->rowCount(), 1);

    QTest::keyClicks(bob.inputLine(), u"/join #dev"_s);
    QTest::keyClick(bob.inputLine(), Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(roomText(bob, u"#general"_s).contains(u"invite"_s, Qt::CaseInsensitive)
                                 && bob.client()->room(u"#dev"_s) == nullptr,
                             10000);
}

QTEST_MAIN(TestMainWindowModeration)
#include "tst_mainwindowmoderation.moc"
