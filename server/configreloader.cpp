// SPDX-License-Identifier: MIT
#include "configreloader.h"

#include "chatserver.h"
#include "logging.h"

ConfigReloader::ConfigReloader(Reader read, const ServerConfig &running, ChatServer *server,
                               QObject *parent)
    : QObject(parent), m_read(std::move(read)), m_running(running), m_server(server)
{ }

bool ConfigReloader::appliesLive(const QString &option)
{
    // Only the listening thread reads it, so it can change between two accepts;
    // every other value is read by the connections' threads without a lock.
    return option == QLatin1StringView("max-clients");
}

void ConfigReloader::reload()
{
    ServerConfig fresh;
    QString error;
    if (!m_read(&fresh, &error)) {
        qCWarning(lcServer).noquote() << "reload failed, nothing changed:" << error;
        return;
    }
    const QList<ServerConfig::Change> changes = ServerConfig::differences(m_running, fresh);
    if (changes.isEmpty()) {
        qCInfo(lcServer) << "reloaded: nothing changed";
        return;
    }
    for (const ServerConfig::Change &change : changes) {
        const bool live = appliesLive(change.option);
        qCInfo(lcServer).noquote()
            << QStringLiteral("reloaded: %1 %2 -> %3%4")
                   .arg(change.option, change.before, change.after,
                        live ? QString() : QStringLiteral(" (after a restart)"));
    }
    if (m_running.maxClients != fresh.maxClients) {
        m_running.maxClients = fresh.maxClients;
        m_server->setMaxClients(fresh.maxClients);
    }
}
