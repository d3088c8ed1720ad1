// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

class QSslCertificate;

// A server's TLS certificate as a person checks it: subject, issuer,
// validity and SHA-256 fingerprint, one per line, for the trust prompt and the
// certificate the lock shows.
class CertificateText
{
public:
    static QString describe(const QSslCertificate &certificate);
};
