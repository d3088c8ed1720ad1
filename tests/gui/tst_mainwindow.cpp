// SPDX-License-Identifier: MIT
#include "connectdialog.h"
#include "conversationview.h"
#include "findbar.h"
#include "inputline.h"
#include "mainwindow.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "userlistmodel.h"

#include <QAction>
#include <QDeadlineTimer>
#include <QJsonObject>
#include <QListView>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>

#include <memory>

using Status = ChatClient::Status;

// RawClient blocks while it waits; the window's socket only writes from the
// event loop, so wait in small steps and let the window run in between.
static QJsonObject receive(RawClient &client, const QString &type, int timeoutMs = 5000)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        const QJsonObject object = client.waitFor(type, 10);
        if (!object.isEmpty())
            return object;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
    return {};
}

static QString field(const QJsonObject &object, const char *name)
{
    return object.value(QLatin1StringView(name)).toString();
}

class TestMainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void typedTextIsSent();
    void messagesFromOthersAppear();
    void markupFromTheNetworkIsShownLiterally();
    void userListFollowsPresence();
    void privateMessageOpensATab();
    void doubleClickOpensAPrivateTab();
    void msgCommandSendsPrivately();
    void msgCommandStaysInTheCurrentConversation();
    void queryCommandOpensAndSwitches();
    void commandsAndMistakes();
    void upAndDownRecallWhatWasSent();
    void tabCompletesNames();
    void typingInTheConversationGoesToTheInput();
    void findSearchesFromTheNewestLine();
    void privateMessageToSomeoneWhoLeftIsNotSent();
    void unreadCountAndAttentionWhileInactive();
    void reconnectsAfterServerRestart();
    void missedMessagesAreFilledIn();
    void reconnectNowSkipsTheWait();
    void aReconnectLeavesTheConnectDialogAlone();
    void startsWithTheDialogAndThenTheWindow();
    void nameTakenIsShownInTheDialog();
    void connectionRefusedIsShownInTheDialog();
    void serverFullIsShownInTheDialog();
    void worksWithASeedServer();
    void typedBeforeTheSeedServerIsKnownIsQueued();

private:
    void connectAs(const QString &name);
    QString roomText() const;
    QString textOf(Conversation *conversation) const;
    void send(const QString &line);

    QTemporaryDir m_settingsDir;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("PyNetTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_guimainwindow"));
}

void TestMainWindow::init()
{
    m_server = std::make_unique<ServerProcess>();
    QVERIFY2(m_server->start(), qPrintable(m_server->output()));
    m_window = std::make_unique<MainWindow>();
    m_window->client()->setKeepAliveInterval(0);
    m_window->show();
    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
}

void TestMainWindow::cleanup()
{
    m_window.reset();
    m_server.reset();
}

void TestMainWindow::connectAs(const QString &name)
{
    m_window->connectTo(QStringLiteral("127.0.0.1"), m_server->port(), name);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), Status::Joined, 10000);
    QTRY_VERIFY(roomText().contains(QStringLiteral("Connected to")));
}

QString TestMainWindow::textOf(Conversation *conversation) const
{
    ConversationView *view = conversation ? m_window->viewFor(conversation) : nullptr;
    return view ? view->toPlainText() : QString();
}

QString TestMainWindow::roomText() const
{
    return textOf(m_window->room());
}

void TestMainWindow::send(const QString &line)
{
    InputLine *input = m_window->inputLine();
    QVERIFY(input->isEnabled());
    input->clear();
    QTest::keyClicks(input, line);
    QTest::keyClick(input, Qt::Key_Return);
}

void TestMainWindow::typedTextIsSent()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    QTRY_VERIFY(roomText().contains(QStringLiteral("Bob joined the chat.")));

    send(QStringLiteral("hello room"));
    const QJsonObject message = receive(bob, QStringLiteral("message"));
    QCOMPARE(field(message, "data"), QStringLiteral("hello room"));
    QCOMPARE(field(message, "from"), QStringLiteral("Alice"));
    QVERIFY(m_window->inputLine()->text().isEmpty());
    QVERIFY(roomText().contains(QStringLiteral("\tAlice\thello room")));
    QCOMPARE(m_window->room()->entries().constLast().own, true);
}

void TestMainWindow::messagesFromOthersAppear()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("chat") },
                     { QStringLiteral("data"), QStringLiteral("hi from Bob") } });
    QTRY_VERIFY(roomText().contains(QStringLiteral("\tBob\thi from Bob")));
    QCOMPARE(m_window->room()->entries().constLast().own, false);

    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("chat") },
                     { QStringLiteral("data"), QStringLiteral("waves") },
                     { QStringLiteral("action"), true } });
    QTRY_VERIFY(roomText().contains(QStringLiteral("\t*\tBob waves")));
}

void TestMainWindow::markupFromTheNetworkIsShownLiterally()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    const QString hostile = QStringLiteral("<b>x</b> <img src=x> &lt;");
    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("chat") },
                     { QStringLiteral("data"), hostile } });
    QTRY_VERIFY(roomText().contains(hostile));
    QTextCursor cursor =
        m_window->viewFor(m_window->room())->document()->find(QStringLiteral("x</b>"));
    QVERIFY(!cursor.isNull());
    QCOMPARE(cursor.charFormat().fontWeight(), int(QFont::Normal));
}

void TestMainWindow::userListFollowsPresence()
{
    connectAs(QStringLiteral("Alice"));
    UserListModel *users = m_window->userModel();
    QCOMPARE(users->users(), QStringList { QStringLiteral("Alice") });

    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("bob")));
    RawClient carol;
    QVERIFY(carol.joinAs(m_server->port(), QStringLiteral("Carol")));
    QTRY_COMPARE(
        users->users(),
        (QStringList { QStringLiteral("Alice"), QStringLiteral("bob"), QStringLiteral("Carol") }));
    QVERIFY(roomText().contains(QStringLiteral("bob joined the chat.")));

    bob.socket().disconnectFromHost();
    QTRY_COMPARE(users->users(),
                 (QStringList { QStringLiteral("Alice"), QStringLiteral("Carol") }));
    QTRY_VERIFY(roomText().contains(QStringLiteral("bob left the chat.")));
    QCOMPARE(users->data(users->index(0), UserListModel::IsSelfRole).toBool(), true);
}

void TestMainWindow::privateMessageOpensATab()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("private") },
                     { QStringLiteral("to"), QStringLiteral("Alice") },
                     { QStringLiteral("data"), QStringLiteral("psst, lunch?") } });

    QTRY_VERIFY(m_window->privateConversation(QStringLiteral("Bob")));
    Conversation *withBob = m_window->privateConversation(QStringLiteral("Bob"));
    QTRY_VERIFY(textOf(withBob).contains(QStringLiteral("psst, lunch?")));
    QVERIFY(!roomText().contains(QStringLiteral("psst")));
    QCOMPARE(m_window->tabs()->count(), 2);
    // Arriving does not take the user away from what they were reading.
    QCOMPARE(m_window->currentConversation(), m_window->room());
    QCOMPARE(m_window->tabs()->tabText(1), QStringLiteral("Bob (1)"));

    m_window->tabs()->setCurrentIndex(1);
    QCOMPARE(m_window->tabs()->tabText(1), QStringLiteral("Bob"));
    send(QStringLiteral("sure, 12:30"));
    const QJsonObject reply = receive(bob, QStringLiteral("message"));
    QCOMPARE(field(reply, "data"), QStringLiteral("sure, 12:30"));
    QCOMPARE(field(reply, "to"), QStringLiteral("Bob"));
    QVERIFY(textOf(withBob).contains(QStringLiteral("\tAlice\tsure, 12:30")));
}

void TestMainWindow::doubleClickOpensAPrivateTab()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    UserListModel *users = m_window->userModel();
    QTRY_COMPARE(users->rowCount(), 2);
    QListView *list = m_window->userView();

    // As a person does it: the first click selects, the second makes it a double-click.
    auto doubleClick = [list](const QModelIndex &index) {
        const QPoint centre = list->visualRect(index).center();
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, centre);
        QTest::mouseDClick(list->viewport(), Qt::LeftButton, {}, centre);
    };
    const QModelIndex self = users->index(0);
    QCOMPARE(self.data().toString(), QStringLiteral("Alice"));
    doubleClick(self);
    QCOMPARE(m_window->tabs()->count(), 1);

    const QModelIndex bobRow = users->index(1);
    doubleClick(bobRow);
    QVERIFY(m_window->privateConversation(QStringLiteral("Bob")));
    QCOMPARE(m_window->currentConversation(), m_window->privateConversation(QStringLiteral("Bob")));
}

void TestMainWindow::msgCommandSendsPrivately()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    QTRY_COMPARE(m_window->userModel()->rowCount(), 2);

    send(QStringLiteral("/msg bob are you there?"));
    const QJsonObject message = receive(bob, QStringLiteral("message"));
    QCOMPARE(field(message, "data"), QStringLiteral("are you there?"));
    QCOMPARE(field(message, "to"), QStringLiteral("Bob"));
    Conversation *withBob = m_window->privateConversation(QStringLiteral("Bob"));
    QVERIFY(withBob);
    QVERIFY(textOf(withBob).contains(QStringLiteral("are you there?")));

    send(QStringLiteral("/msg nobody hello"));
    QVERIFY(roomText().contains(QStringLiteral("Nobody called nobody is online.")));
    QCOMPARE(m_window->inputLine()->text(), QStringLiteral("/msg nobody hello"));
}

// irssi, HexChat and Quassel keep you where you are on /msg: the next line
// must not go privately to someone by surprise.
void TestMainWindow::msgCommandStaysInTheCurrentConversation()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    QTRY_COMPARE(m_window->userModel()->rowCount(), 2);

    send(QStringLiteral("/msg bob psst"));
    const QJsonObject secret = receive(bob, QStringLiteral("message"));
    QCOMPARE(field(secret, "data"), QStringLiteral("psst"));
    QCOMPARE(field(secret, "to"), QStringLiteral("Bob"));
    QCOMPARE(m_window->currentConversation(), m_window->room());
    QVERIFY2(roomText().contains(QStringLiteral("Sent privately to Bob")), qPrintable(roomText()));
    Conversation *withBob = m_window->privateConversation(QStringLiteral("Bob"));
    QVERIFY(withBob);
    QVERIFY(textOf(withBob).contains(QStringLiteral("\tAlice\tpsst")));
    QVERIFY(m_window->inputLine()->text().isEmpty());

    send(QStringLiteral("for everyone"));
    const QJsonObject open = receive(bob, QStringLiteral("message"));
    QCOMPARE(field(open, "data"), QStringLiteral("for everyone"));
    QVERIFY(!open.contains(QLatin1StringView("to")));
    QCOMPARE(m_window->currentConversation(), m_window->room());
}

void TestMainWindow::queryCommandOpensAndSwitches()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    QTRY_COMPARE(m_window->userModel()->rowCount(), 2);

    send(QStringLiteral("/query bob"));
    Conversation *withBob = m_window->privateConversation(QStringLiteral("Bob"));
    QVERIFY(withBob);
    QCOMPARE(m_window->currentConversation(), withBob);
    QVERIFY(m_window->inputLine()->text().isEmpty());
    QVERIFY(!bob.receivesWithin(QStringLiteral("message"), 100));

    send(QStringLiteral("just us"));
    const QJsonObject message = receive(bob, QStringLiteral("message"));
    QCOMPARE(field(message, "data"), QStringLiteral("just us"));
    QCOMPARE(field(message, "to"), QStringLiteral("Bob"));

    send(QStringLiteral("/query nobody"));
    QVERIFY(textOf(withBob).contains(QStringLiteral("Nobody called nobody is online.")));
    QCOMPARE(m_window->currentConversation(), withBob);
}

void TestMainWindow::commandsAndMistakes()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));

    send(QStringLiteral("/frobnicate now"));
    QVERIFY(roomText().contains(QStringLiteral("Unknown command /frobnicate")));
    // Kept, so the user can fix it.
    QCOMPARE(m_window->inputLine()->text(), QStringLiteral("/frobnicate now"));

    send(QStringLiteral("/me stretches"));
    const QJsonObject action = receive(bob, QStringLiteral("message"));
    QCOMPARE(field(action, "data"), QStringLiteral("stretches"));
    QCOMPARE(action.value(QLatin1StringView("action")).toBool(), true);
    QVERIFY(roomText().contains(QStringLiteral("\t*\tAlice stretches")));

    send(QStringLiteral("/help"));
    QVERIFY(roomText().contains(QStringLiteral("/msg NAME TEXT")));
    send(QStringLiteral("//slash"));
    QCOMPARE(field(receive(bob, QStringLiteral("message")), "data"), QStringLiteral("/slash"));
}

void TestMainWindow::upAndDownRecallWhatWasSent()
{
    connectAs(QStringLiteral("Alice"));
    send(QStringLiteral("first"));
    send(QStringLiteral("second"));
    InputLine *input = m_window->inputLine();
    QTest::keyClicks(input, QStringLiteral("draft"));
    QTest::keyClick(input, Qt::Key_Up);
    QCOMPARE(input->text(), QStringLiteral("second"));
    QTest::keyClick(input, Qt::Key_Up);
    QCOMPARE(input->text(), QStringLiteral("first"));
    QTest::keyClick(input, Qt::Key_Up);
    QCOMPARE(input->text(), QStringLiteral("first"));
    QTest::keyClick(input, Qt::Key_Down);
    QCOMPARE(input->text(), QStringLiteral("second"));
    QTest::keyClick(input, Qt::Key_Down);
    QCOMPARE(input->text(), QStringLiteral("draft"));
}

void TestMainWindow::tabCompletesNames()
{
    connectAs(QStringLiteral("Alice"));
    RawClient carol;
    QVERIFY(carol.joinAs(m_server->port(), QStringLiteral("Carol")));
    RawClient carl;
    QVERIFY(carl.joinAs(m_server->port(), QStringLiteral("Carl")));
    QTRY_COMPARE(m_window->userModel()->rowCount(), 3);

    InputLine *input = m_window->inputLine();
    QTest::keyClicks(input, QStringLiteral("car"));
    QTest::keyClick(input, Qt::Key_Tab);
    QCOMPARE(input->text(), QStringLiteral("Carl: "));
    QVERIFY(input->hasFocus() || !m_window->isActiveWindow()); // Tab did not move the focus
    QTest::keyClick(input, Qt::Key_Tab);
    QCOMPARE(input->text(), QStringLiteral("Carol: "));
    QTest::keyClicks(input, QStringLiteral("ask al"));
    QTest::keyClick(input, Qt::Key_Tab);
    QCOMPARE(input->text(), QStringLiteral("Carol: ask Alice "));
}

void TestMainWindow::typingInTheConversationGoesToTheInput()
{
    connectAs(QStringLiteral("Alice"));
    ConversationView *view = m_window->viewFor(m_window->room());
    view->setFocus();
    QTest::keyClicks(view, QStringLiteral("Hi"));
    QCOMPARE(m_window->inputLine()->text(), QStringLiteral("Hi"));
    QVERIFY(m_window->inputLine()->hasFocus());
    // Shortcuts still work in the view: Ctrl+A selects the conversation, it does not type "a".
    view->setFocus();
    QTest::keyClick(view, Qt::Key_A, Qt::ControlModifier);
    QVERIFY(view->textCursor().hasSelection());
    QCOMPARE(m_window->inputLine()->text(), QStringLiteral("Hi"));
}

void TestMainWindow::findSearchesFromTheNewestLine()
{
    connectAs(QStringLiteral("Alice"));
    for (const char *line : { "alpha one", "beta", "alpha two" })
        send(QString::fromLatin1(line));
    FindBar *find = m_window->findBar();
    QVERIFY(!find->isVisible());
    QTest::keyClick(m_window->inputLine(), Qt::Key_F, Qt::ControlModifier);
    QVERIFY(find->isVisible());
    QVERIFY(find->edit()->hasFocus());

    ConversationView *view = m_window->viewFor(m_window->room());
    auto matchedLine = [view] {
        return view->textCursor().block().text();
    };
    QTest::keyClicks(find->edit(), QStringLiteral("alpha"));
    QCOMPARE(view->textCursor().selectedText(), QStringLiteral("alpha"));
    QVERIFY(matchedLine().endsWith(QStringLiteral("alpha two")));
    QTest::keyClick(find->edit(), Qt::Key_Return);
    QVERIFY(matchedLine().endsWith(QStringLiteral("alpha one")));
    QTest::keyClick(find->edit(), Qt::Key_Return);
    QVERIFY(matchedLine().endsWith(QStringLiteral("alpha two")));
    QCOMPARE(find->statusText(), QStringLiteral("Wrapped around"));
    QTest::keyClick(find->edit(), Qt::Key_Return, Qt::ShiftModifier);
    QVERIFY(matchedLine().endsWith(QStringLiteral("alpha one")));

    QTest::keyClicks(find->edit(), QStringLiteral("zzz"));
    QCOMPARE(find->statusText(), QStringLiteral("Not found"));
    QTest::keyClick(find->edit(), Qt::Key_Escape);
    QVERIFY(!find->isVisible());
    QVERIFY(!view->textCursor().hasSelection());
    QVERIFY(view->isAtBottom());
}

void TestMainWindow::privateMessageToSomeoneWhoLeftIsNotSent()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    QTRY_COMPARE(m_window->userModel()->rowCount(), 2);
    Conversation *withBob = m_window->openPrivate(QStringLiteral("Bob"), true);
    bob.socket().disconnectFromHost();
    QTRY_VERIFY(textOf(withBob).contains(QStringLiteral("Bob went offline.")));

    send(QStringLiteral("still there?"));
    QVERIFY(textOf(withBob).contains(QStringLiteral("Not sent: Bob is offline.")));
    QCOMPARE(m_window->inputLine()->text(), QStringLiteral("still there?"));
    QVERIFY(!textOf(withBob).contains(QStringLiteral("\tAlice\tstill there?")));
}

void TestMainWindow::unreadCountAndAttentionWhileInactive()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    QSignalSpy attention(m_window.get(), &MainWindow::attentionRequested);

    QWidget elsewhere;
    elsewhere.show();
    elsewhere.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&elsewhere));
    QTRY_VERIFY(!m_window->isActiveWindow());

    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("chat") },
                     { QStringLiteral("data"), QStringLiteral("just chatting") } });
    QTRY_VERIFY(m_window->windowTitle().startsWith(QStringLiteral("(1) ")));
    QCOMPARE(attention.size(), 0);

    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("chat") },
                     { QStringLiteral("data"), QStringLiteral("alice, look at this") } });
    QTRY_COMPARE(attention.size(), 1);
    QVERIFY(attention.at(0).at(0).toString().contains(QStringLiteral("Bob")));
    QCOMPARE(m_window->tabs()->tabText(0), QStringLiteral("#general (2)"));
    QCOMPARE(m_window->room()->entries().constLast().mention, true);
    QVERIFY(m_window->windowTitle().startsWith(QStringLiteral("(2) ")));

    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("private") },
                     { QStringLiteral("to"), QStringLiteral("Alice") },
                     { QStringLiteral("data"), QStringLiteral("psst") } });
    QTRY_COMPARE(attention.size(), 2);
    QVERIFY(m_window->windowTitle().startsWith(QStringLiteral("(3) ")));

    m_window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    // Coming back reads what is on screen, the room; the private message waits in its tab.
    QTRY_COMPARE(m_window->tabs()->tabText(0), QStringLiteral("#general"));
    QVERIFY(m_window->windowTitle().startsWith(QStringLiteral("(1) ")));
}

void TestMainWindow::reconnectsAfterServerRestart()
{
    connectAs(QStringLiteral("Alice"));
    m_window->client()->setReconnectDelays(100, 400);
    RawClient earlyBird;
    QVERIFY(earlyBird.joinAs(m_server->port(), QStringLiteral("Early")));
    QTRY_COMPARE(m_window->userModel()->rowCount(), 2);
    InputLine *input = m_window->inputLine();
    QTest::keyClicks(input, QStringLiteral("half-typed thought"));

    const quint16 port = m_server->port();
    m_server->kill(); // gone without a word, as in a crash
    QTRY_COMPARE(m_window->client()->status(), Status::Reconnecting);
    QVERIFY(!input->isEnabled());
    QVERIFY(!m_window->userModel()->isOnline());
    QCOMPARE(input->text(), QStringLiteral("half-typed thought"));
    QTRY_VERIFY(m_window->statusText().contains(QStringLiteral("Reconnecting")));
    QVERIFY(roomText().contains(QStringLiteral("Connection lost")));

    m_server = std::make_unique<ServerProcess>(
        QStringList { QStringLiteral("--port"), QString::number(port) });
    QVERIFY2(m_server->start(), qPrintable(m_server->output()));
    QCOMPARE(m_server->port(), port);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), Status::Joined, 10000);
    QVERIFY(input->isEnabled());
    QCOMPARE(input->text(), QStringLiteral("half-typed thought"));
    QTRY_VERIFY(roomText().contains(QStringLiteral("Reconnected.")));
    // The new server never knew Early: the list and the room say so.
    QCOMPARE(m_window->userModel()->users(), QStringList { QStringLiteral("Alice") });
    QVERIFY(roomText().contains(QStringLiteral("Left while you were away: Early.")));
    QVERIFY(m_window->statusText().startsWith(QStringLiteral("Connected")));

    RawClient bob;
    QVERIFY(bob.joinAs(port, QStringLiteral("Bob")));
    QTest::keyClick(input, Qt::Key_Return);
    QCOMPARE(field(receive(bob, QStringLiteral("message")), "data"),
             QStringLiteral("half-typed thought"));
}

void TestMainWindow::missedMessagesAreFilledIn()
{
    connectAs(QStringLiteral("Alice"));
    RawClient bob;
    QVERIFY(bob.joinAs(m_server->port(), QStringLiteral("Bob")));
    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("chat") },
                     { QStringLiteral("data"), QStringLiteral("before") } });
    QTRY_VERIFY(roomText().contains(QStringLiteral("before")));
    send(QStringLiteral("mine, sent before the drop"));
    QCOMPARE(field(receive(bob, QStringLiteral("message")), "data"),
             QStringLiteral("mine, sent before the drop"));

    // The link drops (the server stays up); Bob talks before Alice is back.
    m_window->client()->setReconnectDelays(800, 1000);
    QSignalSpy rejoined(m_window->client(), &ChatClient::joined);
    auto *socket = m_window->client()->findChild<QTcpSocket *>();
    QVERIFY(socket);
    socket->abort();
    QCOMPARE(m_window->client()->status(), Status::Reconnecting);
    QVERIFY(!m_window->inputLine()->isEnabled());
    bob.sendObject({ { QStringLiteral("type"), QStringLiteral("chat") },
                     { QStringLiteral("data"), QStringLiteral("while you were away") } });
    QVERIFY(!bob.waitFor(QStringLiteral("presence"), 2000).isEmpty()); // Alice left

    QTRY_COMPARE_WITH_TIMEOUT(rejoined.size(), 1, 10000);
    QCOMPARE(rejoined.at(0).at(0).toBool(), true);
    QTRY_VERIFY2(roomText().contains(QStringLiteral("Reconnected. 1 missed message above.")),
                 qPrintable(roomText()));
    const QString text = roomText();
    QVERIFY(text.indexOf(QStringLiteral("while you were away"))
            < text.indexOf(QStringLiteral("Reconnected. 1 missed")));
    QCOMPARE(text.count(QStringLiteral("before\n")), 1);
    QCOMPARE(text.count(QStringLiteral("mine, sent before the drop")), 1);
}

void TestMainWindow::reconnectNowSkipsTheWait()
{
    connectAs(QStringLiteral("Alice"));
    auto *reconnectNow = m_window->findChild<QAction *>(QStringLiteral("reconnectNow"));
    QVERIFY(reconnectNow);
    QVERIFY(!reconnectNow->isEnabled());
    m_window->client()->setReconnectDelays(60000, 60000);

    const quint16 port = m_server->port();
    QCOMPARE(m_server->stop(), 0); // a clean shutdown this time: the server says so
    QTRY_COMPARE(m_window->client()->status(), Status::Reconnecting);
    QVERIFY(roomText().contains(QStringLiteral("shutting down")));
    QVERIFY(reconnectNow->isEnabled());
    m_server = std::make_unique<ServerProcess>(
        QStringList { QStringLiteral("--port"), QString::number(port) });
    QVERIFY2(m_server->start(), qPrintable(m_server->output()));

    reconnectNow->trigger(); // instead of waiting a minute
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), Status::Joined, 5000);
    QCOMPARE(m_window->client()->name(), QStringLiteral("Alice"));
    QVERIFY(!reconnectNow->isEnabled());
    QVERIFY(m_window->inputLine()->isEnabled());
    QCOMPARE(roomText().count(QStringLiteral("Connection lost")), 1);
    QVERIFY(!roomText().contains(QStringLiteral("Disconnected.")));
    // The session went on, as after the wait: a reconnect, not a new start.
    QTRY_VERIFY2(roomText().contains(QStringLiteral("Reconnected.")), qPrintable(roomText()));
    QVERIFY(!m_window->connectDialog() || !m_window->connectDialog()->isVisible());

    // Too early: one more attempt, which fails, and the back-off goes on.
    const int attempt = m_window->client()->reconnectAttempt();
    m_server->kill();
    QTRY_COMPARE(m_window->client()->status(), Status::Reconnecting);
    const int afterKill = m_window->client()->reconnectAttempt();
    QVERIFY(afterKill > attempt || afterKill == 1);
    reconnectNow->trigger();
    QTRY_COMPARE(m_window->client()->reconnectAttempt(), afterKill + 1);
    QCOMPARE(m_window->client()->status(), Status::Reconnecting);
    QVERIFY(!m_window->connectDialog() || !m_window->connectDialog()->isVisible());
}

void TestMainWindow::aReconnectLeavesTheConnectDialogAlone()
{
    connectAs(QStringLiteral("Alice"));
    m_window->client()->setReconnectDelays(100, 200);
    const quint16 port = m_server->port();
    m_server->kill();
    QTRY_COMPARE(m_window->client()->status(), Status::Reconnecting);

    // The user starts to connect elsewhere while the automatic reconnect runs...
    m_window->openConnectDialog();
    ConnectDialog *dialog = m_window->connectDialog();
    dialog->setValues(QStringLiteral("chat.example.org"), 6000, QStringLiteral("Alice2"));
    m_server = std::make_unique<ServerProcess>(
        QStringList { QStringLiteral("--port"), QString::number(port) });
    QVERIFY2(m_server->start(), qPrintable(m_server->output()));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), Status::Joined, 10000);
    // ...and the reconnect neither closes the dialog nor remembers its half-typed values.
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->host(), QStringLiteral("chat.example.org"));
    QString host;
    quint16 rememberedPort = 0;
    QString name;
    ConnectDialog::loadRemembered(&host, &rememberedPort, &name);
    QCOMPARE(host, QStringLiteral("127.0.0.1"));

    // Cancelling it keeps the session.
    dialog->reject();
    QCOMPARE(m_window->client()->status(), Status::Joined);
}

void TestMainWindow::startsWithTheDialogAndThenTheWindow()
{
    // As main() starts without --name: only the dialog is on screen.
    m_window->hide();
    QSignalSpy lastWindowClosed(qApp, &QGuiApplication::lastWindowClosed);
    m_window->openConnectDialog();
    ConnectDialog *dialog = m_window->connectDialog();
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    dialog->setValues(QStringLiteral("127.0.0.1"), m_server->port(), QStringLiteral("Fay"));
    QTest::keyClick(dialog->nameEdit(), Qt::Key_Return);

    QTRY_VERIFY(m_window->isVisible());
    QTRY_VERIFY(!m_window->connectDialog() || !m_window->connectDialog()->isVisible());
    QCOMPARE(m_window->client()->status(), Status::Joined);
    QCOMPARE(lastWindowClosed.size(), 0);
}

void TestMainWindow::nameTakenIsShownInTheDialog()
{
    RawClient bea;
    QVERIFY(bea.joinAs(m_server->port(), QStringLiteral("Bea")));

    m_window->openConnectDialog();
    ConnectDialog *dialog = m_window->connectDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    dialog->setValues(QStringLiteral("127.0.0.1"), m_server->port(), QStringLiteral("bea"));
    dialog->accept();
    QTRY_VERIFY(!dialog->errorText().isEmpty());
    QVERIFY2(dialog->errorText().contains(QStringLiteral("in use")),
             qPrintable(dialog->errorText()));
    QVERIFY(dialog->isVisible());
    QCOMPARE(dialog->focusWidget(), dialog->nameEdit());

    dialog->nameEdit()->clear();
    QTest::keyClicks(dialog->nameEdit(), QStringLiteral("Cleo"));
    QVERIFY(dialog->errorText().isEmpty());
    QTest::keyClick(dialog->nameEdit(), Qt::Key_Return);
    QTRY_COMPARE(m_window->client()->status(), Status::Joined);
    QTRY_VERIFY(!m_window->connectDialog() || !m_window->connectDialog()->isVisible());
    QCOMPARE(m_window->client()->name(), QStringLiteral("Cleo"));
    QVERIFY(m_window->windowTitle().contains(QStringLiteral("Cleo")));

    QString host;
    quint16 port = 0;
    QString name;
    ConnectDialog::loadRemembered(&host, &port, &name);
    QCOMPARE(name, QStringLiteral("Cleo"));
    QCOMPARE(port, m_server->port());
}

void TestMainWindow::connectionRefusedIsShownInTheDialog()
{
    const quint16 port = m_server->port();
    const int exitCode = m_server->stop();
    QVERIFY2(exitCode == 0, qPrintable(m_server->output()));

    // As with --name: connect at once, and on failure ask.
    m_window->connectTo(QStringLiteral("127.0.0.1"), port, QStringLiteral("Dan"));
    QTRY_VERIFY(m_window->connectDialog() && m_window->connectDialog()->isVisible());
    ConnectDialog *dialog = m_window->connectDialog();
    QTRY_VERIFY(dialog->errorText().contains(QStringLiteral("refused"), Qt::CaseInsensitive));
    QCOMPARE(dialog->name(), QStringLiteral("Dan"));
    QCOMPARE(m_window->client()->status(), Status::Disconnected);
    QVERIFY(!m_window->inputLine()->isEnabled());

    dialog->accept();
    QVERIFY(dialog->isBusy());
    QTRY_VERIFY(!dialog->isBusy());
    QVERIFY(dialog->errorText().contains(QStringLiteral("refused"), Qt::CaseInsensitive));
}

void TestMainWindow::serverFullIsShownInTheDialog()
{
    m_server = std::make_unique<ServerProcess>(
        QStringList { QStringLiteral("--max-clients"), QStringLiteral("1") });
    QVERIFY2(m_server->start(), qPrintable(m_server->output()));
    RawClient first;
    QVERIFY(first.joinAs(m_server->port(), QStringLiteral("First")));

    m_window->openConnectDialog();
    ConnectDialog *dialog = m_window->connectDialog();
    dialog->setValues(QStringLiteral("127.0.0.1"), m_server->port(), QStringLiteral("Second"));
    dialog->accept();
    QTRY_VERIFY(!dialog->errorText().isEmpty());
    QVERIFY2(dialog->errorText().contains(QStringLiteral("full"), Qt::CaseInsensitive),
             qPrintable(dialog->errorText()));
}

void TestMainWindow::worksWithASeedServer()
{
    // The seed specification's server, in Python: no welcome, no user list, no private messages.
    QProcess seed;
    seed.start(QStringLiteral(PYNET_PYTHON),
               { QStringLiteral(PYNET_TESTS_DIR "/interop/seed_server.py"), QStringLiteral("0") });
    QVERIFY(seed.waitForReadyRead(10000));
    const QString banner = QString::fromUtf8(seed.readLine()).trimmed();
    QVERIFY2(banner.startsWith(QStringLiteral("listening on ")), qPrintable(banner));
    const quint16 port = banner.section(u' ', 2).toUShort();

    RawClient peer;
    QVERIFY(peer.connectTo(port));
    peer.send(R"({"type": "join", "data": "SeedBob"})");

    m_window->client()->setWelcomeTimeout(300);
    m_window->connectTo(QStringLiteral("127.0.0.1"), port, QStringLiteral("Alice"));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), Status::Joined, 10000);
    QVERIFY(!m_window->client()->serverSpeaksRichProtocol());

    send(QStringLiteral("hi seed world"));
    const QJsonObject relayed = receive(peer, QStringLiteral("message"));
    QCOMPARE(field(relayed, "data"), QStringLiteral("hi seed world"));
    QCOMPARE(field(relayed, "from"), QStringLiteral("Alice"));

    peer.send(R"({"type": "chat", "data": "hello Alice"})");
    QTRY_VERIFY(roomText().contains(QStringLiteral("\tSeedBob\thello Alice")));
    QCOMPARE(m_window->room()->entries().constLast().mention, true);

    send(QStringLiteral("/msg SeedBob psst"));
    QVERIFY(roomText().contains(QStringLiteral("no private messages")));
    QCOMPARE(m_window->inputLine()->text(), QStringLiteral("/msg SeedBob psst"));

    seed.kill();
    seed.waitForFinished(5000);
}

// A seed server never says which protocol it speaks; the client finds out by
// waiting two seconds. What the person types meanwhile must not be lost.
void TestMainWindow::typedBeforeTheSeedServerIsKnownIsQueued()
{
    QProcess seed;
    seed.start(QStringLiteral(PYNET_PYTHON),
               { QStringLiteral(PYNET_TESTS_DIR "/interop/seed_server.py"), QStringLiteral("0") });
    QVERIFY(seed.waitForReadyRead(10000));
    const QString banner = QString::fromUtf8(seed.readLine()).trimmed();
    QVERIFY2(banner.startsWith(QStringLiteral("listening on ")), qPrintable(banner));
    const quint16 port = banner.section(u' ', 2).toUShort();
    RawClient peer;
    QVERIFY(peer.connectTo(port));
    peer.send(R"({"type": "join", "data": "SeedBob"})");

    m_window->client()->setWelcomeTimeout(1500);
    m_window->connectTo(QStringLiteral("127.0.0.1"), port, QStringLiteral("Alice"));
    QVERIFY(m_window->client()->status() != Status::Joined);
    InputLine *input = m_window->inputLine();
    QTest::keyClicks(input, QStringLiteral("early bird"));
    QTest::keyClick(input, Qt::Key_Return);
    QVERIFY(m_window->client()->status() != Status::Joined);
    QVERIFY2(input->text().isEmpty(), qPrintable(input->text()));
    QVERIFY2(roomText().contains(QStringLiteral("\tAlice\tearly bird")), qPrintable(roomText()));
    QVERIFY(m_window->room()->entries().constLast().own);
    QVERIFY(m_window->room()->entries().constLast().pending);

    const QJsonObject relayed = receive(peer, QStringLiteral("message"), 10000);
    QCOMPARE(field(relayed, "data"), QStringLiteral("early bird"));
    QCOMPARE(field(relayed, "from"), QStringLiteral("Alice"));
    QCOMPARE(m_window->client()->status(), Status::Joined);
    // Confirmed once sent: the same line, no longer pending, and shown once.
    QTRY_VERIFY(!m_window->room()->entries().constLast().pending);
    QCOMPARE(roomText().count(QStringLiteral("early bird")), 1);

    seed.kill();
    seed.waitForFinished(5000);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
