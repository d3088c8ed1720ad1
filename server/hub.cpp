// SPDX-License-Identifier: MIT
#include "hub.h"

#include "connectioncontrol.h"
#include "dialect.h"
#include "outbox.h"
#include "protocol.h"
#include "trace.h"
#include "validation.h"

#include <QRandomGenerator>

#include <algorithm>

using namespace Protocol;

static QString randomToken()
{
    return QString::number(QRandomGenerator::system()->generate64(), 16);
}

Hub::Hub(const Settings &settings)
    : m_serverName(settings.serverName)
    , m_run(randomToken())
    , m_historySize(std::size_t(qMax(0, settings.historySize)))
    , m_welcomeHistoryBytes(settings.welcomeHistoryBytes)
    , m_presenceLimit(settings.presenceLimit)
    , m_recipients(std::make_shared<Recipients>())
    , m_log(settings.logRetainBytes)
    , m_coalesceAbove(settings.coalesceAbove)
    , m_coalesceInterval(settings.coalesceInterval)
    , m_windowStart(std::chrono::steady_clock::now())
{ }

// A since from an earlier run of the server counts in ids that start again at 1
// here: everything kept is new to that client. Without a run, since is trusted.
qint64 Hub::sinceInThisRun(const JoinRequest &request) const
{
    return request.run.isEmpty() || request.run == m_run ? request.since : 0;
}

Hub::JoinResult Hub::join(const JoinRequest &request)
{
    const QString key = Validation::nameKey(request.name);
    bool deliverPresence = false;
    {
        std::lock_guard lock(m_mutex);
        auto existing = m_members.find(key);
        bool replaced = false;
        bool wasAnnounced = false;
        if (existing != m_members.end()) {
            const bool sameUser =
                !request.resumeToken.isEmpty() && request.resumeToken == existing->session;
            if (sameUser) {
                // The old connection is dead but has not noticed yet: it goes quietly.
                existing->outbox->post(Wire::encode(Wire::Error {
                    Code::Replaced, QStringLiteral("You connected again from elsewhere.") }));
                existing->connection->requestReplace();
                existing->outbox->detach();
                removeRecipientLocked(existing->outbox.get());
                wasAnnounced = existing->announced;
                m_members.erase(existing);
                replaced = true;
            } else if (existing->outbox->peerHasGone()) {
                // Its client is gone and its thread has not read that yet: the
                // name is free. It leaves now; its own leave later finds nothing.
                deliverPresence = leaveLocked(existing);
            } else {
                return { Code::NameTaken,
                         QStringLiteral("The name \"%1\" is already in use.").arg(existing->name) };
            }
        }
        Member member { request.name, request.outbox, request.dialect, randomToken(),
                        request.connection };
        const bool announce = !replaced && m_members.size() < m_presenceLimit;
        member.announced = replaced ? wasAnnounced : announce;
        m_members.insert(key, member);
        member.outbox->post(
            member.dialect->welcome(welcomeLocked(member, sinceInThisRun(request))));
        // Everything after the welcome's history, and nothing in it, comes from the log.
        member.outbox->attach(&m_log, *member.dialect);
        addRecipientLocked(member);
        if (announce)
            appendPresenceLocked(Wire::Presence::Event::Joined, request.name, request.outbox.get());
        deliverPresence = deliverPresence || announce;
    }
    if (deliverPresence)
        deliver();
    return {};
}

void Hub::leave(const QString &name, const Outbox *outbox)
{
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_members.find(Validation::nameKey(name));
        if (it == m_members.end() || it->outbox.get() != outbox)
            return;
        if (!leaveLocked(it))
            return;
    }
    deliver();
}

bool Hub::leaveLocked(QMap<QString, Member>::iterator member)
{
    const bool announce = member->announced; // nobody hears of a leave whose join they missed
    const std::shared_ptr<Outbox> outbox = member->outbox;
    const QString name = member->name;
    outbox->detach();
    m_members.erase(member);
    removeRecipientLocked(outbox.get());
    if (announce)
        appendPresenceLocked(Wire::Presence::Event::Left, name, outbox.get());
    return announce;
}

void Hub::broadcastChat(const QString &from, const Outbox *sender, const QString &text, bool action)
{
    ChatMessage message;
    message.from = from;
    message.text = text;
    message.action = action;
    qsizetype recipients = 0;
    {
        std::lock_guard lock(m_mutex);
        message.time = QDateTime::currentDateTimeUtc();
        message.id = ++m_lastId;
        if (m_historySize > 0) {
            if (m_history.size() == m_historySize)
                m_history.pop_front();
            m_history.push_back(message);
        }
        // Every dialect writes a room message alike: serialised once for all.
        const QByteArray bytes = Wire::encode(message);
        Dialect::Bytes forAll;
        forAll.fill(bytes);
        m_log.append(forAll, sender);
        recipients = qsizetype(m_recipients->size());
        measureLoadLocked(recipients);
    }
    if (Q_UNLIKELY(Trace::enabled()))
        Trace::fanOut(sender->connectionId(), "message", message.id, recipients - 1);
    deliver();
}

// One thread at a time walks the members and has each Outbox send what is new
// for it; a thread with a new entry while a walk is under way only asks for
// another walk and goes back to its own client. The walk under way already
// takes the new entry to every member it has not reached yet, so two messages
// arriving together cost about one walk, not two interleaved ones that each
// finish late. The sender is walked too: its cursor must move past its own
// messages, or the log could drop entries it still owes while it only talks.
void Hub::deliver()
{
    // Under saturation requests never stop; after this many walks the thread
    // goes back to its own client and the next sender (or the sweep) walks.
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

void Hub::walk()
{
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
    releaseRecipients(recipients);
}

// The same walk, counting what became of each member's share for the trace;
// a walk that found nothing new (the sweep's, mostly) is not worth a line.
void Hub::tracedWalk(const Recipients &recipients, std::chrono::nanoseconds coalesce,
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

bool Hub::sendPrivate(const QString &from, const QString &to, const QString &text)
{
    ChatMessage message;
    message.from = from;
    message.text = text;
    message.time = QDateTime::currentDateTimeUtc();
    std::shared_ptr<Outbox> outbox;
    const Dialect *dialect = nullptr;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_members.constFind(Validation::nameKey(to));
        if (it == m_members.constEnd())
            return false;
        message.to = it->name; // no id: ids number the room's messages, for catch-up
        outbox = it->outbox;
        dialect = it->dialect;
    }
    outbox->post(dialect->privateMessage(message));
    return true;
}

Wire::Users Hub::users() const
{
    std::lock_guard lock(m_mutex);
    return { QString(Protocol::DefaultRoom), sortedNamesLocked() };
}

int Hub::broadcastNotice(const QString &text, QLatin1StringView code)
{
    std::shared_ptr<const Recipients> recipients;
    {
        std::lock_guard lock(m_mutex);
        recipients = m_recipients;
    }
    const QByteArray bytes = Wire::encode(Wire::Notice { text, code });
    for (const std::shared_ptr<Outbox> &outbox : *recipients)
        outbox->post(bytes);
    const int told = int(recipients->size());
    releaseRecipients(recipients);
    return told;
}

void Hub::measureLoadLocked(qsizetype deliveries)
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
    if (m_coalesceAbove > 0 && perSecond >= m_coalesceAbove) {
        hold = qMin<qint64>(m_coalesceInterval.count(),
                            qint64(perSecond / m_coalesceAbove * 1'000'000));
    }
    m_coalescingNs.store(hold, std::memory_order_relaxed);
    m_windowStart = now;
    m_windowDeliveries = 0;
}

std::chrono::nanoseconds Hub::coalescing() const
{
    return std::chrono::nanoseconds(m_coalescingNs.load(std::memory_order_relaxed));
}

void Hub::deliverCoalesced()
{
    deliver();
}

int Hub::memberCount() const
{
    std::lock_guard lock(m_mutex);
    return int(m_members.size());
}

void Hub::detachRecipientsLocked()
{
    if (m_recipients.use_count() > 1) // a broadcast is still sending to this list
        m_recipients = std::make_shared<Recipients>(*m_recipients);
}

// A broadcast lets go of the list under the lock: a join or leave that then
// finds itself the only holder changes the list in place, and use_count() alone
// would not order that change after the broadcast's last read.
void Hub::releaseRecipients(std::shared_ptr<const Recipients> &recipients)
{
    std::lock_guard lock(m_mutex);
    recipients.reset();
}

void Hub::addRecipientLocked(const Member &member)
{
    detachRecipientsLocked();
    m_recipients->push_back(member.outbox);
}

void Hub::removeRecipientLocked(const Outbox *outbox)
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
bool Hub::announcesPresenceLocked() const
{
    return m_members.size() <= m_presenceLimit;
}

QStringList Hub::sortedNamesLocked() const
{
    QStringList names;
    names.reserve(m_members.size());
    for (const Member &member : m_members)
        names.append(member.name);
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

Wire::Welcome Hub::welcomeLocked(const Member &member, qint64 since) const
{
    // The newest messages that fit the budget.
    constexpr qsizetype FieldsBytes = 160; // type, id, time, action, names and quotes
    qsizetype bytes = 0;
    auto first = m_history.end();
    while (first != m_history.begin()) {
        const ChatMessage &message = *std::prev(first);
        bytes += jsonStringBytes(message.text) + jsonStringBytes(message.from) + FieldsBytes;
        if (message.id <= since || bytes > m_welcomeHistoryBytes)
            break;
        --first;
    }
    Wire::Welcome welcome;
    welcome.server = m_serverName;
    welcome.version = QStringLiteral(PYNET_VERSION);
    welcome.name = member.name;
    welcome.session = member.session;
    welcome.run = m_run;
    if (announcesPresenceLocked())
        welcome.users = sortedNamesLocked();
    welcome.userCount = qint64(m_members.size());
    welcome.history = QList<ChatMessage>(first, m_history.end());
    // Ids count every room message, so whatever came after since and is not in
    // the history (no longer kept, or over the budget) was missed.
    welcome.missed = since > 0 ? qMax<qint64>(0, m_lastId - since - welcome.history.size()) : 0;
    return welcome;
}

void Hub::appendPresenceLocked(Wire::Presence::Event event, const QString &name,
                               const Outbox *except)
{
    Wire::Presence presence;
    presence.event = event;
    presence.name = name;
    presence.time = timestampNow();
    presence.text = event == Wire::Presence::Event::Joined
        ? QStringLiteral("%1 joined the chat.").arg(name)
        : QStringLiteral("%1 left the chat.").arg(name);
    m_log.append(Dialect::presenceForAll(presence), except);
    // Under the hub's lock, but only while tracing, and joins and leaves are rare.
    if (Q_UNLIKELY(Trace::enabled()))
        // A leaver is no longer among the recipients; a joiner is, and is skipped.
        Trace::fanOut(except->connectionId(), "presence", 0,
                      qsizetype(m_recipients->size())
                          - (event == Wire::Presence::Event::Joined ? 1 : 0));
}
