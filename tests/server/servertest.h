// SPDX-License-Identifier: MIT
#pragma once

#include "rawclient.h"

#include <QJsonObject>
#include <QList>
#include <QString>

class QAbstractSocket;

// Small tools the server tests share, on top of RawClient and ServerProcess.
namespace ServerTest {

// A string field of an object; empty when missing or not a string.
QString stringOf(const QJsonObject &object, const char *field);

// Waits for an object of the given type whose field equals value, dropping the
// other objects of that type on the way. Empty on timeout.
QJsonObject waitForMatch(RawClient &client, const QString &type, const QString &field,
                         const QJsonValue &value, int timeoutMs = 5000);

// Pings the server and waits for the matching pong. The server handles a
// connection's messages in order, so everything it sent this client in reply to
// earlier messages has arrived by then. Returns the objects that came before
// the pong (and removes them from client.received()), or false on timeout.
bool barrier(RawClient &client, QList<QJsonObject> *before = nullptr, int timeoutMs = 5000);

// The objects of one type among list.
QList<QJsonObject> ofType(const QList<QJsonObject> &list, const QString &type);

// Enters room and returns its answer, or the error that refused it; empty on timeout.
QJsonObject enter(RawClient &client, const QString &room);

// A moderation request, as a client sends it.
QJsonObject moderate(const QString &room, QLatin1StringView action, const QString &target = {},
                     const QString &reason = {});

// Closes the socket with a TCP reset instead of a FIN (SO_LINGER {1, 0}): a
// pulled plug or a crashed peer, as the server sees it.
void resetConnection(QAbstractSocket &socket);

// What /proc says about a process: its threads and its open descriptors.
int threadCount(qint64 pid);
int descriptorCount(qint64 pid);

// Two ordinary users who keep chatting while a test misbehaves next to them.
class ChatPair
{
public:
    bool join(quint16 port, const QString &first = QStringLiteral("Alice"),
              const QString &second = QStringLiteral("Bob"));
    // One message each way, each seen by the other with the right sender.
    // On failure, *why says which way failed.
    bool stillChats(QString *why);

    RawClient first;
    RawClient second;

private:
    int m_round = 0;
    QString m_firstName;
    QString m_secondName;
};

} // namespace ServerTest
