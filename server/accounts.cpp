// SPDX-License-Identifier: MIT
#include "accounts.h"

#include "logintoken.h"
#include "protocol.h"
#include "serverconfig.h"
#include "validation.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <future>

using namespace Protocol;

namespace {

Q_LOGGING_CATEGORY(lcAccounts, "pynet.accounts")

constexpr qint64 DayMs = 24 * 60 * 60 * 1000;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// One text for a wrong password and for a name without an account.
const QString AuthFailedText = QStringLiteral("Wrong name or password.");

} // namespace

Accounts::Accounts(const Settings &settings)
    : m_settings(settings)
    , m_hasher(settings.hashPasses, settings.hashMemoryKib)
    , m_throttle(settings.loginFailures, settings.throttleKeys)
    , m_database(std::make_unique<WorkQueue>(1, settings.maxAccountLookups))
    , m_hashing(std::make_unique<WorkQueue>(settings.maxHashing, settings.maxHashingQueue))
{ }

Accounts::Settings Accounts::settingsFor(const ServerConfig &config)
{
    Settings settings;
    settings.url = config.databaseUrl();
    settings.createDirectory = config.database.isEmpty(); // only the default's, as Storage's
    settings.hashPasses = config.hashPasses;
    settings.hashMemoryKib = config.hashMemoryKib;
    settings.maxHashing = config.maxHashing;
    settings.maxHashingQueue = config.maxHashingQueue;
    settings.maxAccountLookups = config.maxAccountLookups;
    settings.loginFailures = config.loginFailures;
    settings.throttleKeys = config.loginThrottleKeys;
    settings.tokenDays = config.tokenDays;
    settings.minPasswordLength = config.minPasswordLength;
    settings.registrationOpen = config.registrationOpen;
    settings.privateLimits.keepPerConversation = config.privateRetainMessages;
    settings.privateLimits.keepDays = config.privateRetainDays;
    return settings;
}

std::unique_ptr<Accounts> Accounts::open(const Settings &settings, QString *error)
{
    if (!PasswordHasher::initialize()) {
        *error = QStringLiteral("libsodium cannot start (no source of randomness)");
        return nullptr;
    }
    std::unique_ptr<Accounts> accounts(new Accounts(settings));
    // Proves at start that this much memory can be had for a hash.
    accounts->m_dummyHash = accounts->m_hasher.hash(LoginToken::create());
    if (accounts->m_dummyHash.isEmpty()) {
        *error = QStringLiteral("cannot hash a password with --hash-memory-kib %1 and "
                                "--hash-passes %2")
                     .arg(settings.hashMemoryKib)
                     .arg(settings.hashPasses);
        return nullptr;
    }
    std::promise<QString> opened;
    Accounts *self = accounts.get();
    self->m_database->postAlways([self, &opened] {
        QString reason;
        self->m_store =
            AccountStore::create(self->m_settings.url, self->m_settings.createDirectory, &reason);
        if (self->m_store
            && (!self->m_store->open(&reason)
                || !self->m_store->loadRules(&self->m_loadedRules, &reason)))
            self->m_store.reset();
        opened.set_value(self->m_store ? QString() : reason);
    });
    *error = opened.get_future().get();
    if (!error->isEmpty())
        return nullptr;
    return accounts;
}

Accounts::~Accounts()
{
    // What the database thread still has may start hashes; then the last
    // hashes hand their results back to it.
    std::promise<void> drained;
    m_database->postAlways([&drained] { drained.set_value(); });
    drained.get_future().wait();
    m_hashing.reset();
    m_database->postAlways([this] { m_store.reset(); }); // closed on its own thread
    m_database.reset();
}

QString Accounts::weakness(const QString &password, int minLength)
{
    if (password.toUtf8().size() > MaxPasswordBytes)
        return QStringLiteral("A password may be at most %1 bytes long.").arg(MaxPasswordBytes);
    if (password.toUcs4().size() < minLength)
        return QStringLiteral("A password needs at least %1 characters.").arg(minLength);
    return {};
}

void Accounts::unavailable(const Reply &reply, const QString &error)
{
    qCWarning(lcAccounts).noquote() << "account database:" << error;
    reply->answer(AccountReply::Answer::refused(
        Code::AccountsUnavailable,
        QStringLiteral("Accounts are unavailable: the server cannot reach its "
                       "database. Try again later.")));
}

void Accounts::failed(const Reply &reply)
{
    reply->answer(AccountReply::Answer::refused(Code::AuthFailed, AuthFailedText));
}

void Accounts::busy(const Login &login, const Reply &reply)
{
    // Nothing was checked: the guess does not count.
    m_throttle.release(Validation::nameKey(login.name), login.address);
    reply->answer(AccountReply::Answer::refused(
        Code::LoginThrottled,
        QStringLiteral("The server is busy checking other logins: try again in 1 s.")));
}

QString Accounts::issueToken(const QString &key, QString *error)
{
    const QString token = LoginToken::create();
    const qint64 now = nowMs();
    if (!m_store->addToken(LoginToken::digest(token), key, now,
                           now + qint64(m_settings.tokenDays) * DayMs, error))
        return {};
    return token;
}

void Accounts::login(const Login &login, const Reply &reply)
{
    const QString key = Validation::nameKey(login.name);
    if (!login.token.isEmpty()) {
        // A token holds 256 random bits: guessing one is hopeless, so it is
        // neither throttled nor hashed slowly.
        const bool queued = m_database->post([this, login, key, reply] {
            QString error;
            QString owner;
            const AccountStore::Found found =
                m_store->findToken(LoginToken::digest(login.token), nowMs(), &owner, &error);
            AccountStore::Account account;
            if (found == AccountStore::Found::Yes && owner == key
                && m_store->find(key, &account, &error) == AccountStore::Found::Yes) {
                reply->answer({ {}, {}, account.name, login.token, {} });
            } else if (!error.isEmpty()) {
                unavailable(reply, error);
            } else {
                reply->answer(AccountReply::Answer::refused(
                    Code::TokenInvalid,
                    QStringLiteral("The login token is unknown, expired or revoked: "
                                   "log in with the password.")));
            }
        });
        if (!queued)
            reply->answer(AccountReply::Answer::refused(
                Code::LoginThrottled, QStringLiteral("The server is busy: try again in 1 s.")));
        return;
    }
    if (const int wait = m_throttle.reserve(key, login.address)) {
        reply->answer(AccountReply::Answer::refused(
            Code::LoginThrottled,
            QStringLiteral("Too many failed logins for this name or from this "
                           "address: try again in %1 s.")
                .arg(wait)));
        return;
    }
    const bool queued = m_database->post([this, login, key, reply] {
        QString error;
        AccountStore::Account account;
        switch (m_store->find(key, &account, &error)) {
        case AccountStore::Found::Yes:
            verify(login, account, true, reply);
            return;
        case AccountStore::Found::Error:
            m_throttle.release(key, login.address);
            unavailable(reply, error);
            return;
        case AccountStore::Found::No:
            break;
        }
        if (!login.registerName) {
            verify(login, account, false, reply);
            return;
        }
        // Nothing is guessed by asking to register a free name.
        m_throttle.release(key, login.address);
        if (!m_settings.registrationOpen) {
            reply->answer(AccountReply::Answer::refused(
                Code::RegistrationClosed,
                QStringLiteral("Registration is closed on this server: ask its "
                               "operator for an account.")));
            return;
        }
        if (const QString weak = weakness(login.password, m_settings.minPasswordLength);
            !weak.isEmpty()) {
            reply->answer(AccountReply::Answer::refused(Code::WeakPassword, weak));
            return;
        }
        create(login, reply);
    });
    if (!queued)
        busy(login, reply);
}

void Accounts::verify(const Login &login, const AccountStore::Account &account, bool exists,
                      const Reply &reply)
{
    const QByteArray hash = exists ? account.hash : m_dummyHash;
    const bool queued = m_hashing->post([this, login, account, exists, hash, reply] {
        const bool right = m_hasher.verify(hash, login.password) && exists;
        QByteArray rehashed;
        if (right && m_hasher.needsRehash(hash))
            rehashed = m_hasher.hash(login.password);
        // Back on the database thread, for both outcomes alike.
        m_database->postAlways([this, login, account, right, rehashed, reply] {
            if (right)
                loggedIn(login, account, rehashed, reply);
            else
                failed(reply);
        });
    });
    if (!queued)
        busy(login, reply);
}

void Accounts::create(const Login &login, const Reply &reply)
{
    const bool queued = m_hashing->post([this, login, reply] {
        AccountStore::Account account;
        account.key = Validation::nameKey(login.name);
        account.name = login.name;
        account.hash = m_hasher.hash(login.password);
        account.createdMs = nowMs();
        m_database->postAlways([this, login, account, reply] {
            QString error;
            if (account.hash.isEmpty()) {
                unavailable(reply, QStringLiteral("hashing failed: out of memory"));
                return;
            }
            switch (m_store->add(account, &error)) {
            case AccountStore::Found::No:
                qCInfo(lcAccounts).noquote() << "account" << account.name << "registered";
                loggedIn(login, account, {}, reply);
                return;
            case AccountStore::Found::Yes: // someone registered it meanwhile
                failed(reply);
                return;
            case AccountStore::Found::Error:
                unavailable(reply, error);
                return;
            }
        });
    });
    if (!queued)
        busy(login, reply);
}

void Accounts::loggedIn(const Login &login, const AccountStore::Account &account,
                        const QByteArray &rehashed, const Reply &reply)
{
    m_throttle.release(account.key, login.address);
    QString error;
    if (!rehashed.isEmpty() && !m_store->setHash(account.key, rehashed, false, &error))
        qCWarning(lcAccounts).noquote() << "rehash of" << account.name << "not stored:" << error;
    const QString token = issueToken(account.key, &error);
    if (token.isEmpty()) {
        unavailable(reply, error);
        return;
    }
    QStringList rooms;
    if (!m_store->rooms(account.key, &rooms, &error)) // the login stands without them
        qCWarning(lcAccounts).noquote() << "rooms of" << account.name << "not read:" << error;
    reply->answer({ {}, {}, account.name, token, rooms });
}

void Accounts::recordRules(const QString &roomKey, const RoomRules &rules,
                           const Wire::Moderated &event, const QString &removedAccount)
{
    // Always queued: what was announced must be kept.
    m_database->postAlways([this, roomKey, rules, event, removedAccount] {
        QString error;
        if (!m_store->saveRules(roomKey, rules, event, removedAccount, &error))
            qCWarning(lcAccounts).noquote()
                << "moderation of" << event.room << "not stored:" << error;
    });
}

void Accounts::loadRules(std::function<void(const QHash<QString, RoomRules> &rules)> done)
{
    const bool queued = m_database->post([this, done = std::move(done)] {
        QHash<QString, RoomRules> rules;
        QString error;
        if (m_store->loadRules(&rules, &error))
            done(rules);
        else
            qCWarning(lcAccounts).noquote() << "moderation rules not read again:" << error;
    });
    if (!queued)
        qCWarning(lcAccounts).noquote()
            << "moderation rules not read again: the account database is busy";
}

void Accounts::setInRoom(const QString &name, const QString &room, bool in)
{
    const bool queued = m_database->post([this, name, room, in] {
        QString error;
        if (!m_store->setInRoom(Validation::nameKey(name), room, in, &error))
            qCWarning(lcAccounts).noquote()
                << "room" << room << "of" << name << "not remembered:" << error;
    });
    if (!queued)
        qCWarning(lcAccounts).noquote()
            << "room" << room << "of" << name << "not remembered: the account database is busy";
}

void Accounts::checkGuest(const QString &name, const Reply &reply)
{
    const bool queued = m_database->post([this, name, reply] {
        QString error;
        AccountStore::Account account;
        switch (m_store->find(Validation::nameKey(name), &account, &error)) {
        case AccountStore::Found::Yes:
            reply->answer(AccountReply::Answer::refused(
                Code::NameRegistered,
                QStringLiteral("The name %1 is registered. Log in with its password, "
                               "or pick another name.")
                    .arg(account.name)));
            return;
        case AccountStore::Found::No:
            reply->answer({});
            return;
        case AccountStore::Found::Error:
            unavailable(reply, error);
            return;
        }
    });
    if (!queued)
        reply->answer(AccountReply::Answer::refused(
            Code::LoginThrottled, QStringLiteral("The server is busy: try again in 1 s.")));
}

void Accounts::changePassword(const QString &name, const QString &address, const QString &old,
                              const QString &fresh, const Reply &reply)
{
    if (const QString weak = weakness(fresh, m_settings.minPasswordLength); !weak.isEmpty()) {
        reply->answer(AccountReply::Answer::refused(Code::WeakPassword, weak));
        return;
    }
    const Login login { name, address, old, {}, false };
    const QString key = Validation::nameKey(name);
    if (const int wait = m_throttle.reserve(key, address)) {
        reply->answer(AccountReply::Answer::refused(
            Code::LoginThrottled,
            QStringLiteral("Too many failed logins for this name or from this "
                           "address: try again in %1 s.")
                .arg(wait)));
        return;
    }
    const bool queued = m_database->post([this, login, key, fresh, reply] {
        QString error;
        AccountStore::Account account;
        const AccountStore::Found found = m_store->find(key, &account, &error);
        if (found == AccountStore::Found::Error) {
            m_throttle.release(key, login.address);
            unavailable(reply, error);
            return;
        }
        const bool exists = found == AccountStore::Found::Yes;
        const QByteArray hash = exists ? account.hash : m_dummyHash;
        const bool hashing = m_hashing->post([this, login, key, fresh, hash, exists, reply] {
            const bool right = m_hasher.verify(hash, login.password) && exists;
            const QByteArray newHash = right ? m_hasher.hash(fresh) : QByteArray();
            m_database->postAlways([this, login, key, right, newHash, reply] {
                if (!right) {
                    failed(reply);
                    return;
                }
                m_throttle.release(key, login.address);
                QString error;
                QString token;
                if (newHash.isEmpty() || !m_store->setHash(key, newHash, true, &error)
                    || (token = issueToken(key, &error)).isEmpty()) {
                    unavailable(reply, error.isEmpty() ? QStringLiteral("hashing failed") : error);
                    return;
                }
                qCInfo(lcAccounts).noquote()
                    << "account" << login.name << "changed its password; its tokens are revoked";
                reply->answer({ {}, {}, login.name, token, {} });
            });
        });
        if (!hashing)
            busy(login, reply);
    });
    if (!queued)
        busy(login, reply);
}

bool Accounts::storePrivate(const ChatMessage &message, PrivateStored done)
{
    return m_database->post([this, message, done = std::move(done)] {
        ChatMessage stored = message;
        QString error;
        if (!m_store->addPrivate(&stored, m_settings.privateLimits, nowMs(), &error)) {
            qCWarning(lcAccounts).noquote()
                << "private message of" << message.from << "not stored:" << error;
            done(stored, error);
            return;
        }
        done(stored, {});
    });
}

bool Accounts::privateHistory(const QString &account, const QString &with, qint64 before, int limit,
                              PrivatePage done)
{
    return m_database->post([this, account, with, before, limit, done = std::move(done)] {
        QString error;
        AccountStore::Account other;
        switch (m_store->find(Validation::nameKey(with), &other, &error)) {
        case AccountStore::Found::Yes:
            break;
        case AccountStore::Found::No:
            done(Code::NoSuchUser,
                 QStringLiteral("%1 has no account: only conversations between accounts are "
                                "kept.")
                     .arg(with),
                 {});
            return;
        case AccountStore::Found::Error:
            qCWarning(lcAccounts).noquote() << "account database:" << error;
            done(Code::AccountsUnavailable,
                 QStringLiteral("Accounts are unavailable: the server cannot reach its "
                                "database. Try again later."),
                 {});
            return;
        }
        Wire::PrivateHistory page;
        page.with = other.name;
        if (!m_store->privateHistory(Validation::nameKey(account), other.key, before, limit,
                                     m_settings.privateLimits, nowMs(), &page.messages, &page.more,
                                     &error)) {
            qCWarning(lcAccounts).noquote() << "conversation of" << account << "not read:" << error;
            done(Code::AccountsUnavailable,
                 QStringLiteral("Accounts are unavailable: the server cannot reach its "
                                "database. Try again later."),
                 {});
            return;
        }
        done({}, {}, page);
    });
}
