// SPDX-License-Identifier: MIT
#include "roomrules.h"

#include "protocol.h"
#include "validation.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>

namespace Action = Protocol::Moderation;
namespace Code = Protocol::Code;

QString RoomRules::sentence(const Wire::Moderation &m)
{
    const QString &a = m.action;
    QString text;
    if (a == Action::Kick)
        text = QStringLiteral("%1 kicked %2 from %3").arg(m.by, m.target, m.room);
    else if (a == Action::Ban)
        text = QStringLiteral("%1 banned %2 from %3").arg(m.by, m.target, m.room);
    else if (a == Action::Unban)
        text = QStringLiteral("%1 lifted the ban on %2 in %3").arg(m.by, m.target, m.room);
    else if (a == Action::Mute)
        text = QStringLiteral("%1 muted %2 in %3").arg(m.by, m.target, m.room);
    else if (a == Action::Unmute)
        text = QStringLiteral("%1 let %2 speak again in %3").arg(m.by, m.target, m.room);
    else if (a == Action::Op)
        text = QStringLiteral("%1 made %2 an operator of %3").arg(m.by, m.target, m.room);
    else if (a == Action::Deop)
        text = QStringLiteral("%1 took operator from %2 in %3").arg(m.by, m.target, m.room);
    else if (a == Action::Invite)
        text = QStringLiteral("%1 invited %2 to %3").arg(m.by, m.target, m.room);
    else if (a == Action::LockTopic)
        text = QStringLiteral("%1 locked the topic of %2").arg(m.by, m.room);
    else if (a == Action::UnlockTopic)
        text = QStringLiteral("%1 unlocked the topic of %2").arg(m.by, m.room);
    else if (a == Action::InviteOnly)
        text = QStringLiteral("%1 made %2 invite-only").arg(m.by, m.room);
    else if (a == Action::Open)
        text = QStringLiteral("%1 opened %2 to everyone").arg(m.by, m.room);
    if (!m.reason.isEmpty())
        text += QStringLiteral(" (%1)").arg(m.reason);
    return text + QLatin1Char('.');
}

QString RoomRules::accountIdentity(const QString &name)
{
    return QStringLiteral("account:") + Validation::nameKey(name);
}

QString RoomRules::addressIdentity(const QString &address)
{
    // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d; an operator types a.b.c.d.
    QHostAddress parsed(address);
    bool isIpv4 = false;
    const quint32 ipv4 = parsed.toIPv4Address(&isIpv4);
    if (isIpv4)
        parsed = QHostAddress(ipv4);
    return QStringLiteral("address:") + (parsed.isNull() ? address : parsed.toString());
}

QLatin1StringView RoomRules::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Operator:
        return QLatin1StringView("operator");
    case Kind::Ban:
        return QLatin1StringView("ban");
    case Kind::Mute:
        return QLatin1StringView("mute");
    case Kind::Invite:
        return QLatin1StringView("invite");
    }
    return {};
}

bool RoomRules::kindFromName(const QString &name, Kind *kind)
{
    for (const Kind candidate : Kinds) {
        if (name == kindName(candidate)) {
            *kind = candidate;
            return true;
        }
    }
    return false;
}

RoomRules::Role RoomRules::roleOf(const QString &identity, bool admin) const
{
    if (admin)
        return Role::Admin;
    if (!m_ownerIdentity.isEmpty() && identity == m_ownerIdentity)
        return Role::Owner;
    if (m_entries[int(Kind::Operator)].contains(identity))
        return Role::Operator;
    return Role::Member;
}

QLatin1StringView RoomRules::refusalToEnter(const QString &identity, bool admin,
                                            const QString &room, QString *text) const
{
    if (roleOf(identity, admin) != Role::Member)
        return {};
    const auto ban = m_entries[int(Kind::Ban)].constFind(identity);
    if (ban != m_entries[int(Kind::Ban)].constEnd()) {
        *text = ban->reason.isEmpty()
            ? QStringLiteral("You are banned from %1.").arg(room)
            : QStringLiteral("You are banned from %1: %2").arg(room, ban->reason);
        return Code::Banned;
    }
    if (m_inviteOnly && !m_entries[int(Kind::Invite)].contains(identity)) {
        *text =
            QStringLiteral("%1 is invite-only: ask one of its operators to /invite you.").arg(room);
        return Code::InviteOnly;
    }
    return {};
}

bool RoomRules::maySetTopic(const QString &identity, bool admin) const
{
    return !m_topicLocked || roleOf(identity, admin) != Role::Member;
}

RoomRules::Outcome RoomRules::apply(const Request &request, const QString &room, qint64 nowMs,
                                    int maxEntries)
{
    const QString &action = request.moderate.action;
    const QString &target = request.moderate.target;
    const Role actor = roleOf(request.actorIdentity, request.actorIsAdmin);
    const auto refuse = [](QLatin1StringView code, const QString &text) {
        return Outcome { code, text, false };
    };
    if (actor == Role::Member)
        return refuse(
            Code::NotOperator,
            QStringLiteral("Only the owner and the operators of %1 can do that.").arg(room));
    if ((action == Action::Op || action == Action::Deop) && actor < Role::Owner)
        return refuse(Code::NotOperator,
                      QStringLiteral("Only the owner of %1 or a server administrator can make "
                                     "operators.")
                          .arg(room));
    const bool general = Validation::roomKey(room) == Validation::roomKey(Protocol::DefaultRoom);
    if (general
        && (action == Action::Kick || action == Action::Ban || action == Action::Invite
            || action == Action::InviteOnly)) {
        return refuse(Code::InvalidRoom,
                      QStringLiteral("%1 holds everyone who joins: nobody is kicked, banned or "
                                     "invited there. Mute instead.")
                          .arg(room));
    }
    const Role targetRole = roleOf(request.targetIdentity, request.targetIsAdmin);
    if ((action == Action::Kick || action == Action::Ban || action == Action::Mute)
        && targetRole >= actor) {
        return refuse(Code::NotOperator,
                      QStringLiteral("%1 is an operator of %2 as well.").arg(target, room));
    }
    const Entry entry { target, request.moderate.by, request.moderate.reason, nowMs };
    const auto add = [&](Kind kind) {
        QMap<QString, Entry> &entries = m_entries[int(kind)];
        if (!entries.contains(request.targetIdentity) && entryCount() >= maxEntries) {
            return refuse(Code::TooManyRules,
                          QStringLiteral("%1 holds its limit of %2 bans, mutes, invitations and "
                                         "operators.")
                              .arg(room)
                              .arg(maxEntries));
        }
        entries.insert(request.targetIdentity, entry);
        return Outcome {};
    };
    const auto remove = [&](Kind kind, const QString &missing) {
        const QString subject = findSubject(kind, request.targetIdentity, target);
        if (subject.isEmpty())
            return refuse(Code::NoSuchUser, missing);
        m_entries[int(kind)].remove(subject);
        return Outcome {};
    };

    if (action == Action::Kick) {
        if (!request.targetIsHere)
            return refuse(Code::NoSuchUser, QStringLiteral("%1 is not in %2.").arg(target, room));
        return { {}, {}, true };
    }
    if (action == Action::Ban) {
        Outcome outcome = add(Kind::Ban);
        if (outcome.errorCode.isEmpty()) {
            // A ban outranks what the owner once granted.
            m_entries[int(Kind::Operator)].remove(request.targetIdentity);
            m_entries[int(Kind::Invite)].remove(request.targetIdentity);
            outcome.removeTarget = request.targetIsHere;
        }
        return outcome;
    }
    if (action == Action::Unban)
        return remove(Kind::Ban, QStringLiteral("%1 is not banned from %2.").arg(target, room));
    if (action == Action::Mute)
        return add(Kind::Mute);
    if (action == Action::Unmute)
        return remove(Kind::Mute, QStringLiteral("%1 is not muted in %2.").arg(target, room));
    if (action == Action::Op) {
        if (request.targetIsGuest)
            return refuse(
                Code::NotLoggedIn,
                QStringLiteral("%1 is a guest: only accounts can be operators.").arg(target));
        if (request.targetIdentity == m_ownerIdentity)
            return refuse(Code::NotOperator, QStringLiteral("%1 owns %2.").arg(target, room));
        return add(Kind::Operator);
    }
    if (action == Action::Deop)
        return remove(Kind::Operator,
                      QStringLiteral("%1 is not an operator of %2.").arg(target, room));
    if (action == Action::Invite)
        return add(Kind::Invite);
    if (action == Action::InviteOnly || action == Action::Open)
        m_inviteOnly = action == Action::InviteOnly;
    else if (action == Action::LockTopic || action == Action::UnlockTopic)
        m_topicLocked = action == Action::LockTopic;
    return {};
}

void RoomRules::setOwner(const QString &identity, const QString &name)
{
    m_ownerIdentity = identity;
    m_ownerName = name;
}

QStringList RoomRules::operatorNames() const
{
    QStringList names;
    for (const Entry &entry : m_entries[int(Kind::Operator)])
        names.append(entry.name);
    return names;
}

void RoomRules::setSettings(bool inviteOnly, bool topicLocked)
{
    m_inviteOnly = inviteOnly;
    m_topicLocked = topicLocked;
}

void RoomRules::setEntry(Kind kind, const QString &identity, const Entry &entry)
{
    m_entries[int(kind)].insert(identity, entry);
}

int RoomRules::entryCount() const
{
    int count = 0;
    for (const auto &entries : m_entries)
        count += int(entries.size());
    return count;
}

bool RoomRules::isEmpty() const
{
    return m_ownerIdentity.isEmpty() && entryCount() == 0 && !m_inviteOnly && !m_topicLocked;
}

QString RoomRules::findSubject(Kind kind, const QString &identity, const QString &name) const
{
    const QMap<QString, Entry> &entries = m_entries[int(kind)];
    if (entries.contains(identity))
        return identity;
    const QString key = Validation::nameKey(name);
    for (auto it = entries.cbegin(); it != entries.cend(); ++it) {
        if (Validation::nameKey(it->name) == key)
            return it.key();
    }
    return {};
}

bool RoomRules::supersedes(const RoomRules &current) const
{
    if (m_version != current.m_version)
        return m_version > current.m_version;
    return QJsonDocument(toJson()).toJson(QJsonDocument::Compact)
        > QJsonDocument(current.toJson()).toJson(QJsonDocument::Compact);
}

QJsonObject RoomRules::toJson() const
{
    QJsonObject entries;
    for (const Kind kind : Kinds) {
        QJsonObject ofKind;
        const QMap<QString, Entry> &map = m_entries[int(kind)];
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            ofKind.insert(it.key(), QJsonArray { it->name, it->by, it->reason, it->timeMs });
        if (!ofKind.isEmpty())
            entries.insert(kindName(kind), ofKind);
    }
    return { { QStringLiteral("version"), m_version },
             { QStringLiteral("owner"), m_ownerIdentity },
             { QStringLiteral("ownerName"), m_ownerName },
             { QStringLiteral("inviteOnly"), m_inviteOnly },
             { QStringLiteral("topicLocked"), m_topicLocked },
             { QStringLiteral("entries"), entries } };
}

RoomRules RoomRules::fromJson(const QJsonObject &object)
{
    RoomRules rules;
    rules.m_version = object.value(QStringLiteral("version")).toInteger();
    rules.setOwner(object.value(QStringLiteral("owner")).toString(),
                   object.value(QStringLiteral("ownerName")).toString());
    rules.setSettings(object.value(QStringLiteral("inviteOnly")).toBool(),
                      object.value(QStringLiteral("topicLocked")).toBool());
    const QJsonObject entries = object.value(QStringLiteral("entries")).toObject();
    for (auto kindIt = entries.constBegin(); kindIt != entries.constEnd(); ++kindIt) {
        Kind kind;
        if (!kindFromName(kindIt.key(), &kind))
            continue; // from a newer version: not ours to guess at
        const QJsonObject ofKind = kindIt.value().toObject();
        for (auto it = ofKind.constBegin(); it != ofKind.constEnd(); ++it) {
            const QJsonArray entry = it.value().toArray();
            rules.setEntry(kind, it.key(),
                           { entry.at(0).toString(), entry.at(1).toString(), entry.at(2).toString(),
                             entry.at(3).toInteger() });
        }
    }
    return rules;
}
