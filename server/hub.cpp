#include "hub.h"

#include "outbox.h"
#include "protocol.h"
#include "validation.h"

#include <QJsonArray>
#include <QMetaObject>
#include <QObject>
#include <QRandomGenerator>

#include <algorithm>

using namespace Protocol;

Hub::Hub(const QString &serverName, int historySize)
    : m_serverName(serverName)
    , m_historySize(std::size_t(qMax(0, historySize)))
    , m_recipients(std::make_shared<const Recipients>())
{ }

static QString newSessionToken()
{
    return QString::number(QRandomGenerator::system()->generate64(), 16);
}

Hub::JoinResult Hub::join(const JoinRequest &request)
{
    const QString key = Validation::nameKey(request.name);
    std::shared_ptr<const Recipients> others;
    bool replaced = false;
    {
        std::lock_guard lock(m_mutex);
        const auto existing = m_members.constFind(key);
        if (existing != m_members.constEnd()) {
            const bool sameUser =
                !request.resumeToken.isEmpty() && request.resumeToken == existing->session;
            if (!sameUser) {
                return { Code::NameTaken,
                         QStringLiteral("The name \"%1\" is already in use.").arg(existing->name) };
            }
            // The old connection is dead but has not noticed yet: it goes quietly.
            existing->outbox->post(encode(
                error(Code::Replaced, QStringLiteral("You connected again from elsewhere."))));
            QMetaObject::invokeMethod(existing->connection, "onReplaced", Qt::QueuedConnection);
            m_members.remove(key);
            replaced = true;
        }
        Member member { request.name, request.outbox, request.rich, newSessionToken(),
                        request.connection };
        m_members.insert(key, member);
        if (member.rich) {
            member.outbox->post(encode(welcomeLocked(member, request.since)));
        } else {
            member.outbox->post(
                encode(notice(QStringLiteral("Welcome, %1! Online: %2.")
                                  .arg(member.name, sortedNamesLocked().join(u", ")))));
        }
        others = m_recipients;
        rebuildRecipientsLocked();
    }
    if (!replaced)
        broadcastPresence(Event::Joined, request.name, others, nullptr);
    return {};
}

void Hub::leave(const QString &name, const Outbox *outbox)
{
    const QString key = Validation::nameKey(name);
    std::shared_ptr<const Recipients> recipients;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_members.constFind(key);
        if (it == m_members.constEnd() || it->outbox.get() != outbox)
            return;
        m_members.erase(it);
        rebuildRecipientsLocked();
        recipients = m_recipients;
    }
    broadcastPresence(Event::Left, name, recipients, outbox);
}

void Hub::broadcastChat(const QString &from, const Outbox *sender, const QString &text, bool action)
{
    ChatMessage message;
    message.from = from;
    message.text = text;
    message.action = action;
    message.time = QDateTime::currentDateTimeUtc();
    std::shared_ptr<const Recipients> recipients;
    {
        std::lock_guard lock(m_mutex);
        message.id = ++m_lastId;
        if (m_historySize > 0) {
            if (m_history.size() == m_historySize)
                m_history.pop_front();
            m_history.push_back(message);
        }
        recipients = m_recipients;
    }
    const QByteArray bytes = encode(message.toJson());
    for (const Recipient &recipient : *recipients) {
        if (recipient.outbox.get() != sender)
            recipient.outbox->post(bytes);
    }
}

bool Hub::sendPrivate(const QString &from, const QString &to, const QString &text)
{
    ChatMessage message;
    message.from = from;
    message.text = text;
    message.time = QDateTime::currentDateTimeUtc();
    std::shared_ptr<Outbox> outbox;
    bool rich = false;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_members.constFind(Validation::nameKey(to));
        if (it == m_members.constEnd())
            return false;
        message.to = it->name; // no id: ids number the room's messages, for catch-up
        outbox = it->outbox;
        rich = it->rich;
    }
    if (!rich)
        message.text = QStringLiteral("(private) ") + message.text; // a seed client shows no "to"
    outbox->post(encode(message.toJson()));
    return true;
}

QJsonObject Hub::usersMessage() const
{
    std::lock_guard lock(m_mutex);
    return { { Field::Type, Type::Users },
             { Field::Users, QJsonArray::fromStringList(sortedNamesLocked()) } };
}

int Hub::broadcastNotice(const QString &text, QLatin1StringView code)
{
    std::shared_ptr<const Recipients> recipients;
    {
        std::lock_guard lock(m_mutex);
        recipients = m_recipients;
    }
    const QByteArray bytes = encode(notice(text, code));
    for (const Recipient &recipient : *recipients)
        recipient.outbox->post(bytes);
    return int(recipients->size());
}

int Hub::memberCount() const
{
    std::lock_guard lock(m_mutex);
    return int(m_members.size());
}

void Hub::rebuildRecipientsLocked()
{
    auto recipients = std::make_shared<Recipients>();
    recipients->reserve(std::size_t(m_members.size()));
    for (const Member &member : std::as_const(m_members))
        recipients->push_back({ member.outbox, member.rich });
    m_recipients = std::move(recipients);
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

QJsonObject Hub::welcomeLocked(const Member &member, qint64 since) const
{
    QJsonArray history;
    qint64 missed = 0;
    for (const ChatMessage &message : m_history) {
        if (message.id > since)
            history.append(message.toJson());
    }
    if (since > 0) {
        const qint64 oldestKept = m_history.empty() ? m_lastId + 1 : m_history.front().id;
        missed = qMax<qint64>(0, oldestKept - since - 1);
    }
    return { { Field::Type, Type::Welcome },
             { Field::Protocol, Protocol::Version },
             { Field::Server, m_serverName },
             { Field::Version, QStringLiteral(PYNET_VERSION) },
             { Field::Name, member.name },
             { Field::Session, member.session },
             { Field::Users, QJsonArray::fromStringList(sortedNamesLocked()) },
             { Field::History, history },
             { Field::Missed, missed } };
}

void Hub::broadcastPresence(QLatin1StringView event, const QString &name,
                            const std::shared_ptr<const Recipients> &recipients,
                            const Outbox *except)
{
    const QString text = event == Event::Joined ? QStringLiteral("%1 joined the chat.").arg(name)
                                                : QStringLiteral("%1 left the chat.").arg(name);
    const QByteArray rich = encode({ { Field::Type, Type::Presence },
                                     { Field::Event, event },
                                     { Field::Name, name },
                                     { Field::Time, timestampNow() },
                                     { Field::Data, text } });
    const QByteArray seed = encode(notice(text));
    for (const Recipient &recipient : *recipients) {
        if (recipient.outbox.get() != except)
            recipient.outbox->post(recipient.rich ? rich : seed);
    }
}
