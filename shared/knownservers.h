// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

class QSslCertificate;

// Trust on first use for TLS servers whose certificate no CA vouches for (a
// self-signed one, say), as SSH's known_hosts and Quassel do: host:port ->
// the SHA-256 fingerprint a person accepted, one "host:port FINGERPRINT" line
// each, in a file the console and desktop clients share.
class KnownServers
{
public:
    // path: the file; defaultPath() unless a test or a front end says otherwise.
    explicit KnownServers(const QString &path = defaultPath());

    // $XDG_DATA_HOME/pynet/known-servers (~/.local/share/pynet/known-servers).
    static QString defaultPath();
    // "AB:CD:...": SHA-256 of the certificate's DER, upper-case hex in pairs.
    static QString fingerprintOf(const QSslCertificate &certificate);

    QString path() const { return m_path; }
    // The fingerprint accepted for host:port; empty when none was.
    QString fingerprint(const QString &host, quint16 port) const;
    // Remembers fingerprint for host:port, replacing what was there; false with
    // the reason when the file cannot be written.
    bool remember(const QString &host, quint16 port, const QString &fingerprint,
                  QString *error = nullptr);

private:
    QString m_path;
};
