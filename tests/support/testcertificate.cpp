// SPDX-License-Identifier: MIT
#include "testcertificate.h"

#include <QCryptographicHash>
#include <QFile>
#include <QProcess>
#include <QSslCertificate>

TestCertificate::TestCertificate(const QString &commonName, KeyType type)
{
    QStringList arguments { QStringLiteral("req"),
                            QStringLiteral("-x509"),
                            QStringLiteral("-nodes"),
                            QStringLiteral("-days"),
                            QStringLiteral("2"),
                            QStringLiteral("-subj"),
                            QStringLiteral("/CN=%1").arg(commonName),
                            QStringLiteral("-addext"),
                            QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost"),
                            QStringLiteral("-keyout"),
                            keyPath(),
                            QStringLiteral("-out"),
                            certificatePath() };
    if (type == KeyType::Ec) {
        arguments << QStringLiteral("-newkey") << QStringLiteral("ec") << QStringLiteral("-pkeyopt")
                  << QStringLiteral("ec_paramgen_curve:prime256v1");
    } else {
        arguments << QStringLiteral("-newkey") << QStringLiteral("rsa:2048");
    }
    QProcess openssl;
    openssl.setProcessChannelMode(QProcess::MergedChannels);
    openssl.start(QStringLiteral("openssl"), arguments);
    if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0) {
        m_error =
            QStringLiteral("openssl req failed: %1").arg(QString::fromUtf8(openssl.readAll()));
        return;
    }
    const QList<QSslCertificate> certificates = QSslCertificate::fromPath(certificatePath());
    if (certificates.isEmpty()) {
        m_error = QStringLiteral("openssl wrote no certificate");
        return;
    }
    m_sha256 = QString::fromLatin1(
        certificates.first().digest(QCryptographicHash::Sha256).toHex(':').toUpper());
    m_valid = true;
}

bool TestCertificate::copyTo(const QString &certificatePath, const QString &keyPath) const
{
    const auto copy = [](const QString &from, const QString &to) {
        QFile::remove(to);
        return QFile::copy(from, to);
    };
    return copy(this->certificatePath(), certificatePath) && copy(this->keyPath(), keyPath);
}
