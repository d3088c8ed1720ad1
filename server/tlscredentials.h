// SPDX-License-Identifier: MIT
#pragma once

#include <QSslConfiguration>
#include <QString>

#include <optional>

// The server's certificate chain and private key (--tls-cert, --tls-key, PEM,
// the key RSA or EC and unencrypted), as the configuration every TLS
// connection starts from: TLS 1.2 or later, no client certificates. Loading
// proves the pair by a handshake with itself over loopback, so that a key that
// does not fit its certificate is an error at start or reload, not at every
// client's handshake. The key's bytes never reach a log or an error message.
class TlsCredentials
{
public:
    static std::optional<QSslConfiguration> load(const QString &certificatePath,
                                                 const QString &keyPath, QString *error);
    // "subject, valid until date, SHA-256 fingerprint" for the log.
    static QString describe(const QSslConfiguration &configuration);
};
