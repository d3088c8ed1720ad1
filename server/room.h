// SPDX-License-Identifier: MIT
#pragma once

#include "chatmessage.h"
#include "roomlog.h"
#include "roomrules.h"
#include "walker.h"
#include "wire.h"

#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

class Dialect;
class Outbox;

// One room: who is in it, its topic, its recent messages and the log of its
// broadcasts. Any connection thread calls it, and the storage thread appends
// the messages it has committed.
//
// The words for how a room message travels, used alike in code and docs: it is
// *appended* once to the RoomLog (in id order, under the room's lock); the room
// *delivers* what is new in the log to every member (one *walk* over the
// members at a time, each Outbox taking its share from its cursor); and what a
// socket could not take is *written* later by the member's own thread.
//
// Lock order: Hub::m_mutex, then Room::m_mutex, then Outbox::m_mutex, then
// RoomLog::m_mutex. A thread holding a later one never takes an earlier one.
class Room final : public Walker
{
public:
    struct Settings
    {
        int historySize = 0; // recent messages kept in memory
        // History beyond this is counted as missed: an answer larger than a client
        // may owe (--max-unsent-bytes) would get it dropped before it can read.
        qsizetype answerHistoryBytes = 0;
        int presenceLimit = 0;
        // How much recent traffic the log keeps: a member further behind owes
        // more than it may (--max-unsent-bytes) and is dropped.
        qsizetype logRetainBytes = 0;
        double coalesceAbove = 0; // deliveries per second; 0: never coalesce
        std::chrono::milliseconds coalesceInterval {};
    };

    struct Member
    {
        QString name;
        std::shared_ptr<Outbox> outbox;
        const Dialect *dialect = nullptr;
        QString identity; // RoomRules': what bans and mutes name
    };

    Room(const QString &name, const Settings &settings);
    Room(const Room &) = delete;
    Room &operator=(const Room &) = delete;

    QString name() const { return m_name; } // as first entered
    QString key() const { return m_key; } // Validation::roomKey(name)

    // Loads what storage kept: the topic and the newest messages, oldest first.
    void restore(const Wire::Topic &topic, const QList<ChatMessage> &recent, bool olderStored);

    // Adds the member and posts the answer that makeAnswer() builds from the
    // room as it finds it (a welcome or a RoomState), before any broadcast can
    // reach it; announces it while the room is within the presence limit,
    // unless quietly (a resumed connection taking over its own place). Returns
    // true when an announcement awaits deliver(), which the caller calls once
    // it holds no lock.
    using MakeAnswer = std::function<QByteArray(const Wire::RoomState &state)>;
    bool enter(const Member &member, qint64 since, const MakeAnswer &makeAnswer, bool quietly);
    // Removes the member if outbox is one; its leave is announced if its join
    // was, unless quietly. Returns true as enter() does.
    bool leave(const Outbox *outbox, bool quietly = false);
    bool hasMember(const Outbox *outbox) const;
    // Someone connected to another server of the cluster: listed, counted and
    // announced like a member, but delivered to by that server. Return true
    // as enter() does.
    bool enterRemote(const QString &name);
    bool leaveRemote(const QString &name);

    // Appends a message that has its id (and is stored, if anything stores)
    // and delivers it to every member but the sender.
    void append(const ChatMessage &message, const Outbox *sender);
    // The same without the delivery, which the caller asks for once it has
    // appended all it has (deliver()).
    void appendOnly(const ChatMessage &message, const Outbox *sender);
    // Numbers the message from ids and appends it, in one step under the
    // room's lock so that ids increase in the log: for a server without storage.
    void numberAndAppend(ChatMessage message, std::atomic<qint64> *ids, const Outbox *sender);

    // Moderation (RoomRules has the decisions).
    RoomRules rules() const;
    void setRules(const RoomRules &rules);
    QLatin1StringView refusalToEnter(const QString &identity, bool admin, QString *text) const;
    enum class Standing { Absent, Muted, Speaking };
    Standing standingOf(const Outbox *outbox) const;
    bool maySetTopic(const Outbox *outbox, bool admin) const;
    // Applies the request. When it is done, the announcement awaits deliver()
    // (target, the member a kick or ban removes, is told first and directly,
    // then gets its leave), and *after holds the rules as they now are.
    RoomRules::Outcome moderate(const RoomRules::Request &request,
                                const std::shared_ptr<Outbox> &target, int maxEntries,
                                Wire::Moderated *announced, RoomRules *after);
    // Another server's moderation of this room: its rules replace these when
    // they supersede them, and its announcement, if any, awaits deliver() as
    // a local one's would (target, a member here it removes, told first).
    // True when target was a member and is out.
    bool adopt(const RoomRules &rules, const std::optional<Wire::Moderated> &announced,
               const std::shared_ptr<Outbox> &target);
    // Rules read back from storage, after this server missed the moderation
    // that made them: members they now ban leave as if banned now, told as a
    // local ban tells them, once deliver() runs. exempt: identities no ban
    // reaches (the server's admins). The names of those removed.
    QStringList adoptStored(const RoomRules &rules, const QSet<QString> &exempt);

    // Sets the topic and tells every member, the setter too.
    void setTopic(const Wire::Topic &topic);
    Wire::Topic topic() const;

    // The members, in name order.
    Wire::Users users() const;
    Wire::RoomList::Entry summary() const;
    int memberCount() const;

    // The kept messages before id `before` (0: the newest), at most limit; for a
    // server without storage, whose history is what the room keeps.
    Wire::History page(qint64 before, int limit) const;
    // Retention deleted the stored messages up to throughId.
    void expire(qint64 throughId);

    // Sends bytes to every member; returns how many were told.
    int postToAll(const QByteArray &bytes);

    // How long writes to one member are held back to coalesce them: zero while
    // the room delivers fewer than coalesceAbove messages a second.
    std::chrono::nanoseconds coalescing() const;
    // Delivers what is new, coalescing held back included. The server calls it
    // on a timer, so a message is never held longer than the interval plus a tick.
    void deliver() override;
    // A walk is owed: the sweep delivers it if the thread asked to does not.
    void oweWalk() { m_walkRequested.store(true, std::memory_order_release); }
    // So much was appended since the last walk began that the log could drop
    // entries before any member has taken them: walk now, whoever you are.
    bool mustWalkNow() const;
    // Coalescing, or a walk was asked for and nobody took it (under saturation
    // a walker stops after a while): the sweep must deliver.
    bool owesWalk() const;

private:
    struct Entry
    {
        Member member;
        bool announced = false; // its join was announced, so its leave will be
    };
    using Recipients = std::vector<std::shared_ptr<Outbox>>;

    void appendLocked(const ChatMessage &message, const Outbox *sender);
    bool leaveLocked(const Outbox *outbox, bool quietly);
    // Tells every member, target (a member a kick or ban removes) first and
    // directly, then takes target out. True when it was a member.
    bool announceLocked(const Wire::Moderated &event, const std::shared_ptr<Outbox> &target);
    void addRecipientLocked(const std::shared_ptr<Outbox> &outbox);
    void removeRecipientLocked(const Outbox *outbox);
    void detachRecipientsLocked();
    void releaseRecipients(std::shared_ptr<const Recipients> &recipients);
    bool announcesPresenceLocked() const;
    qsizetype everyoneLocked() const; // members here and on other servers
    QStringList sortedNamesLocked() const;
    Wire::RoomState stateLocked(qint64 since) const;
    void appendPresenceLocked(Wire::Presence::Event event, const QString &name,
                              const Outbox *except);
    void walk();
    void tracedWalk(const Recipients &recipients, std::chrono::nanoseconds coalesce,
                    std::chrono::steady_clock::time_point now);
    void measureLoadLocked(qsizetype deliveries);
    void trimLog(const Recipients &recipients, std::chrono::steady_clock::time_point now);

    const QString m_name;
    const QString m_key;
    const Settings m_settings;
    mutable std::mutex m_mutex;
    QHash<const Outbox *, Entry> m_members;
    QHash<QString, QString> m_remoteMembers; // names by Validation::nameKey
    // Copy-on-write: a walk takes a reference and sends without the lock; an
    // enter or leave changes it in place unless some walk still holds it.
    std::shared_ptr<Recipients> m_recipients;
    std::deque<ChatMessage> m_history; // the newest, oldest first
    // The newest id known to be older than what m_history holds and no longer
    // in it (dropped, or only in storage): a since at or after it is counted.
    qint64 m_lastDroppedId = 0;
    Wire::Topic m_topic;
    RoomRules m_rules;
    // Appended under m_mutex, in id order: without one order a quick reply,
    // relayed by another thread, could reach someone before what it answers.
    RoomLog m_log;
    std::atomic<bool> m_walking { false }; // a thread is in walk()
    std::atomic<bool> m_walkRequested { false }; // something new since that walk began
    std::chrono::steady_clock::time_point m_nextTrim; // only the walking thread uses it
    std::atomic<qint64> m_walkedFromBytes { 0 }; // the log's appendedBytes() when a walk began

    // The delivery rate, measured under m_mutex over windows of 100 ms.
    std::chrono::steady_clock::time_point m_windowStart;
    qsizetype m_windowDeliveries = 0;
    std::atomic<qint64> m_coalescingNs { 0 };
};
