// SPDX-License-Identifier: MIT
#include "certificatetext.h"

#include "displaytext.h"
#include "knownservers.h"

#include <QCoreApplication>
#include <QSslCertificate>

QString CertificateText::describe(const QSslCertificate &certificate)
{
    const auto tr = [](const char *text) {
        return QCoreApplication::translate("CertificateText", text);
    };
    return tr("Subject: %1\nIssuer: %2\nValid from %3 to %4\nSHA-256 fingerprint:\n%5")
        .arg(DisplayText::neutralized(certificate.subjectDisplayName()),
             DisplayText::neutralized(certificate.issuerDisplayName()),
             certificate.effectiveDate().toUTC().toString(Qt::ISODate),
             certificate.expiryDate().toUTC().toString(Qt::ISODate),
             KnownServers::fingerprintOf(certificate));
}
