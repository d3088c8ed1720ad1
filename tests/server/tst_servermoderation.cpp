// SPDX-License-Identifier: MIT
// Moderation against a real pynet-server: owners, operators and administrators,
// kick, ban, mute, invitations and a locked topic, what everyone in the room is
// told, and rules that outlive a restart (SQLite and PostgreSQL).
#include "postgrescluster.h"
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "servertest.h"
#include "wire.h"

#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace ServerTest;

namespace {

const QString Password = QStringLiteral("correct horse battery");

QString codeOf(const QJsonObject &object)
{
    return stringOf(object, "code");
}

// The next announcement of that action, skipping earlier ones.
QJsonObject announced(RawClient &client, const QString &action)
{
    return waitForMatch(client, Wire::Moderated::Type, QStringLiteral("action"), action);
}

} // namespace

class TestServerModeration : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void ownerKicksAndBans();
    void mutesAndALockedTopic();
    void inviteOnlyAndOperators();
    void administratorsModerateEverywhere();
    void seedClientsReadTheAnnouncement();
    void rulesOutliveARestart_data();
    void rulesOutliveARestart();
    void noModerationWithoutAccounts();

private:
    std::unique_ptr<ServerProcess> startServer(const QStringList &extra = {});
    // A password join that registers the name on first use.
    static bool logIn(RawClient &client, quint16 port, const QString &name);

    PostgresCluster m_postgres;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_database;
    int m_databases = 0;
};

void TestServerModeration::initTestCase()
{
    QString error;
    QVERIFY2(m_postgres.start(&error), qPrintable(error));
}

void TestServerModeration::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_database = QStringLiteral("sqlite:%1/pynet.db").arg(m_dir->path());
    if (QTest::currentDataTag()
        && QLatin1StringView(QTest::currentDataTag()) == QLatin1StringView("postgresql")) {
        const QString name = QStringLiteral("moderation%1").arg(++m_databases);
        QString error;
        QVERIFY2(m_postgres.createDatabase(name, &error), qPrintable(error));
        m_database = m_postgres.url(name);
    }
}

std::unique_ptr<ServerProcess> TestServerModeration::startServer(const QStringList &extra)
{
    auto server = std::make_unique<ServerProcess>(
        QStringList { QStringLiteral("--database"), m_database, QStringLiteral("--hash-memory-kib"),
                      QStringLiteral("64"), QStringLiteral("--hash-passes"), QStringLiteral("1") }
        + extra);
    if (!server->start()) {
        qWarning().noquote() << server->output();
        return nullptr;
    }
    return server;
}

bool TestServerModeration::logIn(RawClient &client, quint16 port, const QString &name)
{
    if (!client.connectTo(port))
        return false;
    client.sendObject(Protocol::passwordJoin(name, Password, true));
    return !client.waitFor(Wire::Welcome::Type).isEmpty();
}

void TestServerModeration::ownerKicksAndBans()
{
    auto server = startServer();
    QVERIFY(server);
    RawClient alice, bob, carol;
    QVERIFY(logIn(alice, server->port(), QStringLiteral("alice")));
    const QJsonObject created = enter(alice, QStringLiteral("#dev"));
    QCOMPARE(stringOf(created, "owner"), QStringLiteral("alice"));
    QVERIFY(bob.joinAs(server->port(), QStringLiteral("bob")));
    QVERIFY(carol.joinAs(server->port(), QStringLiteral("carol")));
    QCOMPARE(stringOf(enter(bob, QStringLiteral("#dev")), "type"), QStringLiteral("room"));
    QCOMPARE(stringOf(enter(carol, QStringLiteral("#dev")), "type"), QStringLiteral("room"));

    // A member has no say.
    bob.sendObject(
        moderate(QStringLiteral("#dev"), Protocol::Moderation::Kick, QStringLiteral("carol")));
    QCOMPARE(codeOf(bob.waitFor(Wire::Error::Type)), QStringLiteral("not_operator"));

    alice.sendObject(moderate(QStringLiteral("#dev"), Protocol::Moderation::Kick,
                              QStringLiteral("BOB"), QStringLiteral("spam")));
    const QJsonObject seen = carol.waitFor(Wire::Moderated::Type);
    QCOMPARE(stringOf(seen, "action"), QStringLiteral("kick"));
    QCOMPARE(stringOf(seen, "by"), QStringLiteral("alice"));
    QCOMPARE(stringOf(seen, "target"), QStringLiteral("bob"));
    QCOMPARE(stringOf(seen, "data"), QStringLiteral("alice kicked bob from #dev (spam)."));
    QCOMPARE(stringOf(waitForMatch(carol, QStringLiteral("presence"), QStringLiteral("name"),
                                   QStringLiteral("bob")),
                      "event"),
             QStringLiteral("leave"));
    // bob reads why, once, then that he is out.
    QList<QJsonObject> toBob;
    QVERIFY(barrier(bob, &toBob));
    const QList<QJsonObject> toldBob = ofType(toBob, Wire::Moderated::Type);
    QCOMPARE(toldBob.size(), 1);
    QCOMPARE(stringOf(toldBob.constFirst(), "reason"), QStringLiteral("spam"));
    QCOMPARE(stringOf(ofType(toBob, QStringLiteral("leave")).value(0), "room"),
             QStringLiteral("#dev"));
    bob.sendObject(Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("still here?")));
    QCOMPARE(codeOf(bob.waitFor(Wire::Error::Type)), QStringLiteral("not_in_room"));
    QList<QJsonObject> before;
    QVERIFY(barrier(carol, &before));
    QVERIFY(ofType(before, QStringLiteral("message")).isEmpty());

    // A kick is not a ban: bob comes back, and then is banned.
    QCOMPARE(stringOf(enter(bob, QStringLiteral("#dev")), "type"), QStringLiteral("room"));
    alice.sendObject(moderate(QStringLiteral("#dev"), Protocol::Moderation::Ban,
                              QStringLiteral("bob"), QStringLiteral("again")));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("leave")), "room"), QStringLiteral("#dev"));
    const QJsonObject refused = enter(bob, QStringLiteral("#dev"));
    QCOMPARE(codeOf(refused), QStringLiteral("banned"));
    QVERIFY(stringOf(refused, "data").contains(QStringLiteral("again")));
    // The other rooms are bob's as before.
    QCOMPARE(stringOf(enter(bob, QStringLiteral("#elsewhere")), "type"), QStringLiteral("room"));

    alice.sendObject(
        moderate(QStringLiteral("#dev"), Protocol::Moderation::Unban, QStringLiteral("bob")));
    QCOMPARE(stringOf(announced(alice, QStringLiteral("unban")), "action"),
             QStringLiteral("unban"));
    QCOMPARE(stringOf(enter(bob, QStringLiteral("#dev")), "type"), QStringLiteral("room"));
    alice.sendObject(
        moderate(QStringLiteral("#dev"), Protocol::Moderation::Kick, QStringLiteral("nobody")));
    QCOMPARE(codeOf(alice.waitFor(Wire::Error::Type)), QStringLiteral("no_such_user"));
    QCOMPARE(server->stop(), 0);
}

void TestServerModeration::mutesAndALockedTopic()
{
    auto server = startServer();
    QVERIFY(server);
    RawClient alice, bob;
    QVERIFY(logIn(alice, server->port(), QStringLiteral("alice")));
    QVERIFY(!enter(alice, QStringLiteral("#dev")).isEmpty());
    QVERIFY(bob.joinAs(server->port(), QStringLiteral("bob")));
    QVERIFY(!enter(bob, QStringLiteral("#dev")).isEmpty());

    alice.sendObject(
        moderate(QStringLiteral("#dev"), Protocol::Moderation::Mute, QStringLiteral("bob")));
    QCOMPARE(stringOf(announced(bob, QStringLiteral("mute")), "action"), QStringLiteral("mute"));
    bob.sendObject(Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("hello?")));
    QCOMPARE(codeOf(bob.waitFor(Wire::Error::Type)), QStringLiteral("muted"));
    // Elsewhere bob speaks.
    bob.sendObject(Protocol::chat(QStringLiteral("in general")));
    QCOMPARE(stringOf(alice.waitFor(QStringLiteral("message")), "data"),
             QStringLiteral("in general"));
    QList<QJsonObject> before;
    QVERIFY(barrier(alice, &before));
    QVERIFY(ofType(before, QStringLiteral("message")).isEmpty());

    alice.sendObject(
        moderate(QStringLiteral("#dev"), Protocol::Moderation::Unmute, QStringLiteral("bob")));
    QCOMPARE(stringOf(announced(bob, QStringLiteral("unmute")), "action"),
             QStringLiteral("unmute"));
    bob.sendObject(Protocol::roomChat(QStringLiteral("#dev"), QStringLiteral("thanks")));
    QCOMPARE(stringOf(alice.waitFor(QStringLiteral("message")), "data"), QStringLiteral("thanks"));

    alice.sendObject(moderate(QStringLiteral("#dev"), Protocol::Moderation::LockTopic));
    QCOMPARE(stringOf(bob.waitFor(Wire::Moderated::Type), "data"),
             QStringLiteral("alice locked the topic of #dev."));
    bob.sendObject(Wire::Topic { QStringLiteral("#dev"), QStringLiteral("mine"), {}, {} }.toJson());
    QCOMPARE(codeOf(bob.waitFor(Wire::Error::Type)), QStringLiteral("topic_locked"));
    alice.sendObject(
        Wire::Topic { QStringLiteral("#dev"), QStringLiteral("ours"), {}, {} }.toJson());
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("topic")), "data"), QStringLiteral("ours"));
    QCOMPARE(enter(bob, QStringLiteral("#dev")).value(QStringLiteral("topicLocked")).toBool(),
             true);
    QCOMPARE(server->stop(), 0);
}

void TestServerModeration::inviteOnlyAndOperators()
{
    auto server = startServer();
    QVERIFY(server);
    RawClient alice, dave, bob;
    QVERIFY(logIn(alice, server->port(), QStringLiteral("alice")));
    QVERIFY(!enter(alice, QStringLiteral("#ops")).isEmpty());
    QVERIFY(logIn(dave, server->port(), QStringLiteral("dave")));
    QVERIFY(bob.joinAs(server->port(), QStringLiteral("bob")));
    alice.sendObject(moderate(QStringLiteral("#ops"), Protocol::Moderation::InviteOnly));
    QCOMPARE(stringOf(announced(alice, QStringLiteral("invite_only")), "action"),
             QStringLiteral("invite_only"));
    QCOMPARE(codeOf(enter(dave, QStringLiteral("#ops"))), QStringLiteral("invite_only"));
    alice.sendObject(
        moderate(QStringLiteral("#ops"), Protocol::Moderation::Invite, QStringLiteral("dave")));
    QCOMPARE(stringOf(announced(alice, QStringLiteral("invite")), "action"),
             QStringLiteral("invite"));
    QCOMPARE(stringOf(enter(dave, QStringLiteral("#ops")), "type"), QStringLiteral("room"));
    QCOMPARE(codeOf(enter(bob, QStringLiteral("#ops"))), QStringLiteral("invite_only"));

    // Only accounts can be operators; an operator may not make others, nor touch the owner.
    alice.sendObject(
        moderate(QStringLiteral("#ops"), Protocol::Moderation::Op, QStringLiteral("bob")));
    QCOMPARE(codeOf(alice.waitFor(Wire::Error::Type)), QStringLiteral("not_logged_in"));
    alice.sendObject(
        moderate(QStringLiteral("#ops"), Protocol::Moderation::Op, QStringLiteral("dave")));
    QCOMPARE(stringOf(announced(dave, QStringLiteral("op")), "action"), QStringLiteral("op"));
    dave.sendObject(
        moderate(QStringLiteral("#ops"), Protocol::Moderation::Invite, QStringLiteral("bob")));
    QCOMPARE(stringOf(announced(dave, QStringLiteral("invite")), "action"),
             QStringLiteral("invite"));
    const QJsonObject answer = enter(bob, QStringLiteral("#ops"));
    QCOMPARE(stringOf(answer, "type"), QStringLiteral("room"));
    QCOMPARE(answer.value(QStringLiteral("operators")).toArray(),
             QJsonArray { QStringLiteral("dave") });
    QCOMPARE(answer.value(QStringLiteral("inviteOnly")).toBool(), true);
    dave.sendObject(
        moderate(QStringLiteral("#ops"), Protocol::Moderation::Op, QStringLiteral("bob")));
    QCOMPARE(codeOf(dave.waitFor(Wire::Error::Type)), QStringLiteral("not_operator"));
    dave.sendObject(
        moderate(QStringLiteral("#ops"), Protocol::Moderation::Kick, QStringLiteral("alice")));
    QCOMPARE(codeOf(dave.waitFor(Wire::Error::Type)), QStringLiteral("not_operator"));
    dave.sendObject(
        moderate(QStringLiteral("#ops"), Protocol::Moderation::Kick, QStringLiteral("bob")));
    QCOMPARE(stringOf(bob.waitFor(QStringLiteral("leave")), "room"), QStringLiteral("#ops"));
    alice.sendObject(
        moderate(QStringLiteral("#ops"), Protocol::Moderation::Deop, QStringLiteral("dave")));
    QCOMPARE(stringOf(announced(dave, QStringLiteral("deop")), "action"), QStringLiteral("deop"));
    dave.sendObject(
        moderate(QStringLiteral("#ops"), Protocol::Moderation::Kick, QStringLiteral("alice")));
    QCOMPARE(codeOf(dave.waitFor(Wire::Error::Type)), QStringLiteral("not_operator"));
    QCOMPARE(server->stop(), 0);
}

void TestServerModeration::administratorsModerateEverywhere()
{
    auto server = startServer({ QStringLiteral("--admins"), QStringLiteral("root") });
    QVERIFY(server);
    RawClient root, alice, bob;
    QVERIFY(logIn(root, server->port(), QStringLiteral("root")));
    QVERIFY(logIn(alice, server->port(), QStringLiteral("alice")));
    QVERIFY(bob.joinAs(server->port(), QStringLiteral("bob")));
    QVERIFY(!enter(alice, QStringLiteral("#dev")).isEmpty());
    QVERIFY(!enter(root, QStringLiteral("#dev")).isEmpty());
    // Above the owner.
    root.sendObject(moderate(QStringLiteral("#dev"), Protocol::Moderation::Kick,
                             QStringLiteral("alice"), QStringLiteral("test")));
    QCOMPARE(stringOf(alice.waitFor(QStringLiteral("leave")), "room"), QStringLiteral("#dev"));
    // In #general, which holds everyone: a mute, never a kick.
    root.sendObject(
        moderate(QStringLiteral("#general"), Protocol::Moderation::Kick, QStringLiteral("bob")));
    QCOMPARE(codeOf(root.waitFor(Wire::Error::Type)), QStringLiteral("invalid_room"));
    root.sendObject(
        moderate(QStringLiteral("#general"), Protocol::Moderation::Mute, QStringLiteral("bob")));
    QCOMPARE(stringOf(announced(bob, QStringLiteral("mute")), "action"), QStringLiteral("mute"));
    bob.sendObject(Protocol::chat(QStringLiteral("hello")));
    QCOMPARE(codeOf(bob.waitFor(Wire::Error::Type)), QStringLiteral("muted"));
    // Without the admin's account the same name has no say: it cannot even be taken.
    alice.sendObject(
        moderate(QStringLiteral("#general"), Protocol::Moderation::Unmute, QStringLiteral("bob")));
    QCOMPARE(codeOf(alice.waitFor(Wire::Error::Type)), QStringLiteral("not_operator"));
    QCOMPARE(server->stop(), 0);
}

void TestServerModeration::seedClientsReadTheAnnouncement()
{
    auto server = startServer({ QStringLiteral("--admins"), QStringLiteral("root") });
    QVERIFY(server);
    RawClient root, seed;
    QVERIFY(logIn(root, server->port(), QStringLiteral("root")));
    QVERIFY(seed.joinAs(server->port(), QStringLiteral("oldtimer"), false));
    root.sendObject(moderate(QStringLiteral("#general"), Protocol::Moderation::Mute,
                             QStringLiteral("oldtimer"), QStringLiteral("shouting")));
    // As a notice: the seed protocol has no moderation message.
    QCOMPARE(stringOf(seed.waitFor(QStringLiteral("notice")), "data"),
             QStringLiteral("root muted oldtimer in #general (shouting)."));
    seed.sendObject(Protocol::chat(QStringLiteral("HELLO")));
    QList<QJsonObject> before;
    QVERIFY(barrier(root, &before));
    QVERIFY(ofType(before, QStringLiteral("message")).isEmpty());
    QCOMPARE(server->stop(), 0);
}

void TestServerModeration::rulesOutliveARestart_data()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

void TestServerModeration::rulesOutliveARestart()
{
    auto server = startServer();
    QVERIFY(server);
    {
        RawClient alice, dave, bob;
        QVERIFY(logIn(alice, server->port(), QStringLiteral("alice")));
        QVERIFY(logIn(dave, server->port(), QStringLiteral("dave")));
        QVERIFY(bob.joinAs(server->port(), QStringLiteral("bob")));
        QVERIFY(!enter(alice, QStringLiteral("#dev")).isEmpty());
        QVERIFY(!enter(bob, QStringLiteral("#dev")).isEmpty());
        for (const QJsonObject &request :
             { moderate(QStringLiteral("#dev"), Protocol::Moderation::Op, QStringLiteral("dave")),
               moderate(QStringLiteral("#dev"), Protocol::Moderation::Ban, QStringLiteral("bob"),
                        QStringLiteral("spam")),
               moderate(QStringLiteral("#dev"), Protocol::Moderation::LockTopic) }) {
            alice.sendObject(request);
            QVERIFY(!alice.waitFor(Wire::Moderated::Type).isEmpty());
        }
    }
    QCOMPARE(server->stop(), 0);

    server = startServer();
    QVERIFY(server);
    RawClient alice, bob;
    QVERIFY(logIn(alice, server->port(), QStringLiteral("alice")));
    const QJsonObject answer = enter(alice, QStringLiteral("#dev"));
    QCOMPARE(stringOf(answer, "owner"), QStringLiteral("alice"));
    QCOMPARE(answer.value(QStringLiteral("operators")).toArray(),
             QJsonArray { QStringLiteral("dave") });
    QCOMPARE(answer.value(QStringLiteral("topicLocked")).toBool(), true);
    // A guest's ban holds by its address, whatever name it takes now.
    QVERIFY(bob.joinAs(server->port(), QStringLiteral("robert")));
    QCOMPARE(codeOf(enter(bob, QStringLiteral("#dev"))), QStringLiteral("banned"));
    QCOMPARE(server->stop(), 0);

    if (m_database.startsWith(QLatin1StringView("sqlite:"))) {
        // Recorded, every action with who did it: the room's creation too.
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("t"));
        db.setDatabaseName(m_database.mid(7));
        QVERIFY(db.open());
        {
            QSqlQuery query(db);
            QVERIFY(query.exec(QStringLiteral("SELECT action, by_name, target, reason FROM "
                                              "moderation_log ORDER BY time, action")));
            QStringList rows;
            while (query.next())
                rows.append(QStringList { query.value(0).toString(), query.value(1).toString(),
                                          query.value(2).toString(), query.value(3).toString() }
                                .join(QLatin1Char(' ')));
            QCOMPARE(rows.size(), 4);
            QVERIFY2(rows.contains(QStringLiteral("ban alice bob spam")),
                     qPrintable(rows.join(QLatin1Char(0x7c))));
            QVERIFY2(rows.contains(QStringLiteral("create alice  ")),
                     qPrintable(rows.join(QLatin1Char(0x7c))));
        }
        db.close();
        db = {};
        QSqlDatabase::removeDatabase(QStringLiteral("t"));
    }
}

void TestServerModeration::noModerationWithoutAccounts()
{
    ServerProcess server({ QStringLiteral("--database"), QStringLiteral("none") });
    QVERIFY(server.start());
    RawClient alice;
    QVERIFY(alice.joinAs(server.port(), QStringLiteral("alice")));
    QVERIFY(!enter(alice, QStringLiteral("#dev")).isEmpty());
    alice.sendObject(moderate(QStringLiteral("#dev"), Protocol::Moderation::LockTopic));
    QCOMPARE(codeOf(alice.waitFor(Wire::Error::Type)), QStringLiteral("accounts_unavailable"));
    QCOMPARE(server.stop(), 0);
}

QTEST_GUILESS_MAIN(TestServerModeration)
#include "tst_servermoderation.moc"
