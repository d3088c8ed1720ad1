// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

// `pynet-server account add NAME | remove NAME | list | passwd NAME`: the
// operator's way to make accounts when --registration is closed, on the
// database the server's options name (--database, --config), also while a
// server runs on it. A password is read from the terminal without echo, or,
// when standard input is not a terminal, from PYNET_PASSWORD; never from an
// argument, which the process list would show.
class AccountCommand
{
public:
    enum ExitCode { Ok = 0, Usage = 1, NoSuchAccount = 2, AlreadyExists = 2, Database = 3 };

    // The arguments start with the program and "account".
    static bool isCommand(const QStringList &arguments);
    static int run(const QStringList &arguments);
};
