// SPDX-License-Identifier: MIT
#pragma once

#include "chatmessage.h"
#include "jsonframedecoder.h"

#include <QAbstractSocket>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QStringList>
#include <QTimer>

class QTcpSocket;

// One user's session with a PyNet Chat server, shared by the console and the
// desktop client: connect, join, send, receive, keep the connection alive and
// come back after it drops.
//
// Against our server the session speaks the richer protocol (welcome, presence,
// user list, private messages, ping). Against a server written literally from the
// seed spec, which would choke on two messages in one read, it sends only the
// join and then chat messages, spaced apart, once it has decided no welcome is
// coming (welcomeTimeout) or a plain message has arrived.
class ChatClient : public QObject
{
    Q_OBJECT
public:
    enum class Status {
        Disconnected, // idle, or given up
        Connecting, // TCP connection under way
        Joining, // connected, join sent, waiting for the server's verdict
        Joined, // chatting
        Reconnecting, // the connection dropped; waiting to try again
    };
    Q_ENUM(Status)

    explicit ChatClient(QObject *parent = nullptr);
    ~ChatClient() override;

    // Settings; change them before connectToServer().
    void setClientName(const QString &clientName); // sent in the join, e.g. "pynet-cli 0.1.0"
    void setAutoReconnect(bool enabled); // default true: reconnect after a joined session drops
    void setReconnectDelays(int firstMs, int maxMs); // back-off bounds, default 1 s to 30 s
    void setKeepAliveInterval(int ms); // ping after this much silence, default 30 s; 0 = off
    void setWelcomeTimeout(int ms); // wait for a welcome before assuming a seed server, 2 s
    void setLegacySendInterval(int ms); // gap between messages to a seed server, 100 ms

    // Connects and joins as name. Failure to connect the first time is final
    // (connectionError, then disconnected); a drop after joining reconnects.
    void connectToServer(const QString &host, quint16 port, const QString &name);

    // After nameRefused: try another name on the same connection.
    void join(const QString &name);

    // Leaves: writes everything already sent, closes, and does not reconnect.
    // disconnected() follows.
    void disconnectFromServer();

    // Each returns false, and does nothing, unless the status is Joined and the
    // text is valid; rich-only requests also need a server that speaks our protocol.
    bool sendChat(const QString &text);
    bool sendAction(const QString &text);
    bool sendPrivate(const QString &to, const QString &text);
    bool requestUsers();

    Status status() const { return m_status; }
    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    QString name() const { return m_name; } // as the server confirmed it
    bool serverSpeaksRichProtocol() const { return m_rich; }
    QString serverName() const { return m_serverName; }
    QString serverVersion() const { return m_serverVersion; }
    QStringList users() const { return m_users; } // online users, self included
    qint64 lastMessageId() const { return m_lastMessageId; }
    bool hasPendingWrites() const; // queued or unwritten bytes remain

Q_SIGNALS:
    void statusChanged(ChatClient::Status status);
    // The server accepted the join. afterReconnect: this is a rejoin, and the
    // history that follows is what was missed while away.
    void joined(bool afterReconnect);
    // A chat message for the room or for us. fromHistory: sent in the welcome
    // (recent history on a first join, missed messages on a rejoin).
    void messageReceived(const ChatMessage &message, bool fromHistory);
    void userJoined(const QString &name);
    void userLeft(const QString &name);
    void usersChanged(const QStringList &users);
    void noticeReceived(const QString &text);
    // An error the server reported, or a protocol violation by the server
    // (codes as in docs/PROTOCOL.md). Not fatal by itself.
    void errorReceived(const QString &code, const QString &text);
    // The server refused the name; the connection stays open for join().
    void nameRefused(const QString &reason);
    // Could not connect, or the connection was lost; text says why.
    void connectionError(const QString &text);
    void reconnectScheduled(int attempt, int delayMs);
    // Every object the server sent, unmodified, for --json output and bots.
    void eventReceived(const QJsonObject &event);
    // Everything queued so far has been handed to the operating system.
    void allWritten();
    // The session ended for good: status is Disconnected and no reconnect is pending.
    void disconnected();

private:
    void setStatus(Status status);
    void startConnection();
    void onConnected();
    void onReadyRead();
    void onBytesWritten();
    void onSocketError(QAbstractSocket::SocketError error);
    void onSocketClosed();
    void handleObject(const QJsonObject &object);
    void handleWelcome(const QJsonObject &object);
    void handleMessage(const QJsonObject &object);
    void handlePresence(const QJsonObject &object);
    void handleError(const QJsonObject &object);
    void becomeJoined(bool rich);
    void dropConnection(const QString &reason);
    void scheduleReconnect();
    void sendObject(const QJsonObject &object);
    void writeQueued();
    void onKeepAliveTick();
    void setUsers(const QStringList &users);

    QTcpSocket *m_socket;
    JsonFrameDecoder m_decoder;
    QTimer m_welcomeTimer;
    QTimer m_reconnectTimer;
    QTimer m_keepAliveTimer;
    QTimer m_legacySendTimer;
    QElapsedTimer m_sinceLastReceive;

    QString m_host;
    quint16 m_port = 0;
    QString m_requestedName;
    QString m_name;
    QString m_clientName;
    QString m_serverName;
    QString m_serverVersion;
    QString m_sessionToken;
    QString m_serverRun; // which server run m_lastMessageId counts in
    QStringList m_users;
    QList<QByteArray> m_sendQueue; // spaced out for a seed server
    Status m_status = Status::Disconnected;
    qint64 m_lastMessageId = 0;
    qint64 m_nextPingId = 1;
    int m_reconnectAttempt = 0;
    int m_firstReconnectDelay = 1000;
    int m_maxReconnectDelay = 30000;
    int m_keepAliveInterval = 30000;
    bool m_autoReconnect = true;
    bool m_rich = false;
    bool m_everJoined = false;
    bool m_leaving = false;
    bool m_pingOutstanding = false;
};
