// SPDX-License-Identifier: MIT
#include "serverendpoint.h"

#include <QHostAddress>
#include <QStringList>

QString ServerEndpoint::toString() const
{
    const QString shownHost = host.contains(u':') ? QStringLiteral("[%1]").arg(host) : host; // IPv6
    return QStringLiteral("%1:%2").arg(shownHost).arg(port);
}

// A port as people write it: 1 to 65535, digits only.
static bool parsePort(const QString &text, quint16 *port)
{
    bool ok = false;
    const uint value = text.toUInt(&ok);
    if (!ok || value == 0 || value > 65535 || text.startsWith(u'+'))
        return false;
    *port = quint16(value);
    return true;
}

// One entry of the list; *error says what is wrong with it.
static bool parseEntry(const QString &entry, quint16 defaultPort, ServerEndpoint *server,
                       QString *error)
{
    QString host = entry;
    QString port;
    if (entry.contains(QLatin1StringView("://"))) {
        *error = QStringLiteral("\"%1\" is a URL: write HOST or HOST:PORT").arg(entry);
        return false;
    }
    if (entry.startsWith(u'[')) {
        const qsizetype close = entry.indexOf(u']');
        if (close < 0) {
            *error = QStringLiteral("\"%1\" has no closing ]").arg(entry);
            return false;
        }
        host = entry.mid(1, close - 1);
        const QString rest = entry.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(u':')) {
                *error = QStringLiteral("\"%1\": after ] comes :PORT or nothing").arg(entry);
                return false;
            }
            port = rest.mid(1);
            if (port.isEmpty()) {
                *error = QStringLiteral("\"%1\" has no port after the colon").arg(entry);
                return false;
            }
        }
        if (QHostAddress(host).protocol() != QAbstractSocket::IPv6Protocol) {
            *error = QStringLiteral("\"%1\": brackets are for an IPv6 address").arg(entry);
            return false;
        }
    } else if (entry.count(u':') > 1) {
        // A bare IPv6 address has no port: where it ends is not clear otherwise.
        if (QHostAddress(entry).protocol() != QAbstractSocket::IPv6Protocol) {
            *error = QStringLiteral("\"%1\" is not an address: write an IPv6 address with a "
                                    "port in brackets, as [::1]:5050")
                         .arg(entry);
            return false;
        }
    } else if (entry.contains(u':')) {
        const qsizetype colon = entry.indexOf(u':');
        host = entry.left(colon);
        port = entry.mid(colon + 1);
        if (port.isEmpty()) {
            *error = QStringLiteral("\"%1\" has no port after the colon").arg(entry);
            return false;
        }
    }
    if (host.isEmpty()) {
        *error = QStringLiteral("\"%1\" has no host").arg(entry);
        return false;
    }
    for (const QChar c : std::as_const(host)) {
        if (c.isSpace() || c.category() == QChar::Other_Control || c == u'/' || c == u'['
            || c == u']' || c == u'@') {
            *error = QStringLiteral("\"%1\" is not a host name or address").arg(host);
            return false;
        }
    }
    quint16 number = defaultPort;
    if (!port.isEmpty() && !parsePort(port, &number)) {
        *error = QStringLiteral("\"%1\" is not a port (1 to 65535)").arg(port);
        return false;
    }
    *server = ServerEndpoint { host, number };
    return true;
}

bool ServerEndpoint::parseList(const QString &text, quint16 defaultPort,
                               QList<ServerEndpoint> *servers, QString *error)
{
    QList<ServerEndpoint> result;
    const QStringList entries = text.split(u',');
    for (const QString &raw : entries) {
        const QString entry = raw.trimmed();
        if (entry.isEmpty()) {
            *error = entries.size() == 1 ? QStringLiteral("no server given")
                                         : QStringLiteral("an empty entry in the server list "
                                                          "\"%1\"")
                                               .arg(text.trimmed());
            return false;
        }
        ServerEndpoint server;
        if (!parseEntry(entry, defaultPort, &server, error))
            return false;
        if (!result.contains(server)) // twice in a row would only repeat a failure
            result.append(server);
    }
    *servers = result;
    return true;
}

QString ServerEndpoint::listToString(const QList<ServerEndpoint> &servers)
{
    QStringList entries;
    for (const ServerEndpoint &server : servers)
        entries.append(server.toString());
    return entries.join(u',');
}
