// SPDX-License-Identifier: MIT
#pragma once

#include "serverconfig.h"

#include <QObject>

#include <functional>

class ChatServer;

// What SIGHUP (systemctl reload) does: reads the configuration again the way
// the start did (file, then command line), logs each value that changed, and
// applies those a running server can take. The others are logged as waiting
// for a restart, at every reload until then. The TLS certificate and key are
// read again each time; bad new ones leave the old ones serving.
class ConfigReloader : public QObject
{
    Q_OBJECT
public:
    // Fills a fresh configuration, or returns false with the reason.
    using Reader = std::function<bool(ServerConfig *config, QString *error)>;

    ConfigReloader(Reader read, const ServerConfig &running, ChatServer *server,
                   QObject *parent = nullptr);

    // Whether a reload applies a new value of option without a restart.
    static bool appliesLive(const QString &option);

public Q_SLOTS:
    void reload();

private:
    void reloadTls(const ServerConfig &fresh);

    Reader m_read;
    ServerConfig m_running; // what is in force
    ChatServer *m_server;
};
