// SPDX-License-Identifier: MIT
#include "logintoken.h"

#include <sodium.h>

namespace LoginToken {

QString create()
{
    QByteArray bytes(32, Qt::Uninitialized);
    randombytes_buf(bytes.data(), size_t(bytes.size()));
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString digest(const QString &token)
{
    const QByteArray utf8 = token.toUtf8();
    unsigned char out[crypto_generichash_BYTES];
    crypto_generichash(out, sizeof(out), reinterpret_cast<const unsigned char *>(utf8.constData()),
                       (unsigned long long)utf8.size(), nullptr, 0);
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char *>(out), int(sizeof(out))).toHex());
}

} // namespace LoginToken
