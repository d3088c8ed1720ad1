// SPDX-License-Identifier: MIT
// The server's Outbox and RoomLog on their own, over a real socket pair: the
// orderings a whole server cannot be steered into on purpose.

#include "dialect.h"
#include "outbox.h"
#include "outboxowner.h"
#include "receiveavailable.h"
#include "roomlog.h"

#include <QObject>
#include <QTest>

#include <sys/socket.h>
#include <unistd.h>

namespace {
constexpr qsizetype Cap = 64 * 1024;

// Stands in for a connection's transport: counts the wake-ups its Outbox sends it.
class Owner : public OutboxOwner
{
public:
    int wakeUps = 0;

protected:
    void outboxReady() override { ++wakeUps; }
};

// A log entry that every dialect writes alike.
Dialect::Bytes same(const QByteArray &bytes)
{
    Dialect::Bytes forAll;
    forAll.fill(bytes);
    return forAll;
}

// One end for the Outbox, the other for the test to read (or not).
struct SocketPair
{
    int server = -1;
    int client = -1;
    SocketPair()
    {
        int ends[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) == 0) {
            server = ends[0];
            client = ends[1];
            const int small = 4096;
            ::setsockopt(server, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
        }
    }
    ~SocketPair()
    {
        ::close(server);
        ::close(client);
    }
};
} // namespace

class TestOutbox : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void privateMessagesQueueBehindTheRoom();
    void eachClientReadsItsDialectsForm();
    void ownerIsWokenWhenItsOwnWriteGoesOverTheCap();
    void oneOutboxFollowsEveryRoomItIsIn();
    void aLogForgetsWhatEveryoneHasTaken();
};

void TestOutbox::oneOutboxFollowsEveryRoomItIsIn()
{
    SocketPair sockets;
    QVERIFY(sockets.server >= 0);
    RoomLog general(Cap);
    RoomLog dev(Cap);
    general.append(same("before it entered\n"), nullptr);
    Outbox outbox(sockets.server, Cap);
    outbox.attach(&general, Dialect::rich());
    outbox.attach(&dev, Dialect::rich());
    general.append(same("general 1\n"), nullptr);
    dev.append(same("dev 1\n"), nullptr);
    QCOMPARE(outbox.deliver({}, Outbox::Clock::now()), Outbox::Delivery::Written);
    const QByteArray both = TestSupport::receiveAvailable(sockets.client);
    QVERIFY(both.contains("general 1\n") && both.contains("dev 1\n"));
    QVERIFY(!both.contains("before it entered"));
    QCOMPARE(outbox.cursorIn(&dev), dev.lastSeq());

    outbox.detach(&dev); // left #dev
    dev.append(same("dev 2\n"), nullptr);
    general.append(same("general 2\n"), nullptr);
    outbox.deliver({}, Outbox::Clock::now());
    QCOMPARE(TestSupport::receiveAvailable(sockets.client), QByteArray("general 2\n"));
    QCOMPARE(outbox.cursorIn(&dev), -1);
}

void TestOutbox::aLogForgetsWhatEveryoneHasTaken()
{
    RoomLog log(Cap);
    for (int i = 0; i < 5; ++i)
        log.append(same("line\n"), nullptr);
    log.dropThrough(3);
    int visited = 0;
    QVERIFY(log.readAfter(3, [&visited](const RoomLog::Entry &) { ++visited; }));
    QCOMPARE(visited, 2);
    // What was forgotten cannot be read: a reader that far behind is dropped.
    QVERIFY(!log.readAfter(1, [](const RoomLog::Entry &) {}));
    QCOMPARE(log.end().seq, 5);
}

void TestOutbox::privateMessagesQueueBehindTheRoom()
{
    SocketPair sockets;
    QVERIFY(sockets.server >= 0);
    RoomLog log(Cap);
    Outbox outbox(sockets.server, Cap);
    outbox.attach(&log, Dialect::rich());
    log.append(same("room 1\n"), nullptr);
    log.append(same("room 2\n"), &outbox); // its own: not sent back
    log.append(same("room 3\n"), nullptr);
    outbox.post("private\n");
    QCOMPARE(TestSupport::receiveAvailable(sockets.client),
             QByteArray("room 1\nroom 3\nprivate\n"));
}

void TestOutbox::eachClientReadsItsDialectsForm()
{
    SocketPair richSockets;
    SocketPair seedSockets;
    QVERIFY(richSockets.server >= 0 && seedSockets.server >= 0);
    RoomLog log(Cap);
    Outbox rich(richSockets.server, Cap);
    Outbox seed(seedSockets.server, Cap);
    rich.attach(&log, Dialect::rich());
    seed.attach(&log, Dialect::seed());
    Dialect::Bytes presence;
    presence[std::size_t(Dialect::rich().slot())] = "rich presence\n";
    presence[std::size_t(Dialect::seed().slot())] = "seed notice\n";
    log.append(presence, nullptr);
    log.append(same("message\n"), nullptr);
    rich.deliver({}, Outbox::Clock::now());
    seed.deliver({}, Outbox::Clock::now());
    QCOMPARE(TestSupport::receiveAvailable(richSockets.client),
             QByteArray("rich presence\nmessage\n"));
    QCOMPARE(TestSupport::receiveAvailable(seedSockets.client),
             QByteArray("seed notice\nmessage\n"));
}

// The owner drops an overflowed client when it is woken; its own write, after
// the socket drained, may be what takes the client over the cap.
void TestOutbox::ownerIsWokenWhenItsOwnWriteGoesOverTheCap()
{
    SocketPair sockets;
    QVERIFY(sockets.server >= 0);
    RoomLog log(Cap);
    Outbox outbox(sockets.server, Cap);
    Owner owner;
    outbox.setOwner(&owner);
    outbox.attach(&log, Dialect::rich());

    // The client does not read: fill the socket until something stays queued.
    const QByteArray chunk(1000, 'x');
    for (int i = 0; i < 1000 && outbox.unsentBytes() == 0; ++i)
        outbox.post(chunk);
    QVERIFY(outbox.unsentBytes() > 0);
    QTRY_COMPARE(owner.wakeUps, 1);
    // The owner's turn: the socket is still full, so it waits for it to drain.
    QCOMPARE(outbox.write(), Outbox::WriteState::SocketFull);

    // The room goes on, further than the cap, before any walk delivers to this
    // client; then the socket drains a little and the owner writes again.
    for (int i = 0; i < 2 * Cap / chunk.size(); ++i)
        log.append(same(chunk), nullptr);
    TestSupport::receiveAvailable(sockets.client);
    outbox.write();
    QVERIFY(outbox.hasOverflowed());
    QTRY_COMPARE(owner.wakeUps, 2);
}

QTEST_GUILESS_MAIN(TestOutbox)
#include "tst_outbox.moc"
