// SPDX-License-Identifier: MIT
#include "tlscredentials.h"

#include <QEventLoop>
#include <QFile>
#include <QHostAddress>
#include <QSslCipher>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTimer>

#include <thread>

namespace {
constexpr int SelfCheckTimeoutMs = 5000;

QString fingerprint(const QSslCertificate &certificate)
{
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

// Reads a whole file; false with the reason (never its contents).
bool readFile(const QString &path, const char *what, QByteArray *bytes, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read the TLS %1 %2: %3")
                     .arg(QLatin1StringView(what), path, file.errorString());
        return false;
    }
    *bytes = file.readAll();
    return true;
}

// A handshake between a server with configuration and a client that checks
// nothing, on a thread of its own so that no caller's events run meanwhile.
QString selfHandshake(const QSslConfiguration &configuration)
{
    QString problem;
    // A std::thread, not a QThread: its join is a hand-off ThreadSanitizer sees
    // (Debian's Qt is not instrumented), and Qt adopts it for the event loop.
    std::thread thread([&configuration, &problem] {
        QEventLoop loop;
        QSslServer server;
        server.setSslConfiguration(configuration);
        if (!server.listen(QHostAddress::LocalHost, 0)) {
            problem = QStringLiteral("cannot check the certificate: %1").arg(server.errorString());
            return;
        }
        QObject::connect(&server, &QSslServer::errorOccurred, &loop,
                         [&](QSslSocket *socket, QAbstractSocket::SocketError) {
                             problem = socket->errorString();
                             loop.quit();
                         });
        QSslSocket client;
        client.setPeerVerifyMode(QSslSocket::VerifyNone);
        QObject::connect(&client, &QSslSocket::encrypted, &loop, &QEventLoop::quit);
        QObject::connect(&client, &QSslSocket::errorOccurred, &loop, [&] {
            if (problem.isEmpty())
                problem = client.errorString();
            loop.quit();
        });
        QTimer::singleShot(SelfCheckTimeoutMs, &loop, [&] {
            problem = QStringLiteral("a test handshake did not finish");
            loop.quit();
        });
        client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.serverPort());
        loop.exec();
        if (problem.isEmpty() && !client.isEncrypted())
            problem = QStringLiteral("a test handshake failed");
    });
    thread.join();
    return problem;
}
} // namespace

std::optional<QSslConfiguration> TlsCredentials::load(const QString &certificatePath,
                                                      const QString &keyPath, QString *error)
{
    if (!QSslSocket::supportsSsl()) {
        *error = QStringLiteral("TLS is not available: Qt found no OpenSSL (%1)")
                     .arg(QSslSocket::sslLibraryBuildVersionString());
        return std::nullopt;
    }
    QByteArray certificateBytes;
    if (!readFile(certificatePath, "certificate", &certificateBytes, error))
        return std::nullopt;
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certificateBytes, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        *error = QStringLiteral("the TLS certificate %1 holds no PEM certificate "
                                "(-----BEGIN CERTIFICATE-----)")
                     .arg(certificatePath);
        return std::nullopt;
    }
    QByteArray keyBytes;
    if (!readFile(keyPath, "key", &keyBytes, error))
        return std::nullopt;
    QSslKey key(keyBytes, QSsl::Ec, QSsl::Pem, QSsl::PrivateKey);
    if (key.isNull())
        key = QSslKey(keyBytes, QSsl::Rsa, QSsl::Pem, QSsl::PrivateKey);
    keyBytes.fill('\0'); // the secret stays in as few places as it can
    if (key.isNull()) {
        *error = QStringLiteral("the TLS key %1 holds no unencrypted PEM private key (RSA or EC)")
                     .arg(keyPath);
        return std::nullopt;
    }
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone); // clients have no certificates
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    const QString problem = selfHandshake(configuration);
    if (!problem.isEmpty()) {
        *error = QStringLiteral("the TLS key %1 does not fit the certificate %2: %3")
                     .arg(keyPath, certificatePath, problem);
        return std::nullopt;
    }
    return configuration;
}

QString TlsCredentials::describe(const QSslConfiguration &configuration)
{
    const QSslCertificate certificate = configuration.localCertificate();
    return QStringLiteral("%1, valid until %2, SHA-256 %3")
        .arg(certificate.subjectDisplayName(),
             certificate.expiryDate().toUTC().toString(Qt::ISODate), fingerprint(certificate));
}
