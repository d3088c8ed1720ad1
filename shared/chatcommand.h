// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringList>

// What a line typed into either client means: a chat message or a slash command.
// Both front ends use this, so /msg and /me behave the same everywhere.
struct ChatCommand
{
    enum class Kind {
        None, // blank line: nothing to do
        Chat,
        Action, // /me TEXT
        Private, // /msg NAME TEXT
        Who, // /who
        Help, // /help
        Quit, // /quit, or "quit" alone as in the seed's client
        Invalid, // a known command used wrongly, or an unknown one: see error
    };

    Kind kind = Kind::None;
    QString target; // Private: the recipient
    QString text; // Chat, Action, Private: the text to send
    QString error; // Invalid: what to tell the user

    // Parses one input line. knownUsers lets "/msg Ann Lee hello" find a name with
    // a space in it: the longest online name that the arguments start with wins.
    static ChatCommand parse(const QString &line, const QStringList &knownUsers = {});

    // One line per command, for /help.
    static QStringList helpLines();
};
