// SPDX-License-Identifier: MIT
// ChatClient's private conversations against a real pynet-server: the stored
// copy of an own line is not shown again, pages hold nothing the session
// delivered, a refusal answers the request it was for, and the welcome tells
// an administrator so.
#include "chatclient.h"
#include "serverprocess.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace {

const QString Password = QStringLiteral("correct horse battery");

QStringList textsOf(const QList<ChatMessage> &messages)
{
    QStringList texts;
    for (const ChatMessage &message : messages)
        texts.append(message.text);
    return texts;
}

} // namespace

class TestChatClientPrivate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void ownLinesAndPagesShowOnce();
    void refusalsAnswerTheRequest();
    void adminIsTold();

private:
    bool startServer(const QStringList &extra = {});
    // A session joined as name: logged in (registering) unless password is empty.
    std::unique_ptr<ChatClient> logIn(const QString &name, const QString &password = Password);

    std::unique_ptr<ServerProcess> m_server;
};

void TestChatClientPrivate::init()
{
    QVERIFY(startServer());
}

void TestChatClientPrivate::cleanup()
{
    m_server.reset();
}

bool TestChatClientPrivate::startServer(const QStringList &extra)
{
    m_server = std::make_unique<ServerProcess>(
        QStringList { QStringLiteral("--hash-memory-kib"), QStringLiteral("64"),
                      QStringLiteral("--hash-passes"), QStringLiteral("1") }
        + extra);
    return m_server->start();
}

std::unique_ptr<ChatClient> TestChatClientPrivate::logIn(const QString &name,
                                                         const QString &password)
{
    auto client = std::make_unique<ChatClient>();
    client->setKeepAliveInterval(0);
    if (!password.isEmpty())
        client->setPassword(password, true);
    QSignalSpy joined(client.get(), &ChatClient::joined);
    client->connectToServer(QStringLiteral("127.0.0.1"), m_server->port(), name);
    if (!joined.wait(20000))
        return nullptr;
    return client;
}

void TestChatClientPrivate::ownLinesAndPagesShowOnce()
{
    auto alice = logIn(QStringLiteral("alice"));
    auto bob = logIn(QStringLiteral("bob"));
    QVERIFY(alice && bob);
    QList<ChatMessage> aliceGot;
    QList<ChatMessage> bobGot;
    connect(alice.get(), &ChatClient::messageReceived, this,
            [&aliceGot](const ChatMessage &message) { aliceGot.append(message); });
    connect(bob.get(), &ChatClient::messageReceived, this,
            [&bobGot](const ChatMessage &message) { bobGot.append(message); });
    QSignalSpy aliceSent(alice.get(), &ChatClient::messageSent);

    QVERIFY(alice->sendPrivate(QStringLiteral("bob"), QStringLiteral("lunch?")).isAccepted());
    QTRY_COMPARE(bobGot.size(), 1);
    const ChatMessage received = bobGot.takeFirst();
    QCOMPARE(received.text, QStringLiteral("lunch?"));
    QVERIFY(received.privateId > 0);
    QCOMPARE(aliceSent.size(), 1);
    QVERIFY(bob->sendPrivate(QStringLiteral("alice"), QStringLiteral("at noon")).isAccepted());
    QTRY_COMPARE(aliceGot.size(), 1);
    // Only bob's line: alice's own came back stored, and is not news.
    QCOMPARE(aliceGot.first().text, QStringLiteral("at noon"));
    // Private numbers are not room ids: the catch-up's since is untouched.
    QCOMPARE(alice->lastMessageId(), 0);

    // Everything of the conversation was delivered in this session already.
    struct Page
    {
        QString with;
        QList<ChatMessage> messages;
        bool more = true;
    };
    QList<Page> pages;
    const auto collect = [this, &pages](ChatClient *client) {
        connect(client, &ChatClient::privateHistoryReceived, this,
                [&pages](const QString &with, const QList<ChatMessage> &messages, bool more) {
                    pages.append({ with, messages, more });
                });
    };
    collect(alice.get());
    QVERIFY(alice->requestOlderPrivateHistory(QStringLiteral("bob")).isAccepted());
    QTRY_COMPARE(pages.size(), 1);
    QCOMPARE(pages.first().with, QStringLiteral("bob"));
    QCOMPARE(textsOf(pages.first().messages), QStringList());
    QCOMPARE(pages.first().more, false);
    QVERIFY(!alice->hasOlderPrivateMessages(QStringLiteral("bob")));

    // A new session of alice's reads it all, own lines included, oldest first.
    alice->disconnectFromServer();
    auto again = logIn(QStringLiteral("alice"));
    QVERIFY(again);
    QVERIFY(again->hasOlderPrivateMessages(QStringLiteral("bob")));
    pages.clear();
    collect(again.get());
    QVERIFY(again->requestOlderPrivateHistory(QStringLiteral("BOB")).isAccepted());
    QTRY_COMPARE(pages.size(), 1);
    const QList<ChatMessage> messages = pages.first().messages;
    QCOMPARE(textsOf(messages),
             (QStringList { QStringLiteral("lunch?"), QStringLiteral("at noon") }));
    QCOMPARE(messages.first().from, QStringLiteral("alice"));
    QCOMPARE(messages.first().to, QStringLiteral("bob"));
}

void TestChatClientPrivate::refusalsAnswerTheRequest()
{
    auto alice = logIn(QStringLiteral("alice"));
    auto guest = logIn(QStringLiteral("dave"), {});
    QVERIFY(alice && guest);
    QSignalSpy failed(alice.get(), &ChatClient::privateHistoryFailed);
    QSignalSpy errors(alice.get(), &ChatClient::errorReceived);
    QVERIFY(alice->requestPrivateHistory(QStringLiteral("dave"), 0).isAccepted());
    QVERIFY(failed.wait());
    QCOMPARE(failed.first().at(0).toString(), QStringLiteral("dave"));
    QCOMPARE(failed.first().at(1).toString(), QStringLiteral("no_such_user"));
    QVERIFY(errors.isEmpty());
    // A guest has nothing kept: refused before anything is sent.
    const SendResult result = guest->requestPrivateHistory(QStringLiteral("alice"), 0);
    QCOMPARE(result.status, SendResult::Status::Unsupported);
    QVERIFY(!result.reason.isEmpty());
    QVERIFY(!guest->isAdmin());
}

void TestChatClientPrivate::adminIsTold()
{
    QVERIFY(startServer({ QStringLiteral("--admins"), QStringLiteral("root") }));
    auto root = logIn(QStringLiteral("root"));
    auto other = logIn(QStringLiteral("other"));
    QVERIFY(root && other);
    QVERIFY(root->isAdmin());
    QVERIFY(!other->isAdmin());
}

QTEST_GUILESS_MAIN(TestChatClientPrivate)
#include "tst_chatclientprivate.moc"
