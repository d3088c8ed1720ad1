// SPDX-License-Identifier: MIT
// Private conversations between accounts over real sockets against a real
// pynet-server: stored before delivery, read back by the two accounts only,
// paged, kept across a restart, removed with an account; guests' private
// messages live only; the administrators told they are. SQLite and a
// throwaway PostgreSQL cluster.
#include "postgrescluster.h"
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "servertest.h"
#include "wire.h"

#include <QJsonArray>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace ServerTest;

namespace {

const QStringList FastHashing { QStringLiteral("--hash-memory-kib"), QStringLiteral("64"),
                                QStringLiteral("--hash-passes"), QStringLiteral("1") };

const QString Password = QStringLiteral("correct horse battery");

QJsonObject privateTo(const QString &to, const QString &text)
{
    return Wire::PrivateChat { to, text, true }.toJson();
}

QJsonObject conversationWith(const QString &with, qint64 before = 0, int limit = 0)
{
    return Wire::PrivateHistoryRequest { with, before, limit }.toJson();
}

QStringList textsOf(const QJsonObject &page)
{
    QStringList texts;
    for (const QJsonValue &message : page.value(QStringLiteral("history")).toArray())
        texts.append(message.toObject().value(QStringLiteral("data")).toString());
    return texts;
}

qint64 privateIdOf(const QJsonObject &message)
{
    return message.value(QStringLiteral("privateId")).toInteger();
}

} // namespace

class TestServerPrivate : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void accountsConverseAndOnlyTheyReadIt_data() { backends(); }
    void accountsConverseAndOnlyTheyReadIt();
    void guestsStayLiveOnly();
    void pagingAndBadRequests_data() { backends(); }
    void pagingAndBadRequests();
    void retentionBoundsAConversation();
    void adminsAreTold();

private:
    static void backends();
    std::unique_ptr<ServerProcess> startServer(const QStringList &extra = {});
    // Connects and logs in (registering), or joins as a guest without a password.
    bool logIn(RawClient &client, const QString &name, const QString &password = Password,
               QJsonObject *welcome = nullptr);
    // The answer to a conversation request: the page, or an error.
    static QJsonObject ask(RawClient &client, const QJsonObject &request);
    int account(const QStringList &arguments);

    PostgresCluster m_postgres;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_database;
    int m_databases = 0;
    std::unique_ptr<ServerProcess> m_server;
};

void TestServerPrivate::backends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

void TestServerPrivate::initTestCase()
{
    QString error;
    QVERIFY2(m_postgres.start(&error), qPrintable(error));
}

void TestServerPrivate::init()
{
    m_server.reset();
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_database = QStringLiteral("sqlite:%1/pynet.db").arg(m_dir->path());
    if (QTest::currentDataTag()
        && QLatin1StringView(QTest::currentDataTag()) == QLatin1StringView("postgresql")) {
        const QString name = QStringLiteral("private%1").arg(++m_databases);
        QString error;
        QVERIFY2(m_postgres.createDatabase(name, &error), qPrintable(error));
        m_database = m_postgres.url(name);
    }
}

std::unique_ptr<ServerProcess> TestServerPrivate::startServer(const QStringList &extra)
{
    auto server = std::make_unique<ServerProcess>(
        QStringList { QStringLiteral("--database"), m_database } + FastHashing + extra);
    if (!server->start()) {
        qWarning().noquote() << server->output();
        return nullptr;
    }
    return server;
}

bool TestServerPrivate::logIn(RawClient &client, const QString &name, const QString &password,
                              QJsonObject *welcome)
{
    if (!client.connectTo(m_server->port()))
        return false;
    client.sendObject(password.isEmpty() ? Protocol::richJoin(name, {}, 0, {})
                                         : Protocol::passwordJoin(name, password, true));
    const QJsonObject answer = client.waitFor(Wire::Welcome::Type);
    if (welcome)
        *welcome = answer;
    return !answer.isEmpty() && barrier(client);
}

QJsonObject TestServerPrivate::ask(RawClient &client, const QJsonObject &request)
{
    client.sendObject(request);
    for (QJsonObject object = client.waitFor({}); !object.isEmpty(); object = client.waitFor({})) {
        const QString type = stringOf(object, "type");
        if (type == Wire::PrivateHistory::Type || type == Wire::Error::Type)
            return object;
    }
    return {};
}

int TestServerPrivate::account(const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(PYNET_SERVER_BINARY),
                  QStringList { QStringLiteral("account") } + arguments
                      + QStringList { QStringLiteral("--database"), m_database } + FastHashing);
    process.closeWriteChannel();
    if (!process.waitForFinished(10000))
        return -1;
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

void TestServerPrivate::accountsConverseAndOnlyTheyReadIt()
{
    m_server = startServer();
    QVERIFY(m_server);
    RawClient alice;
    RawClient bob;
    RawClient carol;
    QVERIFY(logIn(alice, QStringLiteral("alice")));
    QVERIFY(logIn(bob, QStringLiteral("bob")));
    QVERIFY(logIn(carol, QStringLiteral("carol")));

    alice.sendObject(privateTo(QStringLiteral("BOB"), QStringLiteral("lunch?")));
    const QJsonObject received = bob.waitFor(ChatMessage::Type);
    QCOMPARE(stringOf(received, "data"), QStringLiteral("lunch?"));
    QCOMPARE(stringOf(received, "from"), QStringLiteral("alice"));
    QCOMPARE(stringOf(received, "to"), QStringLiteral("bob"));
    QVERIFY(privateIdOf(received) > 0);
    QVERIFY(!received.contains(QStringLiteral("id"))); // not a room id: catch-up ignores it
    // The sender asked for the stored copy: the same message, the same number.
    const QJsonObject echo = alice.waitFor(ChatMessage::Type);
    QCOMPARE(stringOf(echo, "data"), QStringLiteral("lunch?"));
    QCOMPARE(privateIdOf(echo), privateIdOf(received));
    // Without "echo" (a client from before) the sender gets nothing back.
    bob.sendObject(Protocol::privateMessage(QStringLiteral("alice"), QStringLiteral("at noon")));
    const QJsonObject reply = alice.waitFor(ChatMessage::Type);
    QCOMPARE(stringOf(reply, "data"), QStringLiteral("at noon"));
    QVERIFY(privateIdOf(reply) > privateIdOf(received));
    QVERIFY(!bob.receivesWithin(ChatMessage::Type, 200));

    const QStringList both { QStringLiteral("lunch?"), QStringLiteral("at noon") };
    const QJsonObject page = ask(alice, conversationWith(QStringLiteral("bob")));
    QCOMPARE(stringOf(page, "type"), QStringLiteral("conversation"));
    QCOMPARE(stringOf(page, "with"), QStringLiteral("bob"));
    QCOMPARE(textsOf(page), both);
    QCOMPARE(page.value(QStringLiteral("more")).toBool(), false);
    QCOMPARE(textsOf(ask(bob, conversationWith(QStringLiteral("Alice")))), both);
    // A third account reads its own conversations only: none with either.
    QCOMPARE(textsOf(ask(carol, conversationWith(QStringLiteral("alice")))), QStringList());
    QCOMPARE(textsOf(ask(carol, conversationWith(QStringLiteral("bob")))), QStringList());

    // Durable: across a restart, from a new connection.
    alice.socket().disconnectFromHost();
    bob.socket().disconnectFromHost();
    carol.socket().disconnectFromHost();
    QCOMPARE(m_server->stop(), 0);
    m_server = startServer();
    QVERIFY(m_server);
    RawClient again;
    QVERIFY(logIn(again, QStringLiteral("alice")));
    QCOMPARE(textsOf(ask(again, conversationWith(QStringLiteral("bob")))), both);

    // Removing bob removes the conversation: a new bob starts with nothing.
    QCOMPARE(account({ QStringLiteral("remove"), QStringLiteral("bob") }), 0);
    QCOMPARE(stringOf(ask(again, conversationWith(QStringLiteral("bob"))), "code"),
             QStringLiteral("no_such_user"));
    RawClient newBob;
    QVERIFY(logIn(newBob, QStringLiteral("bob"), QStringLiteral("another password")));
    QCOMPARE(textsOf(ask(newBob, conversationWith(QStringLiteral("alice")))), QStringList());
    QCOMPARE(textsOf(ask(again, conversationWith(QStringLiteral("bob")))), QStringList());
    QCOMPARE(m_server->stop(), 0);
}

void TestServerPrivate::guestsStayLiveOnly()
{
    m_server = startServer();
    QVERIFY(m_server);
    RawClient alice;
    RawClient dave;
    QVERIFY(logIn(alice, QStringLiteral("alice")));
    QVERIFY(logIn(dave, QStringLiteral("dave"), {}));
    RawClient seed;
    QVERIFY(seed.joinAs(m_server->port(), QStringLiteral("Seed"), false));

    dave.sendObject(privateTo(QStringLiteral("alice"), QStringLiteral("from a guest")));
    const QJsonObject toAlice = alice.waitFor(ChatMessage::Type);
    QCOMPARE(stringOf(toAlice, "data"), QStringLiteral("from a guest"));
    QVERIFY(!toAlice.contains(QStringLiteral("privateId")));
    QVERIFY(!dave.receivesWithin(ChatMessage::Type, 200)); // no copy: nothing was stored
    alice.sendObject(privateTo(QStringLiteral("dave"), QStringLiteral("to a guest")));
    const QJsonObject toDave = dave.waitFor(ChatMessage::Type);
    QCOMPARE(stringOf(toDave, "data"), QStringLiteral("to a guest"));
    QVERIFY(!toDave.contains(QStringLiteral("privateId")));
    alice.sendObject(privateTo(QStringLiteral("seed"), QStringLiteral("to a seed")));
    QCOMPARE(stringOf(seed.waitFor(ChatMessage::Type), "data"),
             QStringLiteral("(private) to a seed"));

    const QJsonObject refused = ask(alice, conversationWith(QStringLiteral("dave")));
    QCOMPARE(stringOf(refused, "code"), QStringLiteral("no_such_user"));
    QVERIFY2(stringOf(refused, "data").contains(QStringLiteral("dave has no account")),
             qPrintable(stringOf(refused, "data")));
    QCOMPARE(stringOf(ask(dave, conversationWith(QStringLiteral("alice"))), "code"),
             QStringLiteral("not_logged_in"));
    // A seed client knows no such request.
    seed.sendObject(conversationWith(QStringLiteral("alice")));
    QCOMPARE(stringOf(seed.waitFor(Wire::Error::Type), "code"), QStringLiteral("unknown_type"));
    QCOMPARE(m_server->stop(), 0);
}

void TestServerPrivate::pagingAndBadRequests()
{
    m_server = startServer();
    QVERIFY(m_server);
    RawClient alice;
    RawClient bob;
    QVERIFY(logIn(alice, QStringLiteral("alice")));
    QVERIFY(logIn(bob, QStringLiteral("bob")));
    for (int i = 1; i <= 7; ++i) {
        alice.sendObject(privateTo(QStringLiteral("bob"), QStringLiteral("line %1").arg(i)));
        QCOMPARE(stringOf(bob.waitFor(ChatMessage::Type), "data"),
                 QStringLiteral("line %1").arg(i));
    }
    QStringList seen;
    qint64 before = 0;
    QList<bool> mores;
    for (int pages = 0; pages < 5; ++pages) {
        const QJsonObject page = ask(bob, conversationWith(QStringLiteral("alice"), before, 3));
        QCOMPARE(stringOf(page, "type"), QStringLiteral("conversation"));
        const QJsonArray messages = page.value(QStringLiteral("history")).toArray();
        QVERIFY(!messages.isEmpty());
        seen = textsOf(page) + seen;
        before = privateIdOf(messages.first().toObject());
        mores.append(page.value(QStringLiteral("more")).toBool());
        if (!mores.last())
            break;
    }
    QCOMPARE(mores, (QList<bool> { true, true, false }));
    QStringList all;
    for (int i = 1; i <= 7; ++i)
        all.append(QStringLiteral("line %1").arg(i));
    QCOMPARE(seen, all);

    // Garbage gets a clear error, and the connection carries on.
    const auto codeFor = [&bob](QJsonObject request) {
        return stringOf(ask(bob, request), "code");
    };
    QJsonObject request = conversationWith(QStringLiteral("alice"));
    request.insert(QStringLiteral("before"), -1);
    QCOMPARE(codeFor(request), QStringLiteral("bad_field"));
    request.insert(QStringLiteral("before"), QStringLiteral("yesterday"));
    QCOMPARE(codeFor(request), QStringLiteral("bad_field"));
    request = conversationWith(QStringLiteral("alice"));
    request.insert(QStringLiteral("limit"), 1.5);
    QCOMPARE(codeFor(request), QStringLiteral("bad_field"));
    request.remove(QStringLiteral("limit"));
    request.remove(QStringLiteral("with"));
    QCOMPARE(codeFor(request), QStringLiteral("bad_field"));
    QCOMPARE(codeFor(conversationWith(QStringLiteral("  "))), QStringLiteral("invalid_name"));
    QCOMPARE(codeFor(conversationWith(QStringLiteral("nobody"))), QStringLiteral("no_such_user"));
    // A huge limit is capped by the server, not refused.
    QCOMPARE(textsOf(ask(bob, conversationWith(QStringLiteral("alice"), 0, 1 << 30))), all);
    QCOMPARE(m_server->stop(), 0);
}

void TestServerPrivate::retentionBoundsAConversation()
{
    m_server = startServer({ QStringLiteral("--private-retain-messages"), QStringLiteral("2") });
    QVERIFY(m_server);
    RawClient alice;
    RawClient bob;
    RawClient carol;
    QVERIFY(logIn(alice, QStringLiteral("alice")));
    QVERIFY(logIn(bob, QStringLiteral("bob")));
    QVERIFY(logIn(carol, QStringLiteral("carol")));
    for (const QString &text :
         { QStringLiteral("one"), QStringLiteral("two"), QStringLiteral("three") }) {
        alice.sendObject(privateTo(QStringLiteral("bob"), text));
        QCOMPARE(stringOf(bob.waitFor(ChatMessage::Type), "data"), text);
    }
    carol.sendObject(privateTo(QStringLiteral("bob"), QStringLiteral("other")));
    QCOMPARE(stringOf(bob.waitFor(ChatMessage::Type), "data"), QStringLiteral("other"));
    const QJsonObject page = ask(bob, conversationWith(QStringLiteral("alice")));
    QCOMPARE(textsOf(page), (QStringList { QStringLiteral("two"), QStringLiteral("three") }));
    QCOMPARE(page.value(QStringLiteral("more")).toBool(), false);
    // The bound is per conversation: carol's is untouched by alice's.
    QCOMPARE(textsOf(ask(bob, conversationWith(QStringLiteral("carol")))),
             QStringList { QStringLiteral("other") });
    QCOMPARE(m_server->stop(), 0);
}

void TestServerPrivate::adminsAreTold()
{
    m_server = startServer({ QStringLiteral("--admins"), QStringLiteral("Alice") });
    QVERIFY(m_server);
    RawClient alice;
    RawClient bob;
    RawClient guest;
    QJsonObject welcome;
    QVERIFY(logIn(alice, QStringLiteral("alice"), Password, &welcome));
    QCOMPARE(welcome.value(QStringLiteral("admin")).toBool(), true);
    QVERIFY(logIn(bob, QStringLiteral("bob"), Password, &welcome));
    QVERIFY(!welcome.contains(QStringLiteral("admin")));
    // A guest is no administrator, whatever its name (alice is taken: use another admin).
    m_server->stop();
    m_server = startServer({ QStringLiteral("--admins"), QStringLiteral("zed") });
    QVERIFY(m_server);
    QVERIFY(logIn(guest, QStringLiteral("zed"), {}, &welcome));
    QVERIFY(!welcome.contains(QStringLiteral("admin")));
    QCOMPARE(m_server->stop(), 0);
}

QTEST_GUILESS_MAIN(TestServerPrivate)
#include "tst_serverprivate.moc"
