// SPDX-License-Identifier: MIT
#include "passwordhasher.h"

#include <sodium.h>

bool PasswordHasher::initialize()
{
    return sodium_init() >= 0;
}

PasswordHasher::PasswordHasher(int passes, int memoryKib)
    : m_opsLimit((unsigned long long)passes), m_memLimit(size_t(memoryKib) * 1024)
{ }

QByteArray PasswordHasher::hash(const QString &password) const
{
    QByteArray utf8 = password.toUtf8();
    char out[crypto_pwhash_STRBYTES];
    const int result = crypto_pwhash_str(out, utf8.constData(), (unsigned long long)utf8.size(),
                                         m_opsLimit, m_memLimit);
    sodium_memzero(utf8.data(), size_t(utf8.size()));
    if (result != 0)
        return {};
    return QByteArray(out);
}

bool PasswordHasher::verify(const QByteArray &hash, const QString &password) const
{
    QByteArray utf8 = password.toUtf8();
    const QByteArray terminated = hash; // crypto_pwhash_str_verify reads a C string
    const bool ok = crypto_pwhash_str_verify(terminated.constData(), utf8.constData(),
                                             (unsigned long long)utf8.size())
        == 0;
    sodium_memzero(utf8.data(), size_t(utf8.size()));
    return ok;
}

bool PasswordHasher::needsRehash(const QByteArray &hash) const
{
    return crypto_pwhash_str_needs_rehash(hash.constData(), m_opsLimit, m_memLimit) != 0;
}
