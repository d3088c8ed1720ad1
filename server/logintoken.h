// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

// Login tokens: what a welcome gives an account so that a reconnect needs no
// password (and no hashing). The database keeps only their digest.
namespace LoginToken {

// 32 random bytes from libsodium, base64url without padding (43 characters).
QString create();
// BLAKE2b (crypto_generichash) of the token, hex: what the database stores.
// A token has 256 bits of its own, so a fast digest is enough.
QString digest(const QString &token);

} // namespace LoginToken
