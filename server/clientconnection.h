// SPDX-License-Identifier: MIT
#pragma once

#include "jsonframedecoder.h"
#include "tokenbucket.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QObject>

#include <memory>

class Hub;
class Outbox;
class QSocketNotifier;
struct ServerConfig;

// One client, served by its own thread: reads and frames its bytes, checks
// and acts on its messages, and owns its socket's lifetime. The socket is a raw
// descriptor watched by QSocketNotifier, created inside the thread; other
// threads reach the client only through its Outbox. When the client is gone
// the connection ends its thread.
class ClientConnection : public QObject
{
    Q_OBJECT
public:
    // Runs in the accepting thread: stores what start() needs, nothing more.
    ClientConnection(qintptr socketDescriptor, Hub *hub, const ServerConfig *config);
    ~ClientConnection() override;

public Q_SLOTS:
    // Invoked by name, each in this connection's thread; start() first.
    void start();
    void onOutboxReady(); // queued data or an overflow in the Outbox
    void onReplaced(); // the same user joined again on another connection
    void beginShutdown(); // the server is stopping

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    enum class State { Connected, Joined, Closing };

    void onReadable();
    void onWritable();
    void processFrames();
    void handleObject(const QJsonObject &object);
    void handleJoin(const QJsonObject &object);
    void onJoined(const QJsonObject &join);
    void sendPong(const QJsonObject &ping);
    void sendUnknownType(const QString &type);
    void sendAlreadyJoined();
    void handleChat(const QJsonObject &object);
    void handlePrivate(const QJsonObject &object);
    void sendObject(const QJsonObject &object);
    void sendError(QLatin1StringView code, const QString &text);
    // Sends the error, stops reading, lingers so the client can read why.
    void closeWithError(QLatin1StringView code, const QString &text);
    void beginClosing(int lingerMs);
    void finish(const QString &reason);
    void leaveRoom();
    void watchWritable(bool enabled);

    Hub *m_hub;
    const ServerConfig *m_config;
    int m_socket;
    QString m_peer;
    std::shared_ptr<Outbox> m_outbox;
    std::unique_ptr<JsonFrameDecoder> m_decoder;
    std::unique_ptr<TokenBucket> m_bucket;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr; // only while the Outbox holds data
    QBasicTimer m_timer; // join timeout, then keepalive, then linger
    QBasicTimer m_paceTimer; // the next object for a paced (seed) client
    QElapsedTimer m_sinceReceive;
    QString m_name;
    State m_state = State::Connected;
    bool m_rich = false;
    bool m_pingOutstanding = false;
    bool m_rateLimitReported = false;
    bool m_readShutdown = false;
};
