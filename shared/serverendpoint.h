// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

// One server a client may connect to: a host (a name or an address) and a
// port. A client given several tries them in turn (ChatClient::connectToServer).
struct ServerEndpoint
{
    QString host;
    quint16 port = 0;

    // host:port, an IPv6 address in brackets ([::1]:5050), as parseList() reads it.
    QString toString() const;
    bool operator==(const ServerEndpoint &other) const
    {
        return host == other.host && port == other.port;
    }
    bool operator!=(const ServerEndpoint &other) const { return !(*this == other); }

    // Reads "a:5050,b,[::1]:5051": comma-separated, spaces around entries
    // ignored, an entry without a port takes defaultPort. False, with the
    // reason in words, for an empty list or entry, a bad port, or an IPv6
    // address with a port but no brackets.
    static bool parseList(const QString &text, quint16 defaultPort, QList<ServerEndpoint> *servers,
                          QString *error);
    // The list as parseList() reads it back: "a:5050,b:5050".
    static QString listToString(const QList<ServerEndpoint> &servers);
};
Q_DECLARE_METATYPE(ServerEndpoint)
