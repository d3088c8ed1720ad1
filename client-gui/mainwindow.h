// SPDX-License-Identifier: MIT
#pragma once

#include "changepassworddialog.h"
#include "chatclient.h"
#include "chatcommand.h"
#include "conversation.h"

#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

class ConnectDialog;
class PasswordKeyring;
class ConversationView;
class FindBar;
class InputLine;
class QAction;
class QDockWidget;
class QInputDialog;
class QLabel;
class QListView;
class QListWidget;
class QMenu;
class QMessageBox;
class QToolButton;
class RoomListDialog;
class QSplitter;
class QSystemTrayIcon;
class QTabWidget;
class UserListModel;
class WireView;

// The chat window: the room and private conversations in tabs, the input line,
// who is online, and the connection's state. All talking to the server goes
// through one ChatClient session.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    ChatClient *client() const { return m_client; }

    // Connects without asking; errors open the connect dialog. host may be a
    // list to fail over between ("a:5050,b"); port is for entries without one.
    void connectTo(const QString &host, quint16 port, const QString &name);
    void connectTo(const QList<ServerEndpoint> &servers, const QString &name);
    // Shows the connect dialog (window-modal once the window is on screen).
    void openConnectDialog();
    ConnectDialog *connectDialog() const { return m_dialog; }
    ChangePasswordDialog *changePasswordDialog() const { return m_changePasswordDialog; }

    // The default room's conversation, always there.
    Conversation *room() const { return m_room; }
    // The conversation of a room the session is in, or null.
    Conversation *roomConversation(const QString &room) const;
    // The side panel: one row per room, with its unread count.
    QListWidget *roomList() const { return m_roomList; }
    QLabel *topicLabel() const { return m_topicLabel; }
    RoomListDialog *roomListDialog() const;
    // The rooms to enter again on the next start, per server (QSettings).
    static QString roomsSettingsKey(const QString &host, quint16 port);
    static QString roomsSettingsKey(const QList<ServerEndpoint> &servers);
    // The servers as the connect dialog's field shows them: the host alone for
    // one (its port in the port field), else the list with every port.
    static QString serversText(const QList<ServerEndpoint> &servers);
    // The keyring's name for name's password on these servers.
    static QString keyringKey(const QList<ServerEndpoint> &servers, const QString &name);
    // The private conversation with name, or null.
    Conversation *privateConversation(const QString &name) const;
    Conversation *currentConversation() const;
    ConversationView *viewFor(Conversation *conversation) const;
    // Opens (or finds) the private conversation with name; activate switches to its tab.
    Conversation *openPrivate(const QString &name, bool activate);

    QTabWidget *tabs() const { return m_tabs; }
    InputLine *inputLine() const { return m_input; }
    FindBar *findBar() const { return m_findBar; }
    QListView *userView() const { return m_userView; }
    UserListModel *userModel() const { return m_users; }
    // View > Wire: the session traces while it is open, and only then.
    QDockWidget *wireDock() const { return m_wireDock; }
    WireView *wireView() const { return m_wireView; }
    QAction *wireAction() const;
    // The lock in the status bar: shown while the connection is encrypted;
    // clicking it (or Chat > Server Certificate) shows the certificate.
    QToolButton *lockButton() const { return m_lockButton; }
    QAction *certificateAction() const { return m_certificateAction; }
    void showCertificate();
    // The open trust-on-first-use question, or null.
    QMessageBox *trustPrompt() const;
    QString statusText() const;
    int unreadCount() const;
    // The member list's context menu while it is open (moderation for room
    // operators), the room list's, and the menu bar's Room menu.
    QMenu *userMenu() const;
    QMenu *roomContextMenu() const;
    QMenu *roomMenu() const { return m_roomMenu; }
    // The question for a kick's, ban's or mute's reason while it is open.
    QInputDialog *reasonDialog() const;

Q_SIGNALS:
    // Someone mentioned the user or wrote privately while the window was not active.
    void attentionRequested(const QString &title, const QString &text);

protected:
    void changeEvent(QEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createTray();
    ConversationView *addConversationTab(Conversation *conversation, const QString &title);
    void closeTab(int index);
    void showUserMenu(const QPoint &position);
    void addModerationActions(QMenu *menu, const QString &room, const QString &name);
    void showRoomContextMenu(const QPoint &position);
    void fillRoomMenu(QMenu *menu, const QString &room);
    void askReason(const QString &room, const QString &action, const QString &target);
    void moderate(const QString &room, const QString &action, const QString &target,
                  const QString &reason = {});
    void onModerated(const Wire::Moderated &event);
    void showModes(Conversation *conversation);

    void submitInput(const QString &line);
    void runRoomCommand(Conversation *conversation, const ChatCommand &command);
    void openRoomDialog();
    void joinRoom(const QString &room);
    QString currentRoom() const;
    Conversation *openRoom(const QString &room);
    void closeRoom(const QString &room);
    void onRoomEntered(const ChatRoom &room, bool afterReconnect);
    void onTopicChanged(const QString &room, const QString &text, const QString &by);
    void onHistoryReceived(const QString &room, const QList<ChatMessage> &messages, bool more);
    void onPrivateHistoryReceived(const QString &with, const QList<ChatMessage> &messages,
                                  bool more);
    void onPrivateHistoryFailed(const QString &with, const QString &code, const QString &text);
    void loadOlder(Conversation *conversation);
    void updateRoomList();
    void updateTopic();
    void updateUserList();
    void saveRooms();
    bool sendText(Conversation *conversation, const QString &text, bool action);
    void sendPrivateFrom(Conversation *current, const ChatCommand &command);
    void echoOwn(Conversation *conversation, const QString &text, bool action,
                 const SendResult &result);
    void onSendFailed(const ChatClient::Outgoing &message, const SendResult &result);
    void showHelp(Conversation *conversation);
    QString onlineName(const QString &name) const;

    void onStatusChanged(ChatClient::Status status);
    void onJoined(bool afterReconnect);
    void reportPresenceChanges(const QStringList &before, const QStringList &now);
    void onMessage(const ChatMessage &message, bool fromHistory);
    void onUserJoined(const QString &name, const QString &room);
    void onUserLeft(const QString &name, const QString &room);
    void onConnectionError(ChatClient::ConnectionError error, const QString &text);
    void onNameRefused(const QString &reason);
    void onLoginRefused(const QString &code, const QString &text);
    void changePassword();
    void rememberPassword();
    void onReconnectScheduled(int attempt, int delayMs);
    void onDisconnected();
    void onConnectRequested(const QString &host, quint16 port, const QString &name);
    void onCertificateNeedsTrust(const QString &fingerprint, const QSslCertificate &certificate,
                                 const QString &reason);
    void onDialogRejected();
    void announceLoss(const QString &reason);
    void notify(Conversation *conversation, const QString &title, const QString &text);

    void updateStatus();
    void updateTitle();
    void updateTab(Conversation *conversation);
    void updateActiveConversation();
    void updateInputPlaceholder();
    void pageConversation(int direction);

    ChatClient *m_client;
    Conversation *m_room;
    QHash<QString, Conversation *> m_privates; // by Validation::nameKey
    QHash<QString, Conversation *> m_rooms; // by Validation::roomKey, the default room too
    QHash<Conversation *, ConversationView *> m_views;

    QSplitter *m_splitter;
    QListWidget *m_roomList;
    QLabel *m_topicLabel;
    QPointer<RoomListDialog> m_roomDialog;
    QString m_switchToRoom; // asked for by /join or the dialog: shown once entered
    QTabWidget *m_tabs;
    FindBar *m_findBar;
    InputLine *m_input;
    QListView *m_userView;
    UserListModel *m_users;
    QLabel *m_userHeader;
    QLabel *m_statusLabel;
    QToolButton *m_lockButton;
    QPointer<QMessageBox> m_trustPrompt;
    QPointer<QMessageBox> m_certificateBox;
    QDockWidget *m_wireDock;
    WireView *m_wireView;
    QPointer<ConnectDialog> m_dialog;
    QPointer<ChangePasswordDialog> m_changePasswordDialog;
    QPointer<QMenu> m_userMenu;
    QPointer<QMenu> m_roomContextMenu;
    QPointer<QInputDialog> m_reasonDialog;
    QMenu *m_roomMenu = nullptr;
    PasswordKeyring *m_keyring = nullptr;
    // The dialog's password while its login is under way, for the keyring
    // once it works; then a password change's new one, until answered.
    QString m_passwordToRemember;
    bool m_rememberPassword = false;
    QSystemTrayIcon *m_tray = nullptr;
    QPointer<Conversation> m_notifiedConversation;

    QAction *m_connectAction = nullptr;
    QAction *m_disconnectAction = nullptr;
    QAction *m_reconnectAction = nullptr;
    QAction *m_changePasswordAction = nullptr;
    QAction *m_closeTabAction = nullptr;
    QAction *m_showUsersAction = nullptr;
    QAction *m_certificateAction = nullptr;

    QString m_lastError;
    QString m_serverErrorBeforeJoin;
    QTimer m_countdown;
    bool m_wasJoined = false;
    bool m_lossAnnounced = false;
    bool m_certificateDeclined = false; // the user said no: nothing to warn about
    int m_historyLines = 0; // of the welcome being read, for the line that sums it up
    QStringList m_usersAtDrop;
};
