// SPDX-License-Identifier: MIT
#include "room.h"

#include "dialect.h"
#include "metrics.h"
#include "outbox.h"
#include "protocol.h"
#include "trace.h"
#include "validation.h"

#include <QDateTime>

#include <algorithm>

using namespace Protocol;

Room::Room(const QString &name, const Settings &settings)
    : m_name(name)
    , m_key(Validation::roomKey(name))
    , m_settings(settings)
    , m_recipients(std::make_shared<Recipients>())
    , m_log(settings.logRetainBytes)
    , m_windowStart(std::chrono::steady_clock::now())
{
    m_topic.room = name;
}

void Room::restore(const Wire::Topic &topic, const QList<ChatMessage> &recent, bool olderStored)
{
    std::lock_guard lock(m_mutex);
    m_topic = topic;
    m_topic.room = m_name;
    m_history.assign(recent.begin(), recent.end());
    while (m_history.size() > std::size_t(qMax(0, m_settings.historySize))) {
        m_history.pop_front();
        olderStored = true;
    }
    if (olderStored && !m_history.empty())
        m_lastDroppedId = m_history.front().id - 1;
}

bool Room::enter(const Member &member, qint64 since, const MakeAnswer &makeAnswer, bool quietly)
{
    std::lock_guard lock(m_mutex);
    if (m_members.contains(member.outbox.get()))
        return false;
    const bool announce = !quietly && everyoneLocked() < m_settings.presenceLimit;
    m_members.insert(member.outbox.get(), { member, announce || quietly });
    member.outbox->post(makeAnswer(stateLocked(since)));
    // Everything after the answer's history, and nothing in it, comes from the log.
    member.outbox->attach(&m_log, *member.dialect);
    addRecipientLocked(member.outbox);
    if (announce)
        appendPresenceLocked(Wire::Presence::Event::Joined, member.name, member.outbox.get());
    return announce;
}

bool Room::leave(const Outbox *outbox, bool quietly)
{
    std::lock_guard lock(m_mutex);
    return leaveLocked(outbox, quietly);
}

bool Room::leaveLocked(const Outbox *outbox, bool quietly)
{
    const auto it = m_members.find(outbox);
    if (it == m_members.end())
        return false;
    // Nobody hears of a leave whose join they missed.
    const bool announce = it->announced && !quietly;
    const QString name = it->member.name;
    it->member.outbox->detach(&m_log);
    m_members.erase(it);
    removeRecipientLocked(outbox);
    if (m_members.isEmpty())
        m_log.dropThrough(m_log.lastSeq()); // an empty room owes nobody anything
    else if (announce)
        appendPresenceLocked(Wire::Presence::Event::Left, name, outbox);
    return announce && !m_members.isEmpty();
}

bool Room::hasMember(const Outbox *outbox) const
{
    std::lock_guard lock(m_mutex);
    return m_members.contains(outbox);
}

RoomRules Room::rules() const
{
    std::lock_guard lock(m_mutex);
    return m_rules;
}

void Room::setRules(const RoomRules &rules)
{
    std::lock_guard lock(m_mutex);
    m_rules = rules;
}

QLatin1StringView Room::refusalToEnter(const QString &identity, bool admin, QString *text) const
{
    std::lock_guard lock(m_mutex);
    return m_rules.refusalToEnter(identity, admin, m_name, text);
}

Room::Standing Room::standingOf(const Outbox *outbox) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_members.constFind(outbox);
    if (it == m_members.constEnd())
        return Standing::Absent;
    return m_rules.isMuted(it->member.identity) ? Standing::Muted : Standing::Speaking;
}

bool Room::maySetTopic(const Outbox *outbox, bool admin) const
{
    std::lock_guard lock(m_mutex);
    const auto it = m_members.constFind(outbox);
    return it != m_members.constEnd() && m_rules.maySetTopic(it->member.identity, admin);
}

RoomRules::Outcome Room::moderate(const RoomRules::Request &request,
                                  const std::shared_ptr<Outbox> &target, int maxEntries,
                                  Wire::Moderated *announced, RoomRules *after)
{
    std::lock_guard lock(m_mutex);
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    const RoomRules::Outcome outcome = m_rules.apply(request, m_name, nowMs, maxEntries);
    if (!outcome.errorCode.isEmpty())
        return outcome;
    m_rules.stamp(nowMs);
    Wire::Moderated event;
    static_cast<Wire::Moderation &>(event) = request.moderate;
    event.room = m_name;
    event.time = timestampNow();
    event.text = RoomRules::sentence(event);
    announceLocked(event, outcome.removeTarget ? target : nullptr);
    *announced = event;
    *after = m_rules;
    return outcome;
}

bool Room::adopt(const RoomRules &rules, const std::optional<Wire::Moderated> &announced,
                 const std::shared_ptr<Outbox> &target)
{
    std::lock_guard lock(m_mutex);
    if (rules.supersedes(m_rules))
        m_rules = rules;
    return announced && announceLocked(*announced, target);
}

QStringList Room::adoptStored(const RoomRules &rules, const QSet<QString> &exempt)
{
    std::lock_guard lock(m_mutex);
    if (!rules.supersedes(m_rules))
        return {};
    m_rules = rules;
    const QMap<QString, RoomRules::Entry> &bans = m_rules.entries(RoomRules::Kind::Ban);
    QList<std::pair<std::shared_ptr<Outbox>, RoomRules::Entry>> banned;
    for (const Entry &entry : std::as_const(m_members)) {
        const QString &identity = entry.member.identity;
        const auto ban = bans.constFind(identity);
        if (ban != bans.constEnd() && !exempt.contains(identity)
            && m_rules.roleOf(identity, false) == RoomRules::Role::Member)
            banned.append({ entry.member.outbox, *ban });
    }
    QStringList removed;
    for (const auto &[outbox, ban] : std::as_const(banned)) {
        Wire::Moderated event;
        event.room = m_name;
        event.action = QString(Protocol::Moderation::Ban);
        event.target = ban.name;
        event.reason = ban.reason;
        event.by = ban.by;
        event.time = timestampNow();
        event.text = RoomRules::sentence(event);
        removed.append(m_members.value(outbox.get()).member.name);
        announceLocked(event, outbox);
    }
    return removed;
}

bool Room::announceLocked(const Wire::Moderated &event, const std::shared_ptr<Outbox> &target)
{
    const auto removed = target ? m_members.constFind(target.get()) : m_members.constEnd();
    if (removed == m_members.constEnd()) {
        m_log.append(Dialect::moderationForAll(event), nullptr);
        return false;
    }
    // Out of the room before the announcement reaches its log (leaving hands
    // a member what the log owes it), so the one removed reads it once,
    // directly, then its leave; the others read it, then the presence.
    const bool announced = removed->announced;
    const QString name = removed->member.name;
    target->post(Wire::encode(event));
    leaveLocked(target.get(), true);
    target->post(Wire::encode(Wire::Leave { m_name }));
    m_log.append(Dialect::moderationForAll(event), nullptr);
    if (announced && !m_members.isEmpty())
        appendPresenceLocked(Wire::Presence::Event::Left, name, nullptr);
    return true;
}

void Room::append(const ChatMessage &message, const Outbox *sender)
{
    appendOnly(message, sender);
    deliver();
}

void Room::appendOnly(const ChatMessage &message, const Outbox *sender)
{
    qsizetype recipients = 0;
    qsizetype deliveries = 0; // every member but the sender
    {
        std::lock_guard lock(m_mutex);
        appendLocked(message, sender);
        recipients = qsizetype(m_recipients->size());
        deliveries = recipients - qsizetype(sender && m_members.contains(sender));
    }
    Metrics::instance().add(Metrics::Counter::MessagesDelivered, quint64(deliveries));
    if (Q_UNLIKELY(Trace::enabled()) && sender)
        Trace::fanOut(sender->connectionId(), "message", message.id, recipients - 1);
}

void Room::numberAndAppend(ChatMessage message, std::atomic<qint64> *ids, const Outbox *sender)
{
    qsizetype recipients = 0;
    qsizetype deliveries = 0; // every member but the sender
    {
        std::lock_guard lock(m_mutex);
        message.id = ids->fetch_add(1, std::memory_order_relaxed) + 1;
        appendLocked(message, sender);
        recipients = qsizetype(m_recipients->size());
        deliveries = recipients - qsizetype(sender && m_members.contains(sender));
    }
    Metrics::instance().add(Metrics::Counter::MessagesDelivered, quint64(deliveries));
    if (Q_UNLIKELY(Trace::enabled()) && sender)
        Trace::fanOut(sender->connectionId(), "message", message.id, recipients - 1);
    deliver();
}

void Room::appendLocked(const ChatMessage &message, const Outbox *sender)
{
    if (m_settings.historySize > 0) {
        if (m_history.size() == std::size_t(m_settings.historySize)) {
            m_lastDroppedId = m_history.front().id;
            m_history.pop_front();
        }
        m_history.push_back(message);
    }
    // Every dialect writes a room message alike: serialised once for all.
    Dialect::Bytes forAll;
    forAll.fill(Wire::encode(message));
    m_log.append(forAll, sender);
    measureLoadLocked(qsizetype(m_recipients->size()));
}

void Room::setTopic(const Wire::Topic &topic)
{
    {
        std::lock_guard lock(m_mutex);
        m_topic = topic;
        m_topic.room = m_name;
        m_log.append(Dialect::topicForAll(m_topic), nullptr);
    }
    deliver();
}

Wire::Topic Room::topic() const
{
    std::lock_guard lock(m_mutex);
    return m_topic;
}

Wire::Users Room::users() const
{
    std::lock_guard lock(m_mutex);
    return { m_name, sortedNamesLocked() };
}

Wire::RoomList::Entry Room::summary() const
{
    std::lock_guard lock(m_mutex);
    return { m_name, m_topic.text, qint64(everyoneLocked()) };
}

int Room::memberCount() const
{
    std::lock_guard lock(m_mutex);
    return int(m_members.size());
}

bool Room::enterRemote(const QString &name)
{
    std::lock_guard lock(m_mutex);
    const QString key = Validation::nameKey(name);
    if (m_remoteMembers.contains(key))
        return false;
    const bool announce = everyoneLocked() < m_settings.presenceLimit;
    m_remoteMembers.insert(key, name);
    if (announce && !m_members.isEmpty())
        appendPresenceLocked(Wire::Presence::Event::Joined, name, nullptr);
    return announce && !m_members.isEmpty();
}

bool Room::leaveRemote(const QString &name)
{
    std::lock_guard lock(m_mutex);
    if (m_remoteMembers.remove(Validation::nameKey(name)) == 0)
        return false;
    const bool announce = everyoneLocked() < m_settings.presenceLimit;
    if (announce && !m_members.isEmpty())
        appendPresenceLocked(Wire::Presence::Event::Left, name, nullptr);
    return announce && !m_members.isEmpty();
}

qsizetype Room::everyoneLocked() const
{
    return m_members.size() + m_remoteMembers.size();
}

Wire::History Room::page(qint64 before, int limit) const
{
    std::lock_guard lock(m_mutex);
    auto end = m_history.end();
    if (before > 0) {
        end =
            std::lower_bound(m_history.begin(), m_history.end(), before,
                             [](const ChatMessage &message, qint64 id) { return message.id < id; });
    }
    const auto first = end - std::min<std::ptrdiff_t>(limit, end - m_history.begin());
    Wire::History history;
    history.room = m_name;
    history.messages = QList<ChatMessage>(first, end);
    history.more = first != m_history.begin(); // what was dropped cannot be had

    return history;
}

void Room::expire(qint64 throughId)
{
    std::lock_guard lock(m_mutex);
    while (!m_history.empty() && m_history.front().id <= throughId)
        m_history.pop_front();
    m_lastDroppedId = qMax(m_lastDroppedId, throughId);
}

int Room::postToAll(const QByteArray &bytes)
{
    std::shared_ptr<const Recipients> recipients;
    {
        std::lock_guard lock(m_mutex);
        recipients = m_recipients;
    }
    for (const std::shared_ptr<Outbox> &outbox : *recipients)
        outbox->post(bytes);
    const int told = int(recipients->size());
    releaseRecipients(recipients);
    return told;
}

// One thread at a time walks the members and has each Outbox send what is new
// for it; a thread with a new entry while a walk is under way only asks for
// another walk and goes back to its own work. The walk under way already
// takes the new entry to every member it has not reached yet, so two messages
// arriving together cost about one walk, not two interleaved ones that each
// finish late. The sender is walked too: its cursor must move past its own
// messages, or the log could drop entries it still owes while it only talks.
void Room::deliver()
{
    // Under saturation requests never stop; after this many walks the thread
    // goes back to its own work and the next sender (or the sweep) walks.
    constexpr int MaxWalks = 64;
    m_walkRequested.store(true, std::memory_order_release);
    int walks = 0;
    while (walks < MaxWalks) {
        bool idle = false;
        if (!m_walking.compare_exchange_strong(idle, true, std::memory_order_acquire))
            return; // the thread walking will see the request
        while (walks < MaxWalks && m_walkRequested.exchange(false, std::memory_order_acq_rel)) {
            walk();
            ++walks;
        }
        m_walking.store(false, std::memory_order_release);
        // A request made after our last look found us still walking and left.
        if (!m_walkRequested.load(std::memory_order_acquire))
            return;
    }
}

bool Room::mustWalkNow() const
{
    return m_log.appendedBytes() - m_walkedFromBytes.load(std::memory_order_relaxed)
        > m_settings.logRetainBytes / 4;
}

bool Room::owesWalk() const
{
    return m_walkRequested.load(std::memory_order_acquire) || coalescing().count() > 0;
}

void Room::walk()
{
    m_walkedFromBytes.store(m_log.appendedBytes(), std::memory_order_relaxed);
    std::shared_ptr<const Recipients> recipients;
    {
        std::lock_guard lock(m_mutex);
        recipients = m_recipients;
    }
    const std::chrono::nanoseconds coalesce = coalescing();
    const auto now = std::chrono::steady_clock::now();
    if (Q_UNLIKELY(Trace::enabled())) {
        tracedWalk(*recipients, coalesce, now);
    } else {
        for (const std::shared_ptr<Outbox> &outbox : *recipients)
            outbox->deliver(coalesce, now);
    }
    trimLog(*recipients, now);
    releaseRecipients(recipients);
}

// Now and then, not on every walk (it asks every member once more): with
// thousands of rooms, logs holding their whole retainBytes would add up.
void Room::trimLog(const Recipients &recipients, std::chrono::steady_clock::time_point now)
{
    constexpr auto TrimInterval = std::chrono::seconds(1);
    if (now < m_nextTrim)
        return;
    m_nextTrim = now + TrimInterval;
    qint64 taken = m_log.lastSeq();
    for (const std::shared_ptr<Outbox> &outbox : recipients) {
        const qint64 cursor = outbox->cursorIn(&m_log);
        if (cursor >= 0)
            taken = qMin(taken, cursor);
    }
    m_log.dropThrough(taken);
}

// The same walk, counting what became of each member's share for the trace;
// a walk that found nothing new (the sweep's, mostly) is not worth a line.
void Room::tracedWalk(const Recipients &recipients, std::chrono::nanoseconds coalesce,
                      std::chrono::steady_clock::time_point now)
{
    Trace::WalkCounts counts;
    counts.members = int(recipients.size());
    for (const std::shared_ptr<Outbox> &outbox : recipients) {
        switch (outbox->deliver(coalesce, now)) {
        case Outbox::Delivery::Nothing:
            break;
        case Outbox::Delivery::HeldBack:
            ++counts.heldBack;
            break;
        case Outbox::Delivery::Written:
            ++counts.written;
            break;
        case Outbox::Delivery::LeftToOwner:
            ++counts.leftToOwner;
            break;
        }
    }
    if (counts.written + counts.leftToOwner + counts.heldBack > 0)
        Trace::walk(counts,
                    std::chrono::duration_cast<std::chrono::microseconds>(coalesce).count());
}

void Room::measureLoadLocked(qsizetype deliveries)
{
    constexpr auto Window = std::chrono::milliseconds(100);
    m_windowDeliveries += deliveries;
    const auto now = std::chrono::steady_clock::now();
    const auto elapsed = now - m_windowStart;
    if (elapsed < Window)
        return;
    const double perSecond =
        double(m_windowDeliveries) / std::chrono::duration<double>(elapsed).count();
    // Hold writes back in proportion to the load: 1 ms per coalesceAbove
    // deliveries a second, so the busier the room, the more messages share a
    // packet, up to the longest interval allowed.
    qint64 hold = 0;
    if (m_settings.coalesceAbove > 0 && perSecond >= m_settings.coalesceAbove) {
        hold = qMin<qint64>(std::chrono::nanoseconds(m_settings.coalesceInterval).count(),
                            qint64(perSecond / m_settings.coalesceAbove * 1'000'000));
    }
    m_coalescingNs.store(hold, std::memory_order_relaxed);
    m_windowStart = now;
    m_windowDeliveries = 0;
}

std::chrono::nanoseconds Room::coalescing() const
{
    return std::chrono::nanoseconds(m_coalescingNs.load(std::memory_order_relaxed));
}

void Room::detachRecipientsLocked()
{
    if (m_recipients.use_count() > 1) // a walk is still sending to this list
        m_recipients = std::make_shared<Recipients>(*m_recipients);
}

// A walk lets go of the list under the lock: an enter or leave that then finds
// itself the only holder changes the list in place, and use_count() alone
// would not order that change after the walk's last read.
void Room::releaseRecipients(std::shared_ptr<const Recipients> &recipients)
{
    std::lock_guard lock(m_mutex);
    recipients.reset();
}

void Room::addRecipientLocked(const std::shared_ptr<Outbox> &outbox)
{
    detachRecipientsLocked();
    m_recipients->push_back(outbox);
}

void Room::removeRecipientLocked(const Outbox *outbox)
{
    detachRecipientsLocked();
    Recipients &recipients = *m_recipients;
    const auto it =
        std::find_if(recipients.begin(), recipients.end(),
                     [outbox](const std::shared_ptr<Outbox> &r) { return r.get() == outbox; });
    if (it == recipients.end())
        return;
    *it = std::move(recipients.back()); // order does not matter
    recipients.pop_back();
}

// Announcing every join and leave to everyone costs O(members) each; past the
// limit the room stays quiet about them and clients ask for the list instead.
bool Room::announcesPresenceLocked() const
{
    return everyoneLocked() <= m_settings.presenceLimit;
}

QStringList Room::sortedNamesLocked() const
{
    QStringList names;
    names.reserve(everyoneLocked());
    for (const Entry &entry : m_members)
        names.append(entry.member.name);
    for (const QString &name : m_remoteMembers)
        names.append(name);
    names.sort(Qt::CaseInsensitive);
    return names;
}

// What text takes in a JSON string on the wire, at most: UTF-8, escapes included.
static qsizetype jsonStringBytes(const QString &text)
{
    qsizetype bytes = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t unit = text.at(i).unicode();
        if (QChar::isHighSurrogate(unit) && i + 1 < text.size()
            && QChar::isLowSurrogate(text.at(i + 1).unicode())) {
            bytes += 4;
            ++i;
        } else if (unit < 0x20 || QChar::isSurrogate(unit)) {
            bytes += 6; // escaped as \uXXXX at worst
        } else if (unit == u'"' || unit == u'\\') {
            bytes += 2;
        } else {
            bytes += unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
        }
    }
    return bytes;
}

Wire::RoomState Room::stateLocked(qint64 since) const
{
    // The newest messages after since that fit the budget.
    constexpr qsizetype FieldsBytes = 200; // type, id, time, room, action, names and quotes
    qsizetype bytes = 0;
    auto first = m_history.end();
    qsizetype newer = 0; // kept messages after since
    for (auto it = m_history.end(); it != m_history.begin();) {
        --it;
        if (it->id <= since)
            break;
        ++newer;
        bytes += jsonStringBytes(it->text) + jsonStringBytes(it->from) + FieldsBytes;
        if (first == std::next(it) && bytes <= m_settings.answerHistoryBytes)
            first = it; // still within the budget; the rest counts as missed
    }
    Wire::RoomState state;
    state.room = m_name;
    state.topic = m_topic.text;
    if (announcesPresenceLocked())
        state.users = sortedNamesLocked();
    state.userCount = qint64(everyoneLocked());
    state.owner = m_rules.ownerName();
    state.operators = m_rules.operatorNames();
    state.inviteOnly = m_rules.inviteOnly();
    state.topicLocked = m_rules.topicLocked();
    state.history = QList<ChatMessage>(first, m_history.end());
    if (since > 0) {
        // Only what is kept here can be counted: when messages after since are
        // no longer kept, some were missed and the count is unknown (-1).
        state.missed = since >= m_lastDroppedId ? newer - state.history.size() : -1;
    }
    return state;
}

void Room::appendPresenceLocked(Wire::Presence::Event event, const QString &name,
                                const Outbox *except)
{
    Wire::Presence presence;
    presence.event = event;
    presence.room = m_name;
    presence.name = name;
    presence.time = timestampNow();
    // In #general as the seed has always said it.
    const bool general = m_key == Protocol::DefaultRoom;
    const QString where = general ? QStringLiteral("the chat") : m_name;
    presence.text = event == Wire::Presence::Event::Joined
        ? QStringLiteral("%1 joined %2.").arg(name, where)
        : QStringLiteral("%1 left %2.").arg(name, where);
    m_log.append(Dialect::presenceForAll(presence), except);
    // Under the room's lock, but only while tracing, and joins and leaves are rare.
    if (Q_UNLIKELY(Trace::enabled()))
        // A leaver is no longer among the recipients; a joiner is, and is skipped.
        Trace::fanOut(except->connectionId(), "presence", 0,
                      qsizetype(m_recipients->size())
                          - (event == Wire::Presence::Event::Joined ? 1 : 0));
}
