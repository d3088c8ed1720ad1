// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

// Argon2id through libsodium (crypto_pwhash_str): the hash string holds its
// salt and parameters, so a change of --hash-passes or --hash-memory-kib
// applies to new hashes, and to old ones at their next successful login.
class PasswordHasher
{
public:
    // OWASP's minimum for Argon2id: 19 MiB, two passes.
    static constexpr int DefaultMemoryKib = 19456;
    static constexpr int DefaultPasses = 2;

    // sodium_init(), once, before any other thread uses libsodium. False when
    // libsodium cannot work here (no source of randomness).
    static bool initialize();

    PasswordHasher(int passes, int memoryKib);

    // The hash string (ASCII); empty when the memory cannot be had.
    QByteArray hash(const QString &password) const;
    bool verify(const QByteArray &hash, const QString &password) const;
    // The hash was made with other parameters than ours.
    bool needsRehash(const QByteArray &hash) const;

    int passes() const { return int(m_opsLimit); }
    int memoryKib() const { return int(m_memLimit / 1024); }

private:
    unsigned long long m_opsLimit;
    size_t m_memLimit;
};
