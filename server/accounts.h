// SPDX-License-Identifier: MIT
#pragma once

#include "accountreply.h"
#include "accountstore.h"
#include "loginthrottle.h"
#include "passwordhasher.h"
#include "workqueue.h"

#include <QHash>
#include <QString>

#include <functional>
#include <memory>
#include <utility>

struct ServerConfig;

// Registered names, logins and password changes for every session, never on a
// connection's thread: the database work runs on one thread of its own (with
// its own connection, so that a login never waits behind a group commit of
// room messages, nor a commit behind a login), the hashing on a bounded pool
// of --max-hashing threads, and each answer goes back to its session through
// an AccountReply.
//
// A wrong password and an unknown name take the same steps (a lookup, one
// verification, against a dummy hash made at start with the same parameters
// when there is no account) and get the same answer, byte for byte.
class Accounts
{
public:
    struct Settings
    {
        QString url; // the database, as Storage's
        bool createDirectory = false;
        int hashPasses = PasswordHasher::DefaultPasses;
        int hashMemoryKib = PasswordHasher::DefaultMemoryKib;
        int maxHashing = 2; // hashes at once
        int maxHashingQueue = 64; // waiting to hash
        int maxAccountLookups = 10000; // waiting for the database
        int loginFailures = 5; // per minute per name and per address; 0: no throttle
        int throttleKeys = 100000; // names and addresses the throttle remembers
        int tokenDays = 30;
        int minPasswordLength = 8; // code points
        bool registrationOpen = true;
        AccountStore::PrivateLimits privateLimits {}; // what private conversations keep
    };

    // The settings the server's options give (the database with its default).
    static Settings settingsFor(const ServerConfig &config);

    // Opens the database on the accounts thread (making the tables) and waits
    // for it; nullptr and a message for the user when it cannot.
    static std::unique_ptr<Accounts> open(const Settings &settings, QString *error);
    ~Accounts(); // answers what is under way, then stops the threads

    struct Login
    {
        QString name; // normalised, valid
        QString address; // the peer's, for the throttle
        QString password; // or
        QString token;
        bool registerName = false;
    };
    // Any thread: a password or token login, answered through reply.
    void login(const Login &login, const std::shared_ptr<AccountReply> &reply);
    // Any thread: may a guest (or seed client) join with this name? An
    // answer without error: yes. Asks the database each time, since
    // `pynet-server account add` changes it while the server runs.
    void checkGuest(const QString &name, const std::shared_ptr<AccountReply> &reply);
    // Any thread: for a logged-in account. Revokes every token of the
    // account; the answer carries the new one.
    void changePassword(const QString &name, const QString &address, const QString &old,
                        const QString &fresh, const std::shared_ptr<AccountReply> &reply);

    // The rooms' moderation rules as the database had them at open(), once.
    QHash<QString, RoomRules> takeLoadedRules() { return std::exchange(m_loadedRules, {}); }
    // Any thread: reads every room's rules again, for done on the accounts
    // thread; a database that cannot be read is logged, and done not called.
    void loadRules(std::function<void(const QHash<QString, RoomRules> &rules)> done);
    // Any thread: stores a room's rules after a change, and the change.
    void recordRules(const QString &roomKey, const RoomRules &rules, const Wire::Moderated &event,
                     const QString &removedAccount);

    // Any thread: the account entered (in) or left a room, remembered for its
    // next password login. Nobody waits for it; a failure is logged.
    void setInRoom(const QString &name, const QString &room, bool in);

    // Any thread: stores a private message between two accounts (from and to
    // as registered), then calls done on the accounts thread with the message
    // and its privateId, or with an error; nothing is delivered before that.
    // False, and done never called, when too much waits for the database.
    using PrivateStored = std::function<void(const ChatMessage &stored, const QString &error)>;
    bool storePrivate(const ChatMessage &message, PrivateStored done);
    // Any thread: a page of account's conversation with the account with;
    // done runs on the accounts thread, with an error code and text when with
    // has no account or the database cannot be read. False as storePrivate's.
    using PrivatePage = std::function<void(QLatin1StringView errorCode, const QString &errorText,
                                           const Wire::PrivateHistory &page)>;
    bool privateHistory(const QString &account, const QString &with, qint64 before, int limit,
                        PrivatePage done);

    // Empty, or why a new password is refused (weak_password).
    static QString weakness(const QString &password, int minLength);

private:
    explicit Accounts(const Settings &settings);

    using Reply = std::shared_ptr<AccountReply>;
    void verify(const Login &login, const AccountStore::Account &account, bool exists,
                const Reply &reply);
    void create(const Login &login, const Reply &reply);
    void loggedIn(const Login &login, const AccountStore::Account &account,
                  const QByteArray &rehashed, const Reply &reply);
    void failed(const Reply &reply);
    void busy(const Login &login, const Reply &reply);
    QString issueToken(const QString &key, QString *error);
    static void unavailable(const Reply &reply, const QString &error);

    const Settings m_settings;
    const PasswordHasher m_hasher;
    QByteArray m_dummyHash; // verified against for names without an account
    LoginThrottle m_throttle;
    std::unique_ptr<AccountStore> m_store; // the database thread's only
    QHash<QString, RoomRules> m_loadedRules;
    std::unique_ptr<WorkQueue> m_database; // one thread
    std::unique_ptr<WorkQueue> m_hashing; // --max-hashing threads
};
