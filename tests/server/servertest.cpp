// SPDX-License-Identifier: MIT
#include "servertest.h"

#include "protocol.h"
#include "wire.h"

#include <QAbstractSocket>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QRegularExpression>

#include <sys/socket.h>

namespace ServerTest {

QString stringOf(const QJsonObject &object, const char *field)
{
    return object.value(QLatin1StringView(field)).toString();
}

QJsonObject waitForMatch(RawClient &client, const QString &type, const QString &field,
                         const QJsonValue &value, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        const QJsonObject object =
            client.waitFor(type, int(qMax<qint64>(1, deadline.remainingTime())));
        if (object.isEmpty() || object.value(field) == value)
            return object;
        if (deadline.hasExpired())
            return {};
    }
}

QJsonObject enter(RawClient &client, const QString &room)
{
    client.sendObject(Protocol::enter(room));
    for (QJsonObject object = client.waitFor({}); !object.isEmpty(); object = client.waitFor({})) {
        const QString type = stringOf(object, "type");
        if ((type == Wire::RoomState::Type && stringOf(object, "room") == room)
            || type == Wire::Error::Type)
            return object;
    }
    return {};
}

QJsonObject moderate(const QString &room, QLatin1StringView action, const QString &target,
                     const QString &reason)
{
    Wire::Moderate request;
    request.room = room;
    request.action = action;
    request.target = target;
    request.reason = reason;
    return request.toJson();
}

bool barrier(RawClient &client, QList<QJsonObject> *before, int timeoutMs)
{
    static qint64 nextId = 1000000;
    const qint64 id = nextId++;
    client.sendObject(Protocol::ping(id));
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        const QJsonObject pong =
            client.waitFor(QStringLiteral("pong"), int(qMax<qint64>(1, deadline.remainingTime())));
        if (pong.isEmpty())
            return false;
        if (pong.value(QLatin1StringView("id")).toInteger() == id)
            break;
    }
    // waitFor() keeps the objects it skipped in arrival order; the pong was the
    // last to arrive, so all of them came before it.
    if (before)
        *before = client.received();
    client.received().clear();
    return true;
}

QList<QJsonObject> ofType(const QList<QJsonObject> &list, const QString &type)
{
    QList<QJsonObject> result;
    for (const QJsonObject &object : list) {
        if (object.value(QLatin1StringView("type")).toString() == type)
            result.append(object);
    }
    return result;
}

void resetConnection(QAbstractSocket &socket)
{
    const linger reset { 1, 0 };
    ::setsockopt(int(socket.socketDescriptor()), SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
    socket.abort();
}

int threadCount(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    static const QRegularExpression threads(QStringLiteral("^Threads:\\s+(\\d+)$"),
                                            QRegularExpression::MultilineOption);
    const QRegularExpressionMatch match = threads.match(QString::fromLatin1(status.readAll()));
    return match.hasMatch() ? match.captured(1).toInt() : -1;
}

int descriptorCount(qint64 pid)
{
    const QDir descriptors(QStringLiteral("/proc/%1/fd").arg(pid));
    if (!descriptors.exists())
        return -1;
    return int(
        descriptors.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot).size());
}

bool ChatPair::join(quint16 port, const QString &first, const QString &second)
{
    m_firstName = first;
    m_secondName = second;
    if (!this->first.joinAs(port, first) || !this->second.joinAs(port, second))
        return false;
    // Tests look at what comes next; the second one's arrival is not part of it.
    return !waitForMatch(this->first, QStringLiteral("presence"), QStringLiteral("name"), second)
                .isEmpty();
}

static bool passes(RawClient &from, const QString &fromName, RawClient &to, const QString &text)
{
    from.sendObject(Protocol::chat(text));
    const QJsonObject message =
        waitForMatch(to, QStringLiteral("message"), QStringLiteral("data"), text);
    return message.value(QLatin1StringView("from")).toString() == fromName;
}

bool ChatPair::stillChats(QString *why)
{
    ++m_round;
    const QString there = QStringLiteral("ping-pong %1 there").arg(m_round);
    if (!passes(first, m_firstName, second, there)) {
        *why = QStringLiteral("%1 -> %2 failed (round %3)")
                   .arg(m_firstName, m_secondName)
                   .arg(m_round);
        return false;
    }
    const QString back = QStringLiteral("ping-pong %1 back").arg(m_round);
    if (!passes(second, m_secondName, first, back)) {
        *why = QStringLiteral("%1 -> %2 failed (round %3)")
                   .arg(m_secondName, m_firstName)
                   .arg(m_round);
        return false;
    }
    return true;
}

} // namespace ServerTest
