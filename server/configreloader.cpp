// SPDX-License-Identifier: MIT
#include "configreloader.h"

#include "chatserver.h"
#include "logging.h"
#include "tlscredentials.h"

ConfigReloader::ConfigReloader(Reader read, const ServerConfig &running, ChatServer *server,
                               QObject *parent)
    : QObject(parent), m_read(std::move(read)), m_running(running), m_server(server)
{ }

bool ConfigReloader::appliesLive(const QString &option)
{
    // Only the listening thread reads it, so it can change between two accepts;
    // every other value is read by the connections' threads without a lock.
    // The certificate and key are read again at every reload (a renewed
    // certificate under the same name too); new connections use them.
    return option == QLatin1StringView("max-clients") || option == QLatin1StringView("tls-cert")
        || option == QLatin1StringView("tls-key");
}

// On or off, TLS waits for a restart; while on, the files are read again.
void ConfigReloader::reloadTls(const ServerConfig &fresh)
{
    if (!m_running.hasTls())
        return;
    if (fresh.hasTls()) {
        m_running.tlsCertificate = fresh.tlsCertificate;
        m_running.tlsKey = fresh.tlsKey;
    }
    QString error;
    const std::optional<QSslConfiguration> tls =
        TlsCredentials::load(m_running.tlsCertificate, m_running.tlsKey, &error);
    if (!tls) {
        qCWarning(lcServer).noquote()
            << "reload: TLS certificate not replaced, still serving the old one:" << error;
        return;
    }
    m_server->setTlsConfiguration(*tls);
    qCInfo(lcServer).noquote() << "reloaded: TLS certificate" << TlsCredentials::describe(*tls);
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
    reloadTls(fresh);
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
