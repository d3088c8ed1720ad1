// SPDX-License-Identifier: MIT
#pragma once

#include "wire.h"

#include <QJsonObject>
#include <QLatin1StringView>
#include <QMap>
#include <QString>
#include <QStringList>

#include <algorithm>

// Who may do what in one room, and the decisions that follow from it: the
// owning account, its operators, the bans, mutes and invitations, and the
// room's settings. A plain value: Room keeps one under its lock, the accounts
// thread stores a copy after every change (AccountStore), and the server loads
// them back at start.
//
// Everyone is known by an identity: an account by its name
// ("account:alice", Validation::nameKey), a guest by its address
// ("address:192.0.2.7"), since a guest's name is anybody's next time.
class RoomRules
{
public:
    enum class Role { Member, Operator, Owner, Admin };
    enum class Kind { Operator, Ban, Mute, Invite };
    static constexpr Kind Kinds[] = { Kind::Operator, Kind::Ban, Kind::Mute, Kind::Invite };

    struct Entry
    {
        QString name; // the target as it was named, for people and for unban by name
        QString by;
        QString reason;
        qint64 timeMs = 0; // UTC
    };

    // One moderation request, its actor and target already resolved by the hub.
    struct Request
    {
        Wire::Moderate moderate;
        QString actorIdentity;
        bool actorIsAdmin = false;
        QString targetIdentity; // empty for the room's settings
        bool targetIsAdmin = false;
        bool targetIsGuest = false; // online without an account
        bool targetIsHere = false; // in the room now
    };
    struct Outcome
    {
        QLatin1StringView errorCode; // empty: done (and announce it)
        QString errorText;
        bool removeTarget = false; // kicked or banned: out of the room now
    };

    // "alice kicked bob from #dev (spam)": the announcement's text for people.
    static QString sentence(const Wire::Moderation &moderation);
    static QString accountIdentity(const QString &name);
    static QString addressIdentity(const QString &address);
    static QLatin1StringView kindName(Kind kind); // as stored
    static bool kindFromName(const QString &name, Kind *kind);

    Role roleOf(const QString &identity, bool admin) const;
    // Empty, or the error code (banned, invite_only) and text that refuse an enter.
    QLatin1StringView refusalToEnter(const QString &identity, bool admin, const QString &room,
                                     QString *text) const;
    bool isMuted(const QString &identity) const
    {
        return m_entries[int(Kind::Mute)].contains(identity);
    }
    bool maySetTopic(const QString &identity, bool admin) const;

    // Checks the actor's right and applies the request; maxEntries bounds the
    // bans, mutes, invitations and operators together (--max-room-rules).
    Outcome apply(const Request &request, const QString &room, qint64 nowMs, int maxEntries);

    QString ownerIdentity() const { return m_ownerIdentity; }
    QString ownerName() const { return m_ownerName; }
    void setOwner(const QString &identity, const QString &name);
    QStringList operatorNames() const;
    bool inviteOnly() const { return m_inviteOnly; }
    bool topicLocked() const { return m_topicLocked; }
    void setSettings(bool inviteOnly, bool topicLocked);
    const QMap<QString, Entry> &entries(Kind kind) const { return m_entries[int(kind)]; }
    void setEntry(Kind kind, const QString &identity, const Entry &entry);
    int entryCount() const;
    // Nothing to keep: no owner, no entries, default settings.
    bool isEmpty() const;

    // When the rules last changed, in UTC milliseconds and never going back,
    // so that of two servers' copies of a room's rules the newer one wins.
    qint64 version() const { return m_version; }
    void setVersion(qint64 version) { m_version = version; }
    // After a change at nowMs: later than every version before it.
    void stamp(qint64 nowMs) { m_version = std::max(nowMs, m_version + 1); }
    // These rules, from another server or the database, replace current: a
    // newer version, or the same one and a greater encoding, so that every
    // server picks the same of two made in one millisecond.
    bool supersedes(const RoomRules &current) const;

    // As they travel between servers (ClusterEvent).
    QJsonObject toJson() const;
    static RoomRules fromJson(const QJsonObject &object);

private:
    // The entry of kind for identity, or the one recorded under that name
    // (unban bob, whose ban was by address).
    QString findSubject(Kind kind, const QString &identity, const QString &name) const;

    QString m_ownerIdentity;
    QString m_ownerName;
    QMap<QString, Entry> m_entries[4]; // by identity
    bool m_inviteOnly = false;
    bool m_topicLocked = false;
    qint64 m_version = 0;
};
