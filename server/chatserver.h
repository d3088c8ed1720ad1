// SPDX-License-Identifier: MIT
#pragma once

#include "hub.h"
#include "serverconfig.h"

#include <QHash>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTimer>

#include <memory>

class Accounts;
class ClientSession;
class QThread;
class TlsListener;

// The listening socket. Every accepted connection gets its own QThread and a
// ClientSession over a TcpTransport created for it; the thread ends when the
// client goes, whichever way it goes, and the server cleans both up. With
// --tls-cert a TlsListener does the same on the TLS port over TlsTransports.
class ChatServer : public QTcpServer
{
    Q_OBJECT
public:
    // storage may be null (--database none); loaded is what it held at start.
    ChatServer(const ServerConfig &config, Storage *storage, const Storage::Loaded &loaded,
               QObject *parent = nullptr);
    ~ChatServer() override;

    // Before start(): where logins go (null, the default: everyone is a guest).
    // Also takes the rooms' moderation rules that accounts keep.
    void setAccounts(Accounts *accounts);
    // The TLS port's credentials (TlsCredentials), before start() when the config
    // has --tls-cert, and again on a reload: new TLS connections use them,
    // connected ones keep theirs.
    void setTlsConfiguration(const QSslConfiguration &tls) { m_tls = tls; }
    bool start(QString *error);
    quint16 tlsPort() const; // 0 without TLS
    Hub &hub() { return m_hub; }
    int connectionCount() const { return int(m_connections.size()); }
    int userCount() const { return m_hub.memberCount(); }
    int roomCount() const { return int(m_hub.rooms().rooms.size()); }
    // From a reload: applies from the next accept; connections over a lowered limit stay.
    void setMaxClients(int maxClients) { m_config.maxClients = maxClients; }

public Q_SLOTS:
    // Tells every client, closes every connection, waits for the threads; then stopped().
    void shutdown();

Q_SIGNALS:
    void stopped();

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void accept(qintptr socketDescriptor, bool tls);
    void refuse(qintptr socketDescriptor, bool tls);
    void onThreadFinished(QThread *thread);
    void stopRemainingThreads();
    void deliverCoalesced();

    ServerConfig m_config;
    Hub m_hub;
    Accounts *m_accounts = nullptr;
    QSslConfiguration m_tls; // copied into each TLS connection as it is accepted
    std::unique_ptr<TlsListener> m_tlsListener;
    QHash<QThread *, ClientSession *> m_connections;
    QTimer m_shutdownDeadline;
    QTimer m_coalescingSweep; // delivers what the hub held back to coalesce
    quint64 m_lastConnectionId = 0; // conn-1, conn-2...: in traces and thread names
    bool m_stopping = false;
};
