// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include "certificatetext.h"
#include "changepassworddialog.h"
#include "chatcommand.h"
#include "connectdialog.h"
#include "conversationview.h"
#include "displaytext.h"
#include "findbar.h"
#include "inputline.h"
#include "passwordkeyring.h"
#include "protocol.h"
#include "roomlistdialog.h"
#include "userlistmodel.h"
#include "validation.h"
#include "wireview.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDockWidget>
#include <QInputDialog>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTabBar>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_client(new ChatClient(this))
    , m_room(new Conversation({}, this))
    , m_splitter(new QSplitter(Qt::Horizontal, this))
    , m_roomList(new QListWidget(this))
    , m_topicLabel(new QLabel(this))
    , m_tabs(new QTabWidget(this))
    , m_findBar(new FindBar(this))
    , m_input(new InputLine(this))
    , m_userView(new QListView(this))
    , m_users(new UserListModel(this))
    , m_userHeader(new QLabel(this))
    , m_statusLabel(new QLabel(this))
    , m_lockButton(new QToolButton(this))
    , m_wireDock(new QDockWidget(tr("Wire"), this))
    , m_wireView(new WireView(m_client, m_wireDock))
{
    m_client->setClientName(
        QStringLiteral("pynet-gui %1").arg(QCoreApplication::applicationVersion()));

    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_tabs->setFocusPolicy(Qt::NoFocus);
    m_room->setRoom(Protocol::DefaultRoom);
    m_rooms.insert(Validation::roomKey(Protocol::DefaultRoom), m_room);
    connect(m_room, &Conversation::unreadChanged, this, &MainWindow::updateRoomList);
    addConversationTab(m_room, Protocol::DefaultRoom);
    m_tabs->tabBar()->setTabButton(0, QTabBar::RightSide, nullptr);
    m_tabs->tabBar()->setTabButton(0, QTabBar::LeftSide, nullptr);

    m_input->setAccessibleName(tr("Message"));
    m_input->setEnabled(false);

    auto *chatPane = new QWidget(this);
    auto *chatLayout = new QVBoxLayout(chatPane);
    chatLayout->setContentsMargins(0, 0, 0, 0);
    chatLayout->setSpacing(4);
    m_topicLabel->setWordWrap(true);
    m_topicLabel->setTextFormat(Qt::PlainText);
    m_topicLabel->setContentsMargins(6, 2, 6, 2);
    m_topicLabel->setAccessibleName(tr("Topic"));
    chatLayout->addWidget(m_topicLabel);
    chatLayout->addWidget(m_tabs, 1);
    chatLayout->addWidget(m_findBar);
    chatLayout->addWidget(m_input);

    m_userView->setModel(m_users);
    m_userView->setFrameShape(QFrame::NoFrame);
    m_userView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_userView->setUniformItemSizes(true);
    m_userView->setFocusPolicy(Qt::ClickFocus);
    m_userView->setAccessibleName(tr("Online users"));
    m_userHeader->setContentsMargins(6, 4, 6, 2);
    auto *userPane = new QWidget(this);
    auto *userLayout = new QVBoxLayout(userPane);
    userLayout->setContentsMargins(0, 0, 0, 0);
    userLayout->setSpacing(0);
    userLayout->addWidget(m_userHeader);
    userLayout->addWidget(m_userView, 1);

    // Rooms on the left, as Quassel's and Element's side panels have them.
    m_roomList->setFrameShape(QFrame::NoFrame);
    m_roomList->setAccessibleName(tr("Rooms"));
    m_roomList->setFocusPolicy(Qt::ClickFocus);
    auto *roomHeader = new QLabel(tr("<b>Rooms</b>"), this);
    roomHeader->setContentsMargins(6, 4, 6, 2);
    auto *roomPane = new QWidget(this);
    auto *roomLayout = new QVBoxLayout(roomPane);
    roomLayout->setContentsMargins(0, 0, 0, 0);
    roomLayout->setSpacing(0);
    roomLayout->addWidget(roomHeader);
    roomLayout->addWidget(m_roomList, 1);

    m_splitter->addWidget(roomPane);
    m_splitter->addWidget(chatPane);
    m_splitter->addWidget(userPane);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setStretchFactor(2, 0);
    m_splitter->setCollapsible(1, false);
    m_splitter->setSizes({ 140, 560, 160 });
    setCentralWidget(m_splitter);
    chatPane->setContentsMargins(4, 4, 0, 4);

    statusBar()->addWidget(m_statusLabel, 1);
    m_lockButton->setObjectName(QStringLiteral("tlsLock"));
    m_lockButton->setIcon(QIcon(QStringLiteral(":/icons/lock.svg")));
    m_lockButton->setText(tr("TLS"));
    m_lockButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_lockButton->setAutoRaise(true);
    m_lockButton->setToolTip(tr("Encrypted with TLS. Click to see the server's certificate."));
    m_lockButton->hide();
    connect(m_lockButton, &QToolButton::clicked, this, &MainWindow::showCertificate);
    statusBar()->addPermanentWidget(m_lockButton);

    m_wireDock->setObjectName(QStringLiteral("wireDock"));
    m_wireDock->setWidget(m_wireView);
    addDockWidget(Qt::BottomDockWidgetArea, m_wireDock);
    m_wireDock->hide();
    statusBar()->setSizeGripEnabled(true);

    createActions();
    createTray();

    connect(m_input, &InputLine::submitted, this, &MainWindow::submitInput);
    connect(m_input, &InputLine::pageRequested, this, &MainWindow::pageConversation);
    connect(m_findBar, &FindBar::closed, this, [this] {
        if (m_input->isEnabled())
            m_input->setFocus();
    });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        m_findBar->setView(viewFor(currentConversation()));
        updateTopic();
        updateUserList();
        updateRoomList();
        updateStatus();
        updateActiveConversation();
        updateInputPlaceholder();
        if (m_input->isEnabled())
            m_input->setFocus();
    });
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &MainWindow::closeTab);
    connect(m_userView, &QListView::doubleClicked, this, [this](const QModelIndex &index) {
        if (!index.data(UserListModel::IsSelfRole).toBool())
            openPrivate(index.data(Qt::EditRole).toString(), true);
    });
    m_userView->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_userView, &QWidget::customContextMenuRequested, this, &MainWindow::showUserMenu);
    connect(m_users, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateStatus);
    connect(m_users, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateStatus);

    connect(m_client, &ChatClient::statusChanged, this, &MainWindow::onStatusChanged);
    connect(m_client, &ChatClient::joined, this, &MainWindow::onJoined);
    connect(m_client, &ChatClient::messageReceived, this, &MainWindow::onMessage);
    connect(m_client, &ChatClient::userJoined, this, &MainWindow::onUserJoined);
    connect(m_client, &ChatClient::userLeft, this, &MainWindow::onUserLeft);
    m_roomList->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_roomList, &QWidget::customContextMenuRequested, this,
            &MainWindow::showRoomContextMenu);
    connect(m_roomList, &QListWidget::currentItemChanged, this, [this](QListWidgetItem *item) {
        if (Conversation *conversation =
                item ? roomConversation(item->data(Qt::UserRole).toString()) : nullptr)
            m_tabs->setCurrentWidget(viewFor(conversation));
    });
    connect(m_client, &ChatClient::usersChanged, this,
            [this](const QStringList &, const QString &room) {
                if (Validation::roomKey(room) == Validation::roomKey(currentRoom()))
                    updateUserList();
            });
    connect(m_client, &ChatClient::roomEntered, this, &MainWindow::onRoomEntered);
    connect(m_client, &ChatClient::roomLeft, this, &MainWindow::closeRoom);
    connect(m_client, &ChatClient::topicChanged, this, &MainWindow::onTopicChanged);
    connect(m_client, &ChatClient::moderated, this, &MainWindow::onModerated);
    connect(m_client, &ChatClient::historyReceived, this, &MainWindow::onHistoryReceived);
    connect(m_client, &ChatClient::privateHistoryReceived, this,
            &MainWindow::onPrivateHistoryReceived);
    connect(m_client, &ChatClient::privateHistoryFailed, this, &MainWindow::onPrivateHistoryFailed);
    connect(m_client, &ChatClient::roomsListed, this,
            [this](const QList<Wire::RoomList::Entry> &rooms) {
                if (m_roomDialog)
                    m_roomDialog->setRooms(rooms);
            });
    connect(m_client, &ChatClient::noticeReceived, this,
            [this](const QString &text) { m_room->appendNotice(DisplayText::neutralized(text)); });
    connect(m_client, &ChatClient::errorReceived, this,
            [this](const QString &, const QString &text) {
                // Before a join the reason a server closes on us ("server full")
                // matters more than the closed socket that follows.
                if (m_client->status() != ChatClient::Status::Joined)
                    m_serverErrorBeforeJoin = DisplayText::neutralized(text);
                currentConversation()->appendNotice(DisplayText::neutralized(text),
                                                    Conversation::Kind::Error);
            });
    connect(m_client, &ChatClient::connectionError, this, &MainWindow::onConnectionError);
    // Failing over: the dialog and the status bar name the server tried now.
    connect(m_client, &ChatClient::connectingTo, this, [this](const ServerEndpoint &server) {
        m_serverErrorBeforeJoin.clear(); // the last server's, not this one's
        if (m_dialog && m_dialog->isBusy())
            m_dialog->showConnecting(server.toString());
        updateStatus();
    });
    connect(m_client, &ChatClient::certificateNeedsTrust, this,
            &MainWindow::onCertificateNeedsTrust);
    connect(m_client, &ChatClient::nameRefused, this, &MainWindow::onNameRefused);
    m_keyring = new PasswordKeyring(this);
    connect(m_client, &ChatClient::loginRefused, this, &MainWindow::onLoginRefused);
    connect(m_client, &ChatClient::passwordChanged, this, [this] {
        m_room->appendNotice(tr("Password changed. The account's other logins must log in again."));
        rememberPassword();
    });
    connect(m_keyring, &PasswordKeyring::failed, this,
            [this](const QString &text) { statusBar()->showMessage(text, 10000); });
    connect(m_client, &ChatClient::reconnectScheduled, this, &MainWindow::onReconnectScheduled);
    connect(m_client, &ChatClient::disconnected, this, &MainWindow::onDisconnected);
    connect(m_client, &ChatClient::messageSent, this, [this](const ChatClient::Outgoing &message) {
        // Only a line that waited is on screen as pending; one sent at once is not.
        for (Conversation *conversation : std::as_const(m_rooms)) {
            if (conversation->confirmSent(message.id))
                return;
        }
        for (Conversation *conversation : std::as_const(m_privates))
            conversation->confirmSent(message.id);
    });
    connect(m_client, &ChatClient::sendFailed, this, &MainWindow::onSendFailed);

    m_countdown.setInterval(250);
    connect(&m_countdown, &QTimer::timeout, this, &MainWindow::updateStatus);

    resize(900, 600);
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    m_splitter->restoreState(settings.value(QStringLiteral("window/splitter")).toByteArray());
    m_showUsersAction->setChecked(
        settings.value(QStringLiteral("window/showUsers"), true).toBool());
    // Before connectTo(), so a view left open shows the connection from its start.
    const bool showWire = settings.value(QStringLiteral("window/showWire"), false).toBool();
    m_wireDock->setVisible(showWire);
    m_client->setTraceEnabled(showWire);

    updateStatus();
    updateTitle();
    updateInputPlaceholder();
}

MainWindow::~MainWindow() = default;

QAction *MainWindow::wireAction() const
{
    return m_wireDock->toggleViewAction();
}

void MainWindow::createActions()
{
    QMenu *chat = menuBar()->addMenu(tr("&Chat"));
    m_connectAction = chat->addAction(QIcon::fromTheme(QStringLiteral("network-connect")),
                                      tr("&Connect…"), this, &MainWindow::openConnectDialog);
    m_connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    m_disconnectAction =
        chat->addAction(QIcon::fromTheme(QStringLiteral("network-disconnect")), tr("&Disconnect"),
                        this, [this] { m_client->disconnectFromServer(); });
    m_disconnectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    // The back-off grows to half a minute; someone who knows the server is back need not wait.
    m_reconnectAction = chat->addAction(tr("&Reconnect Now"), m_client, &ChatClient::reconnectNow);
    m_reconnectAction->setObjectName(QStringLiteral("reconnectNow"));
    m_reconnectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_changePasswordAction =
        chat->addAction(tr("Change &Password…"), this, &MainWindow::changePassword);
    m_certificateAction =
        chat->addAction(tr("Server &Certificate…"), this, &MainWindow::showCertificate);
    m_certificateAction->setEnabled(false);
    chat->addSeparator();
    m_closeTabAction =
        chat->addAction(tr("Close &Tab"), this, [this] { closeTab(m_tabs->currentIndex()); });
    m_closeTabAction->setShortcut(QKeySequence::Close);
    chat->addSeparator();
    QAction *quit = chat->addAction(QIcon::fromTheme(QStringLiteral("application-exit")),
                                    tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *find =
        view->addAction(QIcon::fromTheme(QStringLiteral("edit-find")), tr("&Find…"), this, [this] {
            m_findBar->setView(viewFor(currentConversation()));
            m_findBar->open();
        });
    find->setShortcut(QKeySequence::Find);
    view->addSeparator();
    m_showUsersAction = view->addAction(tr("Show &Online Users"));
    m_showUsersAction->setCheckable(true);
    m_showUsersAction->setChecked(true);
    m_showUsersAction->setShortcut(QKeySequence(Qt::Key_F9));
    connect(m_showUsersAction, &QAction::toggled, this,
            [this](bool shown) { m_splitter->widget(1)->setVisible(shown); });
    QAction *wire = wireAction();
    wire->setText(tr("&Wire"));
    wire->setToolTip(tr("Every frame, read and step of the connection, as it happens"));
    wire->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
    view->addAction(wire);
    // Tracing costs nothing while nobody looks.
    connect(wire, &QAction::toggled, m_client, &ChatClient::setTraceEnabled);
    view->addSeparator();
    QAction *next = view->addAction(tr("&Next Conversation"), this, [this] {
        m_tabs->setCurrentIndex((m_tabs->currentIndex() + 1) % m_tabs->count());
    });
    next->setShortcuts({ QKeySequence(Qt::CTRL | Qt::Key_PageDown), QKeySequence::NextChild });
    QAction *previous = view->addAction(tr("&Previous Conversation"), this, [this] {
        m_tabs->setCurrentIndex((m_tabs->currentIndex() + m_tabs->count() - 1) % m_tabs->count());
    });
    previous->setShortcuts(
        { QKeySequence(Qt::CTRL | Qt::Key_PageUp), QKeySequence::PreviousChild });

    // Filled when opened: it acts on the room shown then.
    m_roomMenu = menuBar()->addMenu(tr("&Room"));
    connect(m_roomMenu, &QMenu::aboutToShow, this, [this] {
        m_roomMenu->clear();
        const Conversation *conversation = currentConversation();
        fillRoomMenu(m_roomMenu, conversation->isPrivate() ? QString() : conversation->room());
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About PyNet Chat"), this, [this] {
        QMessageBox::about(
            this, tr("About PyNet Chat"),
            tr("<h3>PyNet Chat %1</h3>"
               "<p>A self-hosted chat: one server, a console client and this desktop client.</p>"
               "<p>Type <tt>/help</tt> in the message line for commands. Double-click a name "
               "to talk privately.</p>")
                .arg(QCoreApplication::applicationVersion().toHtmlEscaped()));
    });
    about->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::createTray()
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(QApplication::windowIcon(), this);
    m_tray->setToolTip(tr("PyNet Chat"));
    auto bringBack = [this] {
        showNormal();
        raise();
        activateWindow();
    };
    connect(m_tray, &QSystemTrayIcon::activated, this, bringBack);
    connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this, bringBack] {
        bringBack();
        if (m_notifiedConversation)
            m_tabs->setCurrentWidget(viewFor(m_notifiedConversation));
    });
    m_tray->show();
}

ConversationView *MainWindow::addConversationTab(Conversation *conversation, const QString &title)
{
    auto *view = new ConversationView(conversation, m_tabs);
    m_views.insert(conversation, view);
    const int index = m_tabs->addTab(view, title);
    m_tabs->setTabToolTip(index, title);
    connect(view, &ConversationView::linkActivated, this,
            [](const QUrl &url) { QDesktopServices::openUrl(url); });
    connect(view, &ConversationView::textTyped, this, [this](const QString &text) {
        if (!m_input->isEnabled())
            return;
        m_input->setFocus();
        m_input->insert(text);
    });
    connect(conversation, &Conversation::unreadChanged, this, [this, conversation] {
        updateTab(conversation);
        updateTitle();
    });
    return view;
}

void MainWindow::showUserMenu(const QPoint &position)
{
    const QModelIndex index = m_userView->indexAt(position);
    if (!index.isValid())
        return;
    const QString name = index.data(Qt::EditRole).toString();
    if (m_userMenu)
        m_userMenu->close();
    // Opened, not exec()'d: the session goes on while it is open.
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    QAction *talk =
        menu->addAction(tr("Talk Privately"), this, [this, name] { openPrivate(name, true); });
    talk->setEnabled(!index.data(UserListModel::IsSelfRole).toBool());
    menu->addAction(tr("Mention in Message"), this, [this, name] {
        m_input->insert(m_input->text().isEmpty() ? name + QStringLiteral(": ") : name + u' ');
        m_input->setFocus();
    });
    const Conversation *conversation = currentConversation();
    if (!conversation->isPrivate())
        addModerationActions(menu, conversation->room(), name);
    m_userMenu = menu;
    menu->popup(m_userView->viewport()->mapToGlobal(position));
}

QMenu *MainWindow::userMenu() const
{
    return m_userMenu;
}

QMenu *MainWindow::roomContextMenu() const
{
    return m_roomContextMenu;
}

QInputDialog *MainWindow::reasonDialog() const
{
    return m_reasonDialog;
}

// Only what we may do here, as far as the room's answer and the welcome tell:
// its owner, its operators and the server's administrators moderate, and only
// its owner and administrators name operators. The server decides anyway.
void MainWindow::addModerationActions(QMenu *menu, const QString &roomName, const QString &name)
{
    namespace Action = Protocol::Moderation;
    const ChatRoom *room = m_client->room(roomName);
    const QString self = m_client->name();
    const bool admin = m_client->isAdmin();
    if (!room || !(admin || room->isOperator(self))
        || Validation::nameKey(name) == Validation::nameKey(self))
        return;
    const auto isOwner = [room](const QString &who) {
        return !room->owner.isEmpty()
            && Validation::nameKey(room->owner) == Validation::nameKey(who);
    };
    if (isOwner(name))
        return; // nobody moderates the owner
    const QString shown = DisplayText::neutralized(name);
    menu->addSeparator();
    const auto add = [this, menu, roomName, name](const QString &text, const QString &objectName,
                                                  QLatin1StringView action, bool asksReason) {
        QAction *item = menu->addAction(text, this, [this, roomName, name, action, asksReason] {
            if (asksReason)
                askReason(roomName, action, name);
            else
                moderate(roomName, action, name);
        });
        item->setObjectName(objectName);
    };
    // Everyone is put in the default room on join: there is no kick or ban there.
    if (!room->isDefault()) {
        add(tr("&Kick %1…").arg(shown), QStringLiteral("kickAction"), Action::Kick, true);
        add(tr("&Ban %1…").arg(shown), QStringLiteral("banAction"), Action::Ban, true);
    }
    // The room's answer lists no muted members: both, and the server knows.
    add(tr("M&ute %1…").arg(shown), QStringLiteral("muteAction"), Action::Mute, true);
    add(tr("U&nmute %1").arg(shown), QStringLiteral("unmuteAction"), Action::Unmute, false);
    if (!isOwner(self) && !admin)
        return;
    if (room->isOperator(name))
        add(tr("Remove &Operator Status"), QStringLiteral("deopAction"), Action::Deop, false);
    else
        add(tr("Make &Operator"), QStringLiteral("opAction"), Action::Op, false);
}

void MainWindow::showRoomContextMenu(const QPoint &position)
{
    const QListWidgetItem *item = m_roomList->itemAt(position);
    if (!item)
        return;
    if (m_roomContextMenu)
        m_roomContextMenu->close();
    auto *menu = new QMenu(this);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    fillRoomMenu(menu, item->data(Qt::UserRole).toString());
    m_roomContextMenu = menu;
    menu->popup(m_roomList->viewport()->mapToGlobal(position));
}

// The room's settings, checked as the server last said; only its operators may
// change them. A click asks the server, and the mark follows its announcement.
void MainWindow::fillRoomMenu(QMenu *menu, const QString &roomName)
{
    namespace Action = Protocol::Moderation;
    const ChatRoom *room = roomName.isEmpty() ? nullptr : m_client->room(roomName);
    if (!room) {
        menu->addAction(tr("No room shown"))->setEnabled(false);
        return;
    }
    const QString name = room->name;
    const bool mayChange = m_client->status() == ChatClient::Status::Joined
        && (m_client->isAdmin() || room->isOperator(m_client->name()));
    QAction *inviteOnly = menu->addAction(tr("&Invite Only"), this, [this, name](bool checked) {
        moderate(name, checked ? Action::InviteOnly : Action::Open, {});
    });
    inviteOnly->setObjectName(QStringLiteral("inviteOnlyAction"));
    inviteOnly->setCheckable(true);
    inviteOnly->setChecked(room->inviteOnly);
    inviteOnly->setEnabled(mayChange && !room->isDefault()); // everyone may enter it
    inviteOnly->setToolTip(tr("Only those invited may enter (/mode +i)"));
    QAction *topicLocked =
        menu->addAction(tr("Only Operators Set the &Topic"), this, [this, name](bool checked) {
            moderate(name, checked ? Action::LockTopic : Action::UnlockTopic, {});
        });
    topicLocked->setObjectName(QStringLiteral("topicLockedAction"));
    topicLocked->setCheckable(true);
    topicLocked->setChecked(room->topicLocked);
    topicLocked->setEnabled(mayChange);
    topicLocked->setToolTip(tr("/mode +t"));
    menu->addSeparator();
    QAction *leave =
        menu->addAction(tr("&Leave %1").arg(DisplayText::neutralized(name)), this, [this, name] {
            const SendResult result = m_client->leaveRoom(name);
            if (!result.isAccepted())
                currentConversation()->appendNotice(result.reason, Conversation::Kind::Error);
        });
    leave->setEnabled(!room->isDefault());
}

// Non-blocking, as the other dialogs here: the chat goes on behind it.
void MainWindow::askReason(const QString &room, const QString &action, const QString &target)
{
    namespace Action = Protocol::Moderation;
    if (m_reasonDialog)
        m_reasonDialog->close();
    const QString shown = DisplayText::neutralized(target);
    auto *dialog = new QInputDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setInputMode(QInputDialog::TextInput);
    if (action == Action::Kick) {
        dialog->setWindowTitle(tr("Kick %1").arg(shown));
        dialog->setOkButtonText(tr("Kick"));
    } else if (action == Action::Ban) {
        dialog->setWindowTitle(tr("Ban %1").arg(shown));
        dialog->setOkButtonText(tr("Ban"));
    } else {
        dialog->setWindowTitle(tr("Mute %1").arg(shown));
        dialog->setOkButtonText(tr("Mute"));
    }
    dialog->setLabelText(tr("Reason (optional; everyone in %1 sees it):").arg(room));
    connect(dialog, &QInputDialog::textValueSelected, this,
            [this, room, action, target](const QString &reason) {
                moderate(room, action, target, reason);
            });
    connect(dialog, &QDialog::finished, this, [this] { m_input->setFocus(); });
    m_reasonDialog = dialog;
    dialog->open();
}

void MainWindow::moderate(const QString &room, const QString &action, const QString &target,
                          const QString &reason)
{
    const SendResult result = m_client->moderate(room, action, target, reason);
    m_input->setFocus(); // from a menu too: the person goes on typing
    if (!result.isAccepted()) {
        Conversation *conversation = roomConversation(room);
        (conversation ? conversation : currentConversation())
            ->appendNotice(result.reason, Conversation::Kind::Error);
    }
}

void MainWindow::onModerated(const Wire::Moderated &event)
{
    namespace Action = Protocol::Moderation;
    QString text = DisplayText::neutralized(event.text);
    if (text.isEmpty())
        text = DisplayText::neutralized(
            QStringLiteral("%1: %2 %3").arg(event.by, event.action, event.target).trimmed());
    if (Conversation *conversation = roomConversation(event.room))
        conversation->appendNotice(text);
    // The room's tab closes once we are out: the reason stays in the default room.
    const bool aboutUs = !event.target.isEmpty()
        && Validation::nameKey(event.target) == Validation::nameKey(m_client->name());
    if (aboutUs && (event.action == Action::Kick || event.action == Action::Ban)
        && roomConversation(event.room) != m_room) {
        m_room->appendNotice(text, Conversation::Kind::Error);
        if (Validation::roomKey(event.room) == Validation::roomKey(currentRoom()))
            m_tabs->setCurrentWidget(viewFor(m_room)); // where the reason is, not a neighbour
    }
    if (Validation::roomKey(event.room) == Validation::roomKey(currentRoom()))
        updateUserList();
}

void MainWindow::showModes(Conversation *conversation)
{
    const ChatRoom *room = m_client->room(conversation->room());
    if (!room)
        return;
    QStringList parts;
    parts.append(room->owner.isEmpty() ? tr("no owner")
                                       : tr("owner %1").arg(DisplayText::neutralized(room->owner)));
    QStringList operators;
    for (const QString &name : room->operators)
        operators.append(DisplayText::neutralized(name));
    if (!operators.isEmpty())
        parts.append(tr("operators %1").arg(operators.join(QStringLiteral(", "))));
    parts.append(room->inviteOnly ? tr("invite only (+i)") : tr("open to all (-i)"));
    parts.append(room->topicLocked ? tr("only operators set the topic (+t)")
                                   : tr("everyone sets the topic (-t)"));
    conversation->appendNotice(tr("%1: %2.").arg(room->name, parts.join(QStringLiteral("; "))));
}

void MainWindow::closeTab(int index)
{
    auto *view = qobject_cast<ConversationView *>(m_tabs->widget(index));
    if (!view || view->conversation() == m_room)
        return;
    Conversation *conversation = view->conversation();
    if (!conversation->isPrivate()) {
        // Closing a room leaves it; its tab goes when the server confirms.
        const SendResult result = m_client->leaveRoom(conversation->room());
        if (!result.isAccepted())
            closeRoom(conversation->room());
        return;
    }
    m_privates.remove(Validation::nameKey(conversation->peer()));
    m_views.remove(conversation);
    m_tabs->removeTab(index);
    delete view;
    delete conversation;
    updateTitle();
}

Conversation *MainWindow::privateConversation(const QString &name) const
{
    return m_privates.value(Validation::nameKey(name));
}

Conversation *MainWindow::currentConversation() const
{
    auto *view = qobject_cast<ConversationView *>(m_tabs->currentWidget());
    return view ? view->conversation() : m_room;
}

ConversationView *MainWindow::viewFor(Conversation *conversation) const
{
    return m_views.value(conversation);
}

Conversation *MainWindow::openPrivate(const QString &name, bool activate)
{
    Conversation *conversation = privateConversation(name);
    if (!conversation) {
        conversation = new Conversation(name, this);
        m_privates.insert(Validation::nameKey(name), conversation);
        const QString shown = DisplayText::neutralized(name);
        ConversationView *view = addConversationTab(conversation, shown);
        conversation->appendNotice(
            tr("Private conversation with %1. Only the two of you see it.").arg(shown));
        connect(view, &ConversationView::scrolledToTop, this,
                [this, conversation] { loadOlder(conversation); });
        loadOlder(conversation); // what the two accounts said before, kept on the server
    }
    if (activate)
        m_tabs->setCurrentWidget(viewFor(conversation));
    updateActiveConversation();
    return conversation;
}

QString MainWindow::statusText() const
{
    return m_statusLabel->text();
}

int MainWindow::unreadCount() const
{
    int unread = m_room->unreadCount();
    for (const Conversation *conversation : m_privates)
        unread += conversation->unreadCount();
    return unread;
}

// --- sending -------------------------------------------------------------------------------

QString MainWindow::onlineName(const QString &name) const
{
    const QString key = Validation::nameKey(name);
    for (const QString &user : m_client->users()) {
        if (Validation::nameKey(user) == key)
            return user;
    }
    return {};
}

void MainWindow::submitInput(const QString &line)
{
    Conversation *conversation = currentConversation();
    // Everyone online, and the room's members for /kick of one who is only there.
    QStringList known = m_client->users();
    if (!conversation->isPrivate())
        known += m_client->users(conversation->room());
    const ChatCommand command = ChatCommand::parse(line, known);
    switch (command.kind) {
    case ChatCommand::Kind::None:
        return;
    case ChatCommand::Kind::Chat:
        if (sendText(conversation, command.text, false))
            m_input->commit();
        return;
    case ChatCommand::Kind::Action:
        if (conversation->isPrivate()) {
            conversation->appendNotice(tr("/me works in the room only."),
                                       Conversation::Kind::Error);
            return;
        }
        if (sendText(conversation, command.text, true))
            m_input->commit();
        return;
    case ChatCommand::Kind::Private:
    case ChatCommand::Kind::Query:
        sendPrivateFrom(conversation, command);
        return;
    case ChatCommand::Kind::Who: {
        QStringList names = m_users->users();
        for (QString &name : names)
            name = DisplayText::neutralized(name);
        conversation->appendNotice(
            tr("Online (%1): %2").arg(names.size()).arg(names.join(QStringLiteral(", "))));
        m_input->commit();
        return;
    }
    case ChatCommand::Kind::Help:
        showHelp(conversation);
        m_input->commit();
        return;
    case ChatCommand::Kind::Quit:
        m_input->commit();
        close();
        return;
    case ChatCommand::Kind::Password:
        m_input->commit();
        changePassword();
        return;
    case ChatCommand::Kind::Invalid:
        // The line stays so the user can correct it.
        conversation->appendNotice(command.error, Conversation::Kind::Error);
        return;
    case ChatCommand::Kind::Moderate:
    case ChatCommand::Kind::Modes:
        if (conversation->isPrivate()) {
            conversation->appendNotice(tr("This works in a room's tab."),
                                       Conversation::Kind::Error);
            return;
        }
        m_input->commit();
        if (command.kind == ChatCommand::Kind::Modes)
            showModes(conversation);
        else
            moderate(conversation->room(), command.action, command.target, command.text);
        return;
    case ChatCommand::Kind::Join:
    case ChatCommand::Kind::Part:
    case ChatCommand::Kind::Rooms:
    case ChatCommand::Kind::Topic:
    case ChatCommand::Kind::History:
    case ChatCommand::Kind::Window:
        runRoomCommand(conversation, command);
        return;
    }
}

// /msg sends and leaves the person where they are, as irssi, HexChat and
// Quassel do; /query opens the conversation and switches to it.
void MainWindow::sendPrivateFrom(Conversation *current, const ChatCommand &command)
{
    if (m_client->status() == ChatClient::Status::Joined && !m_client->serverSpeaksRichProtocol()) {
        current->appendNotice(tr("This server speaks only the seed protocol: "
                                 "no private messages."),
                              Conversation::Kind::Error);
        return;
    }
    // Before the join nobody is known to be online: the server will say.
    QString target = m_client->status() == ChatClient::Status::Joined ? onlineName(command.target)
                                                                      : command.target;
    if (target.isEmpty()) {
        current->appendNotice(
            tr("Nobody called %1 is online.").arg(DisplayText::neutralized(command.target)),
            Conversation::Kind::Error);
        return;
    }
    if (Validation::nameKey(target) == Validation::nameKey(m_client->name())) {
        current->appendNotice(tr("That is you."), Conversation::Kind::Error);
        return;
    }
    const bool query = command.kind == ChatCommand::Kind::Query;
    if (command.text.isEmpty()) { // "/query NAME"
        openPrivate(target, true);
        m_input->commit();
        return;
    }
    Conversation *conversation = openPrivate(target, query);
    if (!sendText(conversation, command.text, false))
        return;
    m_input->commit();
    if (!query && conversation != current)
        current->appendNotice(tr("Sent privately to %1; /query %1 opens the conversation.")
                                  .arg(DisplayText::neutralized(target)));
}

bool MainWindow::sendText(Conversation *conversation, const QString &text, bool action)
{
    if (conversation->isPrivate() && onlineName(conversation->peer()).isEmpty()
        && m_client->status() == ChatClient::Status::Joined
        && m_client->serverSpeaksRichProtocol()) {
        conversation->appendNotice(
            tr("Not sent: %1 is offline.").arg(DisplayText::neutralized(conversation->peer())),
            Conversation::Kind::Error);
        return false;
    }
    SendResult result;
    if (conversation->isPrivate())
        result = m_client->sendPrivate(conversation->peer(), text);
    else if (action)
        result = m_client->sendAction(conversation->room(), text);
    else
        result = m_client->sendChat(conversation->room(), text);
    if (!result.isAccepted()) {
        // The reason the session gives, where the person is looking.
        currentConversation()->appendNotice(result.reason, Conversation::Kind::Error);
        return false;
    }
    echoOwn(conversation, text, action, result);
    return true;
}

void MainWindow::echoOwn(Conversation *conversation, const QString &text, bool action,
                         const SendResult &result)
{
    Conversation::Entry entry;
    entry.kind = action ? Conversation::Kind::Action : Conversation::Kind::Message;
    entry.time = QDateTime::currentDateTime();
    entry.sender = m_client->name().isEmpty() ? m_client->requestedName() : m_client->name();
    entry.text = DisplayText::neutralized(text, true);
    entry.own = true;
    entry.pending = result.status == SendResult::Status::Queued;
    entry.sendId = result.id;
    conversation->append(entry);
}

void MainWindow::onSendFailed(const ChatClient::Outgoing &message, const SendResult &result)
{
    Conversation *conversation = m_room;
    if (!m_room->markNotSent(message.id)) {
        for (Conversation *candidate : std::as_const(m_privates)) {
            if (candidate->markNotSent(message.id)) {
                conversation = candidate;
                break;
            }
        }
    }
    conversation->appendNotice(result.reason, Conversation::Kind::Error);
}

void MainWindow::showHelp(Conversation *conversation)
{
    for (const QString &line : ChatCommand::helpLines())
        conversation->appendNotice(line);
    conversation->appendNotice(
        tr("Double-click a name in the list to talk privately; Tab completes "
           "names; Up and Down recall what you sent."));
    conversation->appendNotice(tr("A room's operators right-click a name to kick, ban or mute; "
                                  "the Room menu holds the room's settings."));
}

void MainWindow::pageConversation(int direction)
{
    if (ConversationView *view = viewFor(currentConversation())) {
        view->verticalScrollBar()->triggerAction(direction < 0
                                                     ? QAbstractSlider::SliderPageStepSub
                                                     : QAbstractSlider::SliderPageStepAdd);
    }
}

// --- the session ---------------------------------------------------------------------------

void MainWindow::connectTo(const QString &host, quint16 port, const QString &name)
{
    QList<ServerEndpoint> servers;
    QString error;
    if (!ServerEndpoint::parseList(host, port, &servers, &error))
        servers = { { host, port } }; // the session reports what is wrong with it
    connectTo(servers, name);
}

void MainWindow::connectTo(const QList<ServerEndpoint> &servers, const QString &name)
{
    m_lastError.clear();
    // connectToServer() drops any current session silently; say so here, unless
    // the loss was already announced.
    if (m_wasJoined && m_client->status() != ChatClient::Status::Reconnecting)
        m_room->appendNotice(tr("Disconnected."));
    // A fresh connection: if it fails, the connect dialog says why.
    m_wasJoined = false;
    m_client->connectToServer(servers, name);
    // The rooms of the last session here are entered again, before anything is typed.
    const QStringList rooms = QSettings().value(roomsSettingsKey(servers)).toStringList();
    for (const QString &room : rooms)
        m_client->enterRoom(room);
    updateStatus();
}

void MainWindow::openConnectDialog()
{
    if (!m_dialog) {
        m_dialog = new ConnectDialog(this);
        m_dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(m_dialog, &ConnectDialog::connectRequested, this, &MainWindow::onConnectRequested);
        connect(m_dialog, &QDialog::rejected, this, &MainWindow::onDialogRejected);
    }
    if (!m_client->host().isEmpty()) {
        const QList<ServerEndpoint> servers = m_client->servers();
        m_dialog->setValues(serversText(servers), servers.constFirst().port,
                            m_client->requestedName());
        m_dialog->setTls(m_client->isTls());
    }
    m_dialog->setConnectTimeoutMs(m_client->connectTimeout());
    if (m_dialog->rememberPassword() && m_dialog->password().isEmpty()) {
        const QString key = keyringKey(m_dialog->servers(), m_dialog->name());
        m_keyring->read(key, [dialog = m_dialog, key](const QString &password) {
            // Only into the dialog it was read for, if nothing was typed meanwhile.
            if (dialog && dialog->password().isEmpty()
                && key == keyringKey(dialog->servers(), dialog->name()))
                dialog->setPassword(password);
        });
    }
    m_dialog->setWindowModality(isVisible() ? Qt::WindowModal : Qt::ApplicationModal);
    m_dialog->show();
    m_dialog->raise();
    m_dialog->activateWindow();
}

QMessageBox *MainWindow::trustPrompt() const
{
    return m_trustPrompt.data();
}

void MainWindow::showCertificate()
{
    if (!m_client->isEncrypted())
        return;
    if (!m_certificateBox) {
        m_certificateBox = new QMessageBox(QMessageBox::Information, tr("Server Certificate"),
                                           QString(), QMessageBox::Close, this);
        m_certificateBox->setAttribute(Qt::WA_DeleteOnClose);
        m_certificateBox->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    m_certificateBox->setText(
        tr("The connection to %1 is encrypted.").arg(m_client->server().toString()));
    m_certificateBox->setInformativeText(CertificateText::describe(m_client->peerCertificate()));
    m_certificateBox->open();
}

// As SSH and Quassel ask: shown once per server; a yes is remembered.
void MainWindow::onCertificateNeedsTrust(const QString &fingerprint,
                                         const QSslCertificate &certificate, const QString &reason)
{
    Q_UNUSED(fingerprint) // CertificateText shows it
    if (m_trustPrompt)
        m_trustPrompt->close();
    m_trustPrompt = new QMessageBox(
        QMessageBox::Warning, tr("Trust This Server?"),
        tr("No certificate authority you trust vouches for %1 (%2).")
            .arg(m_client->server().toString(), DisplayText::neutralized(reason)),
        QMessageBox::Yes | QMessageBox::No,
        m_dialog && m_dialog->isVisible() ? static_cast<QWidget *>(m_dialog.data()) : this);
    m_trustPrompt->setAttribute(Qt::WA_DeleteOnClose);
    m_trustPrompt->setInformativeText(
        CertificateText::describe(certificate)
        + tr("\n\nCompare the fingerprint with the one the server's operator gave you. Trust "
             "it and remember it for this server?"));
    m_trustPrompt->setDefaultButton(QMessageBox::No);
    m_trustPrompt->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QMessageBox *prompt = m_trustPrompt;
    connect(prompt, &QMessageBox::finished, this, [this, prompt] {
        const bool trusted = prompt->clickedButton() == prompt->button(QMessageBox::Yes);
        m_certificateDeclined = !trusted;
        m_client->trustCertificate(trusted);
    });
    m_trustPrompt->open();
}

void MainWindow::onConnectRequested(const QString &host, quint16 port, const QString &name)
{
    if (m_dialog) {
        m_client->setPassword(m_dialog->password(), m_dialog->createAccount());
        m_passwordToRemember = m_dialog->password();
        m_rememberPassword = m_dialog->rememberPassword();
    }
    // After "name taken" the connection is still open, waiting for another name.
    QList<ServerEndpoint> servers;
    QString error;
    if (!ServerEndpoint::parseList(host, port, &servers, &error))
        servers = { { host, port } };
    const bool retryName =
        m_client->status() == ChatClient::Status::Joining && servers == m_client->servers();
    if (retryName) {
        m_client->join(name);
        return;
    }
    m_client->setTls(m_dialog && m_dialog->tls());
    if (m_dialog)
        m_client->setConnectTimeout(m_dialog->connectTimeoutMs());
    connectTo(servers, name);
}

void MainWindow::onDialogRejected()
{
    // Cancel what the dialog started, or a connection held open for another
    // name; an automatic reconnect carries on.
    const bool ownAttempt = m_dialog && m_dialog->isBusy();
    if (ownAttempt || m_client->status() == ChatClient::Status::Joining)
        m_client->disconnectFromServer();
    if (!isVisible())
        QMetaObject::invokeMethod(qApp, &QCoreApplication::quit, Qt::QueuedConnection);
}

void MainWindow::onStatusChanged(ChatClient::Status status)
{
    const bool joined = status == ChatClient::Status::Joined;
    // While the first connection is made, or the server's protocol found out,
    // what is typed waits in the session's queue; offline, typing is pointless.
    m_input->setEnabled(joined || status == ChatClient::Status::Connecting
                        || status == ChatClient::Status::Joining);
    m_userView->setEnabled(joined);
    if (!joined && m_users->isOnline())
        m_usersAtDrop = m_users->users(); // who was there when the session dropped
    m_users->setOnline(joined);
    if (m_input->isEnabled() && isActiveWindow())
        m_input->setFocus();
    if (status != ChatClient::Status::Reconnecting)
        m_countdown.stop();
    updateStatus();
    updateTitle();
    updateInputPlaceholder();
}

void MainWindow::onJoined(bool afterReconnect)
{
    m_lossAnnounced = false;
    m_lastError.clear();
    m_serverErrorBeforeJoin.clear();
    // The window first: closing the only visible window would end the program.
    if (!isVisible())
        show();
    // Only an attempt the dialog started closes it; a reconnect leaves alone
    // a dialog the user is filling in.
    if (m_dialog && m_dialog->isBusy()) {
        m_dialog->succeed();
        rememberPassword();
        // Whoever pressed Connect types next: into the input line, wherever
        // the focus the dialog had would otherwise go.
        activateWindow();
        m_input->setFocus();
    } else {
        const QList<ServerEndpoint> servers = m_client->servers();
        ConnectDialog::remember(serversText(servers), servers.constFirst().port,
                                m_client->requestedName());
        ConnectDialog::rememberTls(m_client->isTls());
    }
    m_users->setSelf(m_client->name());
    m_users->setUsers(m_client->users());
    m_input->setCompletionNames(m_client->users());
    // The welcome's history came before joined(): sum it up now.
    const QString who = DisplayText::neutralized(m_client->name());
    QString text;
    // With several servers, which one took over.
    const QString reconnected = m_client->servers().size() > 1
        ? tr("Reconnected to %1.").arg(m_client->server().toString())
        : tr("Reconnected.");
    if (!afterReconnect)
        text = tr("Connected to %1 as %2.").arg(m_client->server().toString(), who);
    else if (m_historyLines > 0)
        text = m_historyLines == 1
            ? tr("%1 1 missed message above.").arg(reconnected)
            : tr("%1 %2 missed messages above.").arg(reconnected).arg(m_historyLines);
    else
        text = tr("%1 Nothing was missed.").arg(reconnected);
    m_historyLines = 0;
    m_room->appendNotice(text);
    if (afterReconnect)
        reportPresenceChanges(m_usersAtDrop, m_users->users());
    for (Conversation *conversation : std::as_const(m_privates)) {
        if (m_wasJoined)
            conversation->appendNotice(tr("Reconnected."));
    }
    m_wasJoined = true;
    updateStatus();
    updateTitle();
}

// A new session's user list replaces the old one without presence events:
// say who came and went meanwhile.
void MainWindow::reportPresenceChanges(const QStringList &before, const QStringList &now)
{
    QStringList left;
    QStringList came;
    for (const QString &name : before) {
        if (!now.contains(name))
            left.append(DisplayText::neutralized(name));
    }
    for (const QString &name : now) {
        if (!before.contains(name))
            came.append(DisplayText::neutralized(name));
    }
    if (!left.isEmpty())
        m_room->appendNotice(
            tr("Left while you were away: %1.").arg(left.join(QStringLiteral(", "))));
    if (!came.isEmpty())
        m_room->appendNotice(
            tr("Joined while you were away: %1.").arg(came.join(QStringLiteral(", "))));
}

void MainWindow::onMessage(const ChatMessage &message, bool fromHistory)
{
    const QString self = Validation::nameKey(m_client->name());
    const bool own = Validation::nameKey(message.from) == self;
    // The session delivers each message once, own lines included.
    if (fromHistory)
        ++m_historyLines;

    Conversation *conversation = message.isPrivate()
        ? openPrivate(own ? message.to : message.from, false)
        : openRoom(message.room);

    Conversation::Entry entry;
    entry.kind = message.action ? Conversation::Kind::Action : Conversation::Kind::Message;
    entry.time = message.time.isValid() ? message.time : QDateTime::currentDateTime();
    entry.sender = DisplayText::neutralized(message.from);
    entry.text = DisplayText::neutralized(message.text, true);
    entry.own = own;
    entry.mention = !own && Conversation::mentions(message.text, m_client->name());
    // Old history is context, not news; what was missed while away is.
    conversation->append(entry, !fromHistory || m_client->isRejoin());

    if (!fromHistory && !own && (entry.mention || message.isPrivate())) {
        const QString title = message.isPrivate() ? tr("%1 (private)").arg(entry.sender)
                                                  : tr("%1 mentioned you").arg(entry.sender);
        notify(conversation, title, entry.text);
    }
}

void MainWindow::notify(Conversation *conversation, const QString &title, const QString &text)
{
    if (isActiveWindow() && currentConversation() == conversation)
        return;
    if (!isActiveWindow()) {
        QApplication::alert(this);
        if (m_tray && m_tray->isVisible()) {
            m_notifiedConversation = conversation;
            m_tray->showMessage(title, text.left(200), QApplication::windowIcon(), 8000);
        }
    }
    Q_EMIT attentionRequested(title, text);
}

void MainWindow::onUserJoined(const QString &name, const QString &room)
{
    const QString shown = DisplayText::neutralized(name);
    if (roomConversation(room) != m_room) {
        if (Conversation *conversation = roomConversation(room))
            conversation->appendNotice(tr("%1 joined %2.").arg(shown, room));
        return;
    }
    m_room->appendNotice(tr("%1 joined the chat.").arg(shown));
    if (Conversation *conversation = privateConversation(name))
        conversation->appendNotice(tr("%1 is back online.").arg(shown));
}

void MainWindow::onUserLeft(const QString &name, const QString &room)
{
    const QString shown = DisplayText::neutralized(name);
    if (roomConversation(room) != m_room) {
        if (Conversation *conversation = roomConversation(room))
            conversation->appendNotice(tr("%1 left %2.").arg(shown, room));
        return;
    }
    m_room->appendNotice(tr("%1 left the chat.").arg(shown));
    if (Conversation *conversation = privateConversation(name))
        conversation->appendNotice(tr("%1 went offline.").arg(shown));
}

void MainWindow::announceLoss(const QString &reason)
{
    if (m_lossAnnounced || !m_wasJoined)
        return;
    m_lossAnnounced = true;
    const QString text = reason.isEmpty() ? tr("Connection lost. Reconnecting…")
                                          : tr("Connection lost: %1 Reconnecting…").arg(reason);
    m_room->appendNotice(text, Conversation::Kind::Error);
    for (Conversation *conversation : std::as_const(m_privates))
        conversation->appendNotice(text, Conversation::Kind::Error);
}

void MainWindow::onConnectionError(ChatClient::ConnectionError error, const QString &text)
{
    // A changed certificate may be an attack: said where it cannot be missed.
    if (error == ChatClient::ConnectionError::CertificateRejected && !m_certificateDeclined) {
        auto *box = new QMessageBox(QMessageBox::Critical, tr("Certificate Changed"),
                                    DisplayText::neutralized(text), QMessageBox::Close, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setTextInteractionFlags(Qt::TextSelectableByMouse);
        box->open();
    }
    m_certificateDeclined = false;
    QString reason = m_serverErrorBeforeJoin.isEmpty() ? DisplayText::neutralized(text)
                                                       : m_serverErrorBeforeJoin;
    m_serverErrorBeforeJoin.clear();
    if (!reason.isEmpty() && !reason.endsWith(u'.'))
        reason += u'.';
    m_lastError = reason;
    if (m_dialog && m_dialog->isVisible() && m_dialog->isBusy()) {
        m_dialog->showError(reason, ConnectDialog::Field::Host);
    } else if (m_wasJoined) {
        announceLoss(reason);
    } else if (!m_dialog || !m_dialog->isVisible()) {
        openConnectDialog();
        m_dialog->showError(reason, ConnectDialog::Field::Host);
    }
    updateStatus();
}

void MainWindow::onNameRefused(const QString &reason)
{
    const QString text = DisplayText::neutralized(reason);
    if (!m_dialog || !m_dialog->isVisible())
        openConnectDialog();
    m_dialog->showError(text, ConnectDialog::Field::Name);
}

void MainWindow::onLoginRefused(const QString &code, const QString &text)
{
    if (!m_dialog || !m_dialog->isVisible())
        openConnectDialog();
    // A registered name wants its password, or another name.
    m_dialog->showError(DisplayText::neutralized(text), ConnectDialog::Field::Password);
    Q_UNUSED(code)
}

void MainWindow::changePassword()
{
    if (!m_client->isLoggedIn()) {
        currentConversation()->appendNotice(tr("Only an account has a password: connect with "
                                               "one."),
                                            Conversation::Kind::Error);
        return;
    }
    auto *dialog = new ChangePasswordDialog(m_client->name(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const SendResult result =
            m_client->changePassword(dialog->oldPassword(), dialog->newPassword());
        if (!result.isAccepted()) {
            currentConversation()->appendNotice(result.reason, Conversation::Kind::Error);
            return;
        }
        m_passwordToRemember = dialog->newPassword();
        m_rememberPassword =
            QSettings().value(QStringLiteral("connection/rememberPassword")).toBool();
    });
    m_changePasswordDialog = dialog;
    dialog->open();
}

// After a login or a password change: the keyring holds the password if the
// person asked for it, and nothing otherwise.
void MainWindow::rememberPassword()
{
    const QString key = keyringKey(m_client->servers(), m_client->requestedName());
    if (m_rememberPassword && m_client->isLoggedIn() && !m_passwordToRemember.isEmpty())
        m_keyring->write(key, m_passwordToRemember);
    else if (!m_rememberPassword)
        m_keyring->remove(key);
    m_passwordToRemember.fill(u'\0');
    m_passwordToRemember.clear();
}

void MainWindow::onReconnectScheduled(int attempt, int delayMs)
{
    Q_UNUSED(attempt)
    Q_UNUSED(delayMs) // the session has both; updateStatus() asks it
    announceLoss({});
    m_countdown.start();
    updateStatus();
}

void MainWindow::onDisconnected()
{
    if (m_wasJoined) {
        m_room->appendNotice(tr("Disconnected."));
        for (Conversation *conversation : std::as_const(m_privates))
            conversation->appendNotice(tr("Disconnected."));
    }
    m_wasJoined = false;
    m_lossAnnounced = false;
    m_users->setUsers({});
    updateStatus();
    updateTitle();
}

// --- state on screen -----------------------------------------------------------------------

void MainWindow::updateStatus()
{
    // The server of the list connected or being tried, not the whole list.
    const QString where = m_client->server().toString();
    QString text;
    switch (m_client->status()) {
    case ChatClient::Status::Disconnected:
        text =
            m_lastError.isEmpty() ? tr("Not connected.") : tr("Not connected. %1").arg(m_lastError);
        break;
    case ChatClient::Status::Connecting:
        text = tr("Connecting to %1…").arg(where);
        break;
    case ChatClient::Status::Joining:
        text =
            tr("Joining %1 as %2…").arg(where, DisplayText::neutralized(m_client->requestedName()));
        break;
    case ChatClient::Status::Joined:
        text = tr("Connected to %1 as %2.").arg(where, DisplayText::neutralized(m_client->name()));
        break;
    case ChatClient::Status::Reconnecting: {
        const qint64 seconds = (qMax(0, m_client->reconnectRemainingMs()) + 999) / 1000;
        text = seconds > 0 ? tr("Offline. Reconnecting to %1 in %2 s (attempt %3).")
                                 .arg(where)
                                 .arg(seconds)
                                 .arg(m_client->reconnectAttempt())
                           : tr("Offline. Reconnecting to %1…").arg(where);
        if (!m_lastError.isEmpty())
            text += u' ' + tr("Last error: %1").arg(m_lastError);
        break;
    }
    }
    m_statusLabel->setText(text);
    const bool encrypted =
        m_client->status() == ChatClient::Status::Joined && m_client->isEncrypted();
    m_lockButton->setVisible(encrypted);
    m_certificateAction->setEnabled(encrypted);

    const bool online = m_client->status() != ChatClient::Status::Disconnected;
    m_disconnectAction->setEnabled(online);
    m_reconnectAction->setEnabled(m_client->status() == ChatClient::Status::Reconnecting);
    m_changePasswordAction->setEnabled(online && m_client->isLoggedIn());
    const int count = int(m_users->users().size());
    m_userHeader->setToolTip(m_client->status() == ChatClient::Status::Joined
                                     && !m_client->serverSpeaksRichProtocol()
                                 ? tr("This server speaks only the seed protocol and "
                                      "does not list who is online.")
                                 : QString());
    if (m_client->status() != ChatClient::Status::Joined)
        m_userHeader->setText(tr("Online"));
    else if (!m_client->serverSpeaksRichProtocol())
        m_userHeader->setText(tr("Online — unknown"));
    else
        m_userHeader->setText(
            tr("%1 — %2").arg(DisplayText::neutralized(currentRoom())).arg(count));
}

void MainWindow::updateTitle()
{
    QString title = tr("PyNet Chat");
    if (m_client->status() == ChatClient::Status::Joined || m_wasJoined)
        title = tr("%1 on %2 — PyNet Chat")
                    .arg(DisplayText::neutralized(m_client->name()), m_client->host());
    const int unread = unreadCount();
    if (unread > 0)
        title = QStringLiteral("(%1) %2").arg(unread).arg(title);
    setWindowTitle(title);
}

void MainWindow::updateTab(Conversation *conversation)
{
    const int index = m_tabs->indexOf(viewFor(conversation));
    if (index < 0)
        return;
    QString title = DisplayText::neutralized(conversation->isPrivate() ? conversation->peer()
                                                                       : conversation->room());
    if (conversation->unreadCount() > 0)
        title += QStringLiteral(" (%1)").arg(conversation->unreadCount());
    m_tabs->setTabText(index, title);
    m_tabs->tabBar()->setTabTextColor(
        index, conversation->hasUnreadHighlight() ? palette().color(QPalette::Link) : QColor());
}

void MainWindow::updateActiveConversation()
{
    Conversation *current = currentConversation();
    const bool active = isActiveWindow() && !isMinimized();
    for (Conversation *conversation : std::as_const(m_rooms))
        conversation->setActive(active && current == conversation);
    for (Conversation *conversation : std::as_const(m_privates))
        conversation->setActive(active && current == conversation);
}

void MainWindow::updateInputPlaceholder()
{
    Conversation *conversation = currentConversation();
    QString text;
    if (m_input->isEnabled() && m_client->status() != ChatClient::Status::Joined)
        text = tr("Connecting: what you send now goes out once joined");
    else if (m_client->status() != ChatClient::Status::Joined)
        text = tr("Offline: you can type once the connection is back");
    else if (conversation->isPrivate())
        text = tr("Message %1 privately").arg(DisplayText::neutralized(conversation->peer()));
    else
        text = tr("Message %1 (/help for commands)")
                   .arg(DisplayText::neutralized(conversation->room()));
    m_input->setPlaceholderText(text);
    m_closeTabAction->setEnabled(conversation != m_room);
}

void MainWindow::changeEvent(QEvent *event)
{
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::ActivationChange || event->type() == QEvent::WindowStateChange)
        updateActiveConversation();
    if (event->type() == QEvent::PaletteChange) {
        for (Conversation *conversation : m_views.keys())
            updateTab(conversation);
    }
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("window/showUsers"), m_showUsersAction->isChecked());
    settings.setValue(QStringLiteral("window/showWire"), wireAction()->isChecked());
    if (m_client->status() != ChatClient::Status::Disconnected)
        m_client->disconnectFromServer();
    if (m_tray)
        m_tray->hide();
    event->accept();
}

void MainWindow::runRoomCommand(Conversation *conversation, const ChatCommand &command)
{
    SendResult result;
    switch (command.kind) {
    case ChatCommand::Kind::Join:
        joinRoom(command.target);
        m_input->commit();
        return;
    case ChatCommand::Kind::Part:
        result = m_client->leaveRoom(command.target.isEmpty() ? currentRoom() : command.target);
        break;
    case ChatCommand::Kind::Rooms:
        openRoomDialog();
        m_input->commit();
        return;
    case ChatCommand::Kind::Topic:
        if (command.text.isEmpty()) {
            const ChatRoom *room = m_client->room(currentRoom());
            conversation->appendNotice(
                room && !room->topic.isEmpty()
                    ? tr("Topic of %1: %2").arg(room->name, DisplayText::neutralized(room->topic))
                    : tr("%1 has no topic.").arg(currentRoom()));
            m_input->commit();
            return;
        }
        result = m_client->setTopic(currentRoom(), command.text);
        break;
    case ChatCommand::Kind::History:
        if (!command.target.isEmpty())
            loadOlder(openPrivate(command.target, true));
        else if (currentConversation()->isPrivate())
            loadOlder(currentConversation());
        else
            loadOlder(roomConversation(currentRoom()));
        m_input->commit();
        return;
    case ChatCommand::Kind::Window: {
        const QList<ChatRoom> rooms = m_client->rooms();
        if (command.number > rooms.size()) {
            conversation->appendNotice(tr("There is no window %1.").arg(command.number),
                                       Conversation::Kind::Error);
            return;
        }
        m_tabs->setCurrentWidget(viewFor(roomConversation(rooms.at(command.number - 1).name)));
        m_input->commit();
        return;
    }
    default:
        return;
    }
    if (!result.isAccepted()) {
        conversation->appendNotice(result.reason, Conversation::Kind::Error);
        return;
    }
    m_input->commit();
}

// --- rooms ---------------------------------------------------------------------------------

QString MainWindow::roomsSettingsKey(const QString &host, quint16 port)
{
    return QStringLiteral("rooms/%1:%2").arg(host).arg(port);
}

// The servers of one cluster share their rooms: one key for the list.
QString MainWindow::roomsSettingsKey(const QList<ServerEndpoint> &servers)
{
    if (servers.size() == 1)
        return roomsSettingsKey(servers.constFirst().host, servers.constFirst().port);
    return QStringLiteral("rooms/%1").arg(ServerEndpoint::listToString(servers));
}

QString MainWindow::serversText(const QList<ServerEndpoint> &servers)
{
    if (servers.size() == 1)
        return servers.constFirst().host;
    return ServerEndpoint::listToString(servers).replace(u',', QLatin1StringView(", "));
}

// One password for the whole list, whichever server it was typed for.
QString MainWindow::keyringKey(const QList<ServerEndpoint> &servers, const QString &name)
{
    if (servers.size() == 1)
        return PasswordKeyring::keyFor(servers.constFirst().host, servers.constFirst().port, name);
    return PasswordKeyring::keyFor(ServerEndpoint::listToString(servers), 0, name);
}

Conversation *MainWindow::roomConversation(const QString &room) const
{
    return m_rooms.value(Validation::roomKey(room));
}

// The room of the current tab; the default room while a private one is shown.
QString MainWindow::currentRoom() const
{
    const Conversation *conversation = currentConversation();
    return conversation->isPrivate() ? m_room->room() : conversation->room();
}

void MainWindow::joinRoom(const QString &room)
{
    if (Conversation *conversation = roomConversation(room)) {
        m_tabs->setCurrentWidget(viewFor(conversation));
        return;
    }
    const SendResult result = m_client->enterRoom(room);
    if (!result.isAccepted()) {
        currentConversation()->appendNotice(result.reason, Conversation::Kind::Error);
        return;
    }
    m_switchToRoom = room;
}

void MainWindow::openRoomDialog()
{
    if (!m_roomDialog) {
        m_roomDialog = new RoomListDialog(this);
        m_roomDialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(m_roomDialog, &RoomListDialog::joinRequested, this, &MainWindow::joinRoom);
    }
    const SendResult result = m_client->requestRooms();
    if (!result.isAccepted()) {
        currentConversation()->appendNotice(result.reason, Conversation::Kind::Error);
        m_roomDialog->close();
        return;
    }
    m_roomDialog->show();
    m_roomDialog->raise();
}

Conversation *MainWindow::openRoom(const QString &room)
{
    if (Conversation *conversation = roomConversation(room))
        return conversation;
    auto *conversation = new Conversation({}, this);
    conversation->setRoom(room);
    m_rooms.insert(Validation::roomKey(room), conversation);
    ConversationView *view = addConversationTab(conversation, room);
    // Rooms come before the private tabs, in the order they were entered.
    m_tabs->tabBar()->moveTab(m_tabs->indexOf(view), int(m_rooms.size()) - 1);
    connect(view, &ConversationView::scrolledToTop, this,
            [this, conversation] { loadOlder(conversation); });
    connect(conversation, &Conversation::unreadChanged, this, &MainWindow::updateRoomList);
    updateRoomList();
    return conversation;
}

void MainWindow::closeRoom(const QString &room)
{
    Conversation *conversation = roomConversation(room);
    if (!conversation || conversation == m_room)
        return;
    m_rooms.remove(Validation::roomKey(room));
    ConversationView *view = viewFor(conversation);
    m_views.remove(conversation);
    m_tabs->removeTab(m_tabs->indexOf(view));
    delete view;
    delete conversation;
    updateRoomList();
    saveRooms();
    updateTitle();
}

void MainWindow::onRoomEntered(const ChatRoom &room, bool afterReconnect)
{
    Conversation *conversation = openRoom(room.name);
    if (!afterReconnect && !room.isDefault())
        conversation->appendNotice(
            room.topic.isEmpty()
                ? tr("You are in %1.").arg(room.name)
                : tr("You are in %1: %2").arg(room.name, DisplayText::neutralized(room.topic)));
    if (Validation::roomKey(room.name) == Validation::roomKey(m_switchToRoom)) {
        m_switchToRoom.clear();
        m_tabs->setCurrentWidget(viewFor(conversation));
    }
    updateRoomList();
    updateTopic();
    updateUserList();
    saveRooms();
}

void MainWindow::onTopicChanged(const QString &room, const QString &text, const QString &by)
{
    if (Conversation *conversation = roomConversation(room)) {
        const QString who = by.isEmpty() ? tr("Someone") : DisplayText::neutralized(by);
        conversation->appendNotice(
            text.isEmpty() ? tr("%1 cleared the topic.").arg(who)
                           : tr("%1 set the topic: %2").arg(who, DisplayText::neutralized(text)));
    }
    updateTopic();
}

void MainWindow::loadOlder(Conversation *conversation)
{
    if (!conversation || conversation->isLoadingOlder())
        return;
    if (conversation->isPrivate()) {
        // Only accounts keep conversations; a guest's are what this window saw.
        if (m_client->isLoggedIn() && m_client->status() == ChatClient::Status::Joined
            && m_client->hasOlderPrivateMessages(conversation->peer())
            && m_client->requestOlderPrivateHistory(conversation->peer()).isAccepted())
            conversation->setLoadingOlder(true);
        return;
    }
    const ChatRoom *room = m_client->room(conversation->room());
    if (!room || !room->hasOlderMessages)
        return;
    if (m_client->requestOlderHistory(room->name).isAccepted())
        conversation->setLoadingOlder(true);
}

void MainWindow::onHistoryReceived(const QString &room, const QList<ChatMessage> &messages,
                                   bool more)
{
    Conversation *conversation = roomConversation(room);
    if (!conversation)
        return;
    const QString self = Validation::nameKey(m_client->name());
    QList<Conversation::Entry> entries;
    for (const ChatMessage &message : messages) {
        Conversation::Entry entry;
        entry.kind = message.action ? Conversation::Kind::Action : Conversation::Kind::Message;
        entry.time = message.time;
        entry.sender = DisplayText::neutralized(message.from);
        entry.text = DisplayText::neutralized(message.text, true);
        entry.own = Validation::nameKey(message.from) == self;
        entries.append(entry);
    }
    if (!more) {
        Conversation::Entry start;
        start.kind = Conversation::Kind::Notice;
        start.time = entries.isEmpty() ? QDateTime() : entries.constFirst().time;
        start.text = tr("This is the beginning of %1.").arg(room);
        entries.prepend(start);
    }
    conversation->prepend(entries);
}

void MainWindow::onPrivateHistoryReceived(const QString &with, const QList<ChatMessage> &messages,
                                          bool more)
{
    Conversation *conversation = privateConversation(with);
    if (!conversation)
        return; // closed meanwhile
    const QString self = Validation::nameKey(m_client->name());
    QList<Conversation::Entry> entries;
    for (const ChatMessage &message : messages) {
        Conversation::Entry entry;
        entry.kind = message.action ? Conversation::Kind::Action : Conversation::Kind::Message;
        entry.time = message.time;
        entry.sender = DisplayText::neutralized(message.from);
        entry.text = DisplayText::neutralized(message.text, true);
        entry.own = Validation::nameKey(message.from) == self;
        entries.append(entry);
    }
    if (!more) {
        Conversation::Entry start;
        start.kind = Conversation::Kind::Notice;
        start.time = entries.isEmpty() ? QDateTime() : entries.constFirst().time;
        start.text = entries.isEmpty() && conversation->entries().size() <= 1
            ? tr("Nothing kept yet of your conversation with %1.")
                  .arg(DisplayText::neutralized(with))
            : tr("This is the beginning of your conversation with %1.")
                  .arg(DisplayText::neutralized(with));
        entries.prepend(start);
    }
    conversation->prepend(entries);
}

void MainWindow::onPrivateHistoryFailed(const QString &with, const QString &code,
                                        const QString &text)
{
    Conversation *conversation = privateConversation(with);
    if (!conversation)
        return;
    conversation->setLoadingOlder(false);
    // A guest's conversation is simply not kept: news, not a failure.
    conversation->appendNotice(DisplayText::neutralized(text),
                               code == Protocol::Code::NoSuchUser ? Conversation::Kind::Notice
                                                                  : Conversation::Kind::Error);
}

void MainWindow::updateRoomList()
{
    const QSignalBlocker blocker(m_roomList);
    m_roomList->clear();
    const Conversation *current = currentConversation();
    for (const ChatRoom &room : m_client->rooms()) {
        Conversation *conversation = roomConversation(room.name);
        if (!conversation)
            continue;
        QString text = DisplayText::neutralized(room.name);
        if (conversation->unreadCount() > 0)
            text += QStringLiteral("  (%1)").arg(conversation->unreadCount());
        auto *item = new QListWidgetItem(text, m_roomList);
        item->setData(Qt::UserRole, room.name);
        item->setToolTip(DisplayText::neutralized(room.topic));
        if (conversation->hasUnreadHighlight())
            item->setForeground(palette().color(QPalette::Link));
        QFont font = item->font();
        font.setBold(conversation->unreadCount() > 0);
        item->setFont(font);
        if (conversation == current)
            m_roomList->setCurrentItem(item);
    }
}

void MainWindow::updateTopic()
{
    const Conversation *conversation = currentConversation();
    const ChatRoom *room =
        conversation->isPrivate() ? nullptr : m_client->room(conversation->room());
    m_topicLabel->setVisible(room);
    if (!room)
        return;
    m_topicLabel->setText(
        room->topic.isEmpty()
            ? tr("%1 — no topic; /topic TEXT sets one").arg(room->name)
            : tr("%1 — %2").arg(room->name, DisplayText::neutralized(room->topic)));
}

void MainWindow::updateUserList()
{
    const QStringList users = m_client->users(currentRoom());
    const ChatRoom *room = m_client->room(currentRoom());
    m_users->setRoles(room ? room->owner : QString(), room ? room->operators : QStringList());
    m_users->setUsers(users);
    m_input->setCompletionNames(users);
}

void MainWindow::saveRooms()
{
    if (m_client->host().isEmpty())
        return;
    QStringList rooms;
    for (const ChatRoom &room : m_client->rooms()) {
        if (!room.isDefault())
            rooms.append(room.name);
    }
    QSettings().setValue(roomsSettingsKey(m_client->servers()), rooms);
}

RoomListDialog *MainWindow::roomListDialog() const
{
    return m_roomDialog;
}
