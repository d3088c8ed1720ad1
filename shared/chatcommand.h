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
        Private, // /msg NAME TEXT: sends, and leaves you where you are
        Query, // /query NAME [TEXT]: opens the conversation with NAME (and sends TEXT)
        Who, // /who
        Join, // /join #ROOM: enters it and makes it the current room
        Part, // /part [#ROOM]: leaves it, or the current room
        Rooms, // /rooms: the server's rooms with topics and sizes
        Topic, // /topic [TEXT]: shows the current room's topic, or sets it
        History, // /history [N]: older messages of the current room; /history @NAME [N]:
                 // of the private conversation with NAME (accounts keep them)
        Window, // /window N: the Nth room joined becomes the current one
        Password, // /password: asks for the old and the new one, never on the line
        Moderate, // /kick NAME [REASON], /op NAME, /mode +i...: action on the current room
        Modes, // /mode alone: the current room's owner, operators and settings
        Help, // /help
        Quit, // /quit, or "quit" alone as in the seed's client
        Invalid, // a known command used wrongly, or an unknown one: see error
    };

    Kind kind = Kind::None;
    QString target; // Private, Query, Moderate: the other person (Moderate: empty for /mode);
                    // Join, Part: the room (Part: may be empty); History: the other
                    // person of a private conversation, or empty for the room
    QString text; // Chat, Action, Private, Query, Topic: the text (may be empty for Query,
                  // Topic); Moderate: the reason (may be empty)
    QString action; // Moderate: one of Protocol::Moderation's actions
    int number = 0; // History: how many (0: the server's default); Window: which, from 1
    QString error; // Invalid: what to tell the user

    // Parses one input line. knownUsers lets "/msg Ann Lee hello" find a name with
    // a space in it: the longest online name that the arguments start with wins
    // ("/query Ann Lee" is Ann Lee when she is online).
    static ChatCommand parse(const QString &line, const QStringList &knownUsers = {});

    // False for a line that may hold a secret ("/password ..."): a line editor
    // keeps it out of its history.
    static bool mayKeepInHistory(const QString &line);

    // One line per command, for /help.
    static QStringList helpLines();
};
