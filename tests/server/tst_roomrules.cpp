// SPDX-License-Identifier: MIT
// RoomRules alone: who may do what, for the cases a whole server makes slow to
// reach; how rules travel between servers, and which copy wins, in memory and
// in a real SQLite file (AccountStore).
#include "accountstore.h"
#include "protocol.h"
#include "roomrules.h"

#include <QTemporaryDir>
#include <QtTest>

namespace {

RoomRules::Request request(QLatin1StringView action, const QString &actor, const QString &target,
                           bool targetIsHere = true)
{
    RoomRules::Request r;
    r.moderate.action = action;
    r.moderate.target = target.section(QLatin1Char(':'), 1);
    r.moderate.by = actor.section(QLatin1Char(':'), 1);
    r.actorIdentity = actor;
    r.targetIdentity = target;
    r.targetIsHere = targetIsHere;
    return r;
}

const QString Room = QStringLiteral("#dev");

} // namespace

class TestRoomRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mappedAddressesAreTheirIpv4Form();
    void operatorsCannotTouchTheOwnerOrEachOther();
    void unbanByNameFindsAnAddressBan();
    void entriesAreBounded();
    void rulesTravelWhole();
    void theNewerCopyWins();
    void theDatabaseKeepsTheNewerRules();
};

void TestRoomRules::mappedAddressesAreTheirIpv4Form()
{
    QCOMPARE(RoomRules::addressIdentity(QStringLiteral("::ffff:192.0.2.7")),
             RoomRules::addressIdentity(QStringLiteral("192.0.2.7")));
    QCOMPARE(RoomRules::addressIdentity(QStringLiteral("2001:DB8::1")),
             QStringLiteral("address:2001:db8::1"));
}

void TestRoomRules::operatorsCannotTouchTheOwnerOrEachOther()
{
    const QString owner = RoomRules::accountIdentity(QStringLiteral("alice"));
    const QString op = RoomRules::accountIdentity(QStringLiteral("dave"));
    const QString other = RoomRules::accountIdentity(QStringLiteral("erin"));
    RoomRules rules;
    rules.setOwner(owner, QStringLiteral("alice"));
    QVERIFY(
        rules.apply(request(Protocol::Moderation::Op, owner, op), Room, 0, 10).errorCode.isEmpty());
    QVERIFY(rules.apply(request(Protocol::Moderation::Op, owner, other), Room, 0, 10)
                .errorCode.isEmpty());
    for (const QString &target : { owner, other }) {
        QCOMPARE(
            rules.apply(request(Protocol::Moderation::Kick, op, target), Room, 0, 10).errorCode,
            Protocol::Code::NotOperator);
    }
    QCOMPARE(rules.apply(request(Protocol::Moderation::Deop, op, other), Room, 0, 10).errorCode,
             Protocol::Code::NotOperator);
    // An administrator outranks the owner.
    RoomRules::Request byAdmin = request(Protocol::Moderation::Kick,
                                         RoomRules::accountIdentity(QStringLiteral("root")), owner);
    byAdmin.actorIsAdmin = true;
    const RoomRules::Outcome kicked = rules.apply(byAdmin, Room, 0, 10);
    QVERIFY(kicked.errorCode.isEmpty());
    QVERIFY(kicked.removeTarget);
}

void TestRoomRules::unbanByNameFindsAnAddressBan()
{
    const QString owner = RoomRules::accountIdentity(QStringLiteral("alice"));
    RoomRules rules;
    rules.setOwner(owner, QStringLiteral("alice"));
    RoomRules::Request ban =
        request(Protocol::Moderation::Ban, owner,
                RoomRules::addressIdentity(QStringLiteral("::ffff:192.0.2.7")));
    ban.moderate.target = QStringLiteral("bob");
    ban.targetIsGuest = true;
    QVERIFY(rules.apply(ban, Room, 0, 10).errorCode.isEmpty());
    QString text;
    QCOMPARE(rules.refusalToEnter(RoomRules::addressIdentity(QStringLiteral("192.0.2.7")), false,
                                  Room, &text),
             Protocol::Code::Banned);
    // bob is gone; his name finds the ban that was made by his address.
    RoomRules::Request unban = request(Protocol::Moderation::Unban, owner,
                                       RoomRules::accountIdentity(QStringLiteral("BOB")), false);
    unban.moderate.target = QStringLiteral("BOB");
    QVERIFY(rules.apply(unban, Room, 0, 10).errorCode.isEmpty());
    QVERIFY(rules
                .refusalToEnter(RoomRules::addressIdentity(QStringLiteral("192.0.2.7")), false,
                                Room, &text)
                .isEmpty());
}

void TestRoomRules::entriesAreBounded()
{
    const QString owner = RoomRules::accountIdentity(QStringLiteral("alice"));
    RoomRules rules;
    rules.setOwner(owner, QStringLiteral("alice"));
    for (int i = 0; i < 3; ++i) {
        const QString target = RoomRules::accountIdentity(QStringLiteral("user%1").arg(i));
        QVERIFY(rules.apply(request(Protocol::Moderation::Mute, owner, target), Room, 0, 3)
                    .errorCode.isEmpty());
    }
    const QString fourth = RoomRules::accountIdentity(QStringLiteral("user3"));
    QCOMPARE(rules.apply(request(Protocol::Moderation::Ban, owner, fourth), Room, 0, 3).errorCode,
             Protocol::Code::TooManyRules);
    QCOMPARE(rules.entryCount(), 3);
    // Changing what is there already needs no room.
    const QString first = RoomRules::accountIdentity(QStringLiteral("user0"));
    QVERIFY(rules.apply(request(Protocol::Moderation::Mute, owner, first), Room, 0, 3)
                .errorCode.isEmpty());
}

void TestRoomRules::rulesTravelWhole()
{
    const QString owner = RoomRules::accountIdentity(QStringLiteral("alice"));
    RoomRules rules;
    rules.setOwner(owner, QStringLiteral("alice"));
    rules.setSettings(true, true);
    rules.setEntry(RoomRules::Kind::Ban, RoomRules::addressIdentity(QStringLiteral("192.0.2.7")),
                   { QStringLiteral("bob"), QStringLiteral("alice"), QStringLiteral("spam"), 42 });
    rules.setEntry(RoomRules::Kind::Invite, RoomRules::accountIdentity(QStringLiteral("dave")),
                   { QStringLiteral("dave"), QStringLiteral("alice"), {}, 43 });
    rules.stamp(1000);

    const RoomRules copy = RoomRules::fromJson(rules.toJson());
    QCOMPARE(copy.toJson(), rules.toJson());
    QCOMPARE(copy.version(), 1000);
    QCOMPARE(copy.ownerName(), QStringLiteral("alice"));
    QVERIFY(copy.inviteOnly() && copy.topicLocked());
    const RoomRules::Entry ban =
        copy.entries(RoomRules::Kind::Ban)
            .value(RoomRules::addressIdentity(QStringLiteral("192.0.2.7")));
    QCOMPARE(ban.name, QStringLiteral("bob"));
    QCOMPARE(ban.reason, QStringLiteral("spam"));
    QCOMPARE(ban.timeMs, 42);
    QCOMPARE(copy.entryCount(), 2);
}

void TestRoomRules::theNewerCopyWins()
{
    RoomRules rules;
    rules.stamp(1000);
    QCOMPARE(rules.version(), 1000);
    rules.stamp(900); // a clock that went back
    QCOMPARE(rules.version(), 1001);

    RoomRules older = rules;
    RoomRules newer = rules;
    newer.setSettings(true, false);
    newer.stamp(1001);
    QVERIFY(newer.supersedes(older));
    QVERIFY(!older.supersedes(newer));
    QVERIFY(!older.supersedes(older)); // nothing new

    // Two made in one millisecond: every server takes the same one.
    RoomRules mine = older;
    RoomRules theirs = older;
    mine.setSettings(true, false);
    theirs.setSettings(false, true);
    mine.stamp(1001);
    theirs.stamp(1001);
    QCOMPARE(mine.version(), theirs.version());
    QVERIFY(mine.supersedes(theirs) != theirs.supersedes(mine));
}

void TestRoomRules::theDatabaseKeepsTheNewerRules()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QString error;
    const std::unique_ptr<AccountStore> store =
        AccountStore::create(QStringLiteral("sqlite:%1/pynet.db").arg(dir.path()), false, &error);
    QVERIFY2(store && store->open(&error), qPrintable(error));
    const QString key = QStringLiteral("#dev");
    Wire::Moderation action;
    action.room = key;
    action.by = QStringLiteral("alice");

    RoomRules newer;
    newer.setOwner(RoomRules::accountIdentity(QStringLiteral("alice")), QStringLiteral("alice"));
    newer.setSettings(true, false);
    newer.stamp(2000);
    action.action = Protocol::Moderation::InviteOnly;
    QVERIFY2(store->saveRules(key, newer, action, {}, &error), qPrintable(error));
    // Another server's, made before but stored after.
    RoomRules older = newer;
    older.setSettings(false, true);
    older.setVersion(1500);
    action.action = Protocol::Moderation::LockTopic;
    QVERIFY2(store->saveRules(key, older, action, {}, &error), qPrintable(error));

    QHash<QString, RoomRules> loaded;
    QVERIFY2(store->loadRules(&loaded, &error), qPrintable(error));
    QCOMPARE(loaded.value(key).toJson(), newer.toJson());

    // Back to nothing, and still newer than what came before.
    RoomRules none;
    none.setVersion(2500);
    QVERIFY2(store->saveRules(key, none, action, {}, &error), qPrintable(error));
    QVERIFY2(store->saveRules(key, older, action, {}, &error), qPrintable(error));
    QVERIFY2(store->loadRules(&loaded, &error), qPrintable(error));
    QCOMPARE(loaded.value(key).toJson(), none.toJson());
}

QTEST_GUILESS_MAIN(TestRoomRules)
#include "tst_roomrules.moc"
