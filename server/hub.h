// SPDX-License-Identifier: MIT
#pragma once

#include "chatmessage.h"
#include "roomlog.h"
#include "wire.h"

#include <QJsonObject>
#include <QLatin1StringView>
#include <QMap>
#include <QString>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

class ConnectionControl;
class Dialect;
class Outbox;

// The room: who has joined, the recent history, the message ids and the log
// of broadcasts. Any connection thread calls it.
//
// The words for how a room message travels, used alike in code and docs: it is
// *appended* once to the RoomLog (numbered and serialised under the hub's lock);
// the hub *delivers* what is new in the log to every member (one *walk* over the
// members at a time, each Outbox taking its share from its cursor); and what a
// socket could not take is *written* later by the member's own thread.
//
// Lock order: Hub::m_mutex, then Outbox::m_mutex, then RoomLog::m_mutex. A
// thread holding a later one never takes an earlier one.
class Hub
{
public:
    struct JoinRequest
    {
        QString name; // normalised
        const Dialect *dialect = nullptr;
        qint64 since = 0;
        QString run; // the server run that since counts in
        QString resumeToken;
        std::shared_ptr<Outbox> outbox;
        ConnectionControl *connection = nullptr; // replaced if a resume takes its name
    };

    struct JoinResult
    {
        QLatin1StringView errorCode; // empty on success
        QString errorText;
    };

    struct Settings
    {
        QString serverName;
        int historySize = 0;
        // History beyond this is counted as missed: a welcome larger than a client
        // may owe (--max-unsent-bytes) would get it dropped before it can read.
        qsizetype welcomeHistoryBytes = 0;
        int presenceLimit = 0;
        // How much recent traffic the room log keeps: a member further behind
        // owes more than it may (--max-unsent-bytes) and is dropped.
        qsizetype logRetainBytes = 0;
        double coalesceAbove = 0; // deliveries per second; 0: never coalesce
        std::chrono::milliseconds coalesceInterval {};
    };
    explicit Hub(const Settings &settings);

    // Registers the client and sends it its welcome before any broadcast can
    // reach it; tells the others while the room is within the presence limit. Refuses a name in
    // use, unless resumeToken proves it is the same user reconnecting, whose old connection is
    // replaced.
    JoinResult join(const JoinRequest &request);

    // Removes the client if outbox is still the one registered under name.
    void leave(const QString &name, const Outbox *outbox);

    // Relays a chat message to everyone joined except the sender.
    void broadcastChat(const QString &from, const Outbox *sender, const QString &text, bool action);

    // Sends a private message; false when nobody of that name is online.
    bool sendPrivate(const QString &from, const QString &to, const QString &text);

    // The user list, in name order.
    Wire::Users users() const;

    // Sends a notice to everyone (shutdown); returns how many were told.
    int broadcastNotice(const QString &text, QLatin1StringView code);

    int memberCount() const;

    // How long writes to one client are held back to coalesce them: zero while
    // the room delivers fewer than coalesceAbove messages a second.
    std::chrono::nanoseconds coalescing() const;
    // Delivers what coalescing held back and is now due. The server calls it on
    // a timer, so a message is never held longer than the interval plus a tick.
    void deliverCoalesced();

private:
    struct Member
    {
        QString name;
        std::shared_ptr<Outbox> outbox;
        const Dialect *dialect = nullptr;
        QString session;
        ConnectionControl *connection = nullptr;
        bool announced = false; // its join was announced, so its leave will be
    };
    using Recipients = std::vector<std::shared_ptr<Outbox>>;

    // Removes the member; true when its leave was announced (to be delivered).
    bool leaveLocked(QMap<QString, Member>::iterator member);
    void addRecipientLocked(const Member &member);
    void removeRecipientLocked(const Outbox *outbox);
    void detachRecipientsLocked();
    void releaseRecipients(std::shared_ptr<const Recipients> &recipients);
    bool announcesPresenceLocked() const;
    QStringList sortedNamesLocked() const;
    Wire::Welcome welcomeLocked(const Member &member, qint64 since) const;
    qint64 sinceInThisRun(const JoinRequest &request) const;
    void appendPresenceLocked(Wire::Presence::Event event, const QString &name,
                              const Outbox *except);
    void deliver();
    void walk();
    void tracedWalk(const Recipients &recipients, std::chrono::nanoseconds coalesce,
                    std::chrono::steady_clock::time_point now);

    const QString m_serverName;
    const QString m_run; // random per start: message ids count within one run
    const std::size_t m_historySize;
    const qsizetype m_welcomeHistoryBytes;
    const int m_presenceLimit;
    mutable std::mutex m_mutex;
    QMap<QString, Member> m_members; // by Validation::nameKey, so listed in name order
    // Copy-on-write: a broadcast takes a reference and sends without the lock;
    // a join or leave changes it in place unless some broadcast still holds it.
    std::shared_ptr<Recipients> m_recipients;
    std::deque<ChatMessage> m_history;
    qint64 m_lastId = 0;
    // Appended under m_mutex, in id order: without one order a quick reply,
    // relayed by another thread, could reach someone before what it answers.
    RoomLog m_log;
    std::atomic<bool> m_walking { false }; // a thread is in walk()
    std::atomic<bool> m_walkRequested { false }; // something new since that walk began

    // The delivery rate, measured under m_mutex over windows of 100 ms.
    void measureLoadLocked(qsizetype deliveries);
    const double m_coalesceAbove;
    const std::chrono::nanoseconds m_coalesceInterval;
    std::chrono::steady_clock::time_point m_windowStart;
    qsizetype m_windowDeliveries = 0;
    std::atomic<qint64> m_coalescingNs { 0 };
};
