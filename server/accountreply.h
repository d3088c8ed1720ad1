// SPDX-License-Identifier: MIT
#pragma once

#include <QLatin1StringView>
#include <QString>
#include <QStringList>

#include <mutex>
#include <optional>

class ConnectionControl;

// The answer of the accounts threads to one session's request, and the way
// back to it: the answer waits here under a lock of ours, and the session is
// woken without data (ConnectionControl::requestAccountAnswer()), the hand-off
// ThreadSanitizer sees. A session that goes first detaches, and a late answer
// then wakes nobody.
class AccountReply
{
public:
    struct Answer
    {
        QLatin1StringView errorCode; // empty: it worked
        QString errorText;
        QString name; // the account's name as registered
        QString token; // a login token: new after a password, the same after a token
        QStringList rooms; // after a password login: the rooms to enter again

        static Answer refused(QLatin1StringView code, const QString &text)
        {
            return { code, text, {}, {}, {} };
        }
    };

    explicit AccountReply(ConnectionControl *receiver) : m_receiver(receiver) { }

    // Any thread, once.
    void answer(Answer answer);
    // The receiver's thread, when woken.
    std::optional<Answer> take();
    // The receiver's thread, before it is destroyed.
    void detach();

private:
    std::mutex m_mutex;
    ConnectionControl *m_receiver;
    std::optional<Answer> m_answer;
};
