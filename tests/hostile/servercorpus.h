// SPDX-License-Identifier: MIT
// What a hostile server sends a client: the corpus the shared ChatClient
// session faces in tst_hostileserver.
#pragma once

#include <QByteArray>
#include <QList>

namespace ServerCorpus {

enum class Expect {
    Error, // reported with errorReceived; the session carries on
    Shown, // legal but hostile content: shown safely; the session carries on
    Drop, // the session gives up the connection with connectionError
    Truncated, // the fake server hangs up mid-message: connectionError
};

struct ServerInput
{
    QByteArray kind;
    QByteArray bytes;
    Expect expect;
    bool welcomeFirst = true; // false: the input is itself the welcome
};

// A relayed message with the given raw JSON values.
QByteArray message(const QByteArray &from, const QByteArray &data, const QByteArray &extra = {});

QByteArray quoted(const QByteArray &inner);

QList<ServerInput> inputs();

} // namespace ServerCorpus
