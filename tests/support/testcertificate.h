// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QTemporaryDir>

// A self-signed certificate and its key, made with the openssl command (as a
// server's operator would) in a temporary directory, for 127.0.0.1 and
// localhost. EC by default; RSA when asked.
class TestCertificate
{
public:
    enum class KeyType { Ec, Rsa };
    // commonName tells certificates apart in a test's messages.
    explicit TestCertificate(const QString &commonName = QStringLiteral("pynet-test"),
                             KeyType type = KeyType::Ec);

    bool isValid() const { return m_valid; }
    QString error() const { return m_error; }
    QString certificatePath() const { return m_directory.filePath(QStringLiteral("cert.pem")); }
    QString keyPath() const { return m_directory.filePath(QStringLiteral("key.pem")); }
    // "AB:CD:..." as the clients and server print it.
    QString sha256() const { return m_sha256; }
    // Copies this certificate and key over the files at the given paths.
    bool copyTo(const QString &certificatePath, const QString &keyPath) const;

private:
    QTemporaryDir m_directory;
    QString m_sha256;
    QString m_error;
    bool m_valid = false;
};
