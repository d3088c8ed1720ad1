// SPDX-License-Identifier: MIT
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringList>

// What the session knows of one room it is in, as ChatClient keeps it: the
// front ends read it there (ChatClient::room(), rooms()) and keep no copy.
struct ChatRoom
{
    QString name; // as the server spells it, "#dev"
    QString topic;
    QString topicBy; // who set it; empty when the server did not say
    QStringList users; // empty past the server's presence limit; userCount still counts
    qint64 userCount = 0;
    qint64 lastMessageId = 0; // the newest id seen here: the since of the next enter
    qint64 oldestMessageId = 0; // the oldest id delivered here: where older history goes on
    bool hasOlderMessages = true; // until a history answer says "more": false
    // Moderation, as the server last said: the owning account, the operators
    // besides it, and the room's settings.
    QString owner;
    QStringList operators;
    bool inviteOnly = false;
    bool topicLocked = false;

    bool isDefault() const;
    // The owner or an operator (names compared as Validation::nameKey does).
    bool isOperator(const QString &user) const;
    // The same room as name, as Validation::roomKey compares them.
    bool is(const QString &name) const;
};
Q_DECLARE_METATYPE(ChatRoom)
