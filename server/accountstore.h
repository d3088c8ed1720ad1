// SPDX-License-Identifier: MIT
#pragma once

#include "chatmessage.h"
#include "roomrules.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>

class QSqlDatabase;

// Accounts and their login tokens in the server's database (SQLite or
// PostgreSQL, the same one as the rooms), through a connection of their own,
// used on the thread that opened it. The server keeps one on its accounts
// thread; `pynet-server account` opens another while the server runs, which
// SQLite's WAL mode and PostgreSQL both allow. The tables are made here, not
// among the message store's migrations, so that an account can be added to a
// database no server has opened yet.
class AccountStore
{
public:
    struct Account
    {
        QString key; // Validation::nameKey of the name
        QString name; // as registered, normalised
        QByteArray hash; // crypto_pwhash_str's string
        qint64 createdMs = 0; // UTC
    };

    // nullptr and a reason for a URL it cannot use (sqlite:PATH, postgresql://...).
    static std::unique_ptr<AccountStore> create(const QString &url, bool createDirectory,
                                                QString *error);
    ~AccountStore();

    AccountStore(const AccountStore &) = delete;
    AccountStore &operator=(const AccountStore &) = delete;

    // Connects and makes the tables that are missing.
    bool open(QString *error);
    QString displayName() const { return m_displayName; }

    enum class Found { Yes, No, Error };
    Found find(const QString &key, Account *account, QString *error);
    // Found::Yes: the name was registered already, and nothing changed.
    Found add(const Account &account, QString *error);
    // Removes the account and its tokens; Found::No when there was none.
    Found remove(const QString &key, QString *error);
    // A new hash; revoke: every token of the account goes too.
    bool setHash(const QString &key, const QByteArray &hash, bool revoke, QString *error);
    bool list(QList<Account> *accounts, QString *error);

    // Tokens by digest (LoginToken::digest), never the token itself.
    bool addToken(const QString &digest, const QString &key, qint64 nowMs, qint64 expiresMs,
                  QString *error);
    // The account the token belongs to, if it has not expired at nowMs.
    Found findToken(const QString &digest, qint64 nowMs, QString *key, QString *error);

    // The rooms the account is in besides #general, by name.
    bool rooms(const QString &key, QStringList *rooms, QString *error);
    bool setInRoom(const QString &key, const QString &room, bool in, QString *error);

    // Every room's moderation rules, by room key.
    bool loadRules(QHash<QString, RoomRules> *rules, QString *error);
    // One room's rules as they now are, the action that made them so (for the
    // record), and an account that action took out of the room, in one
    // transaction. Rules older than those stored (RoomRules::version(), from
    // another server) are not written; the action still is.
    bool saveRules(const QString &roomKey, const RoomRules &rules, const Wire::Moderation &action,
                   const QString &removedAccount, QString *error);

    // Private conversations between two accounts, each message numbered in
    // one sequence of their own (ChatMessage::privateId).
    struct PrivateLimits
    {
        int keepPerConversation = 0; // the newest; 0: no limit
        int keepDays = 0; // 0: forever
    };
    // Stores message (from and to as registered, time in UTC) and sets its
    // privateId; what the limits no longer keep of that conversation goes.
    bool addPrivate(ChatMessage *message, const PrivateLimits &limits, qint64 nowMs,
                    QString *error);
    // Up to limit messages between the accounts of keys a and b before the
    // privateId before (0: the newest), oldest first; more: older ones are kept.
    bool privateHistory(const QString &a, const QString &b, qint64 before, int limit,
                        const PrivateLimits &limits, qint64 nowMs, QList<ChatMessage> *messages,
                        bool *more, QString *error);

private:
    AccountStore(const QString &driver, const QString &displayName);
    QSqlDatabase database() const;
    bool exec(const QString &sql, QString *error);

    QString m_connection;
    QString m_displayName;
    // SQLite
    QString m_path;
    bool m_createDirectory = false;
    // PostgreSQL
    QString m_host;
    int m_port = 5432;
    QString m_user;
    QString m_database;
    QString m_options;
};
