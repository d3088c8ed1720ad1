// SPDX-License-Identifier: MIT
// The server's Outbox and RoomLog on their own, over a real socket pair: the
// orderings a whole server cannot be steered into on purpose.

#include "outbox.h"
#include "receiveavailable.h"
#include "roomlog.h"

#include <QObject>
#include <QTest>

#include <sys/socket.h>
#include <unistd.h>

namespace {
constexpr qsizetype Cap = 64 * 1024;

// Stands in for a ClientConnection: counts the wake-ups its Outbox sends it.
class Owner : public QObject
{
    Q_OBJECT
public:
    int wakeUps = 0;

public Q_SLOTS:
    void onOutboxReady() { ++wakeUps; }
};

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
    void ownerIsWokenWhenItsOwnFlushGoesOverTheCap();
};

void TestOutbox::privateMessagesQueueBehindTheRoom()
{
    SocketPair sockets;
    QVERIFY(sockets.server >= 0);
    RoomLog log(Cap);
    Outbox outbox(sockets.server, Cap);
    outbox.attach(&log, false);
    log.append("room 1\n", {}, nullptr);
    log.append("room 2\n", {}, &outbox); // its own: not sent back
    log.append("room 3\n", {}, nullptr);
    outbox.post("private\n");
    QCOMPARE(TestSupport::receiveAvailable(sockets.client),
             QByteArray("room 1\nroom 3\nprivate\n"));
}

// The owner drops an overflowed client when it is woken; its own flush, after
// the socket drained, may be what takes the client over the cap.
void TestOutbox::ownerIsWokenWhenItsOwnFlushGoesOverTheCap()
{
    SocketPair sockets;
    QVERIFY(sockets.server >= 0);
    RoomLog log(Cap);
    Outbox outbox(sockets.server, Cap);
    Owner owner;
    outbox.setOwner(&owner);
    outbox.attach(&log, false);

    // The client does not read: fill the socket until something stays queued.
    const QByteArray chunk(1000, 'x');
    for (int i = 0; i < 1000 && outbox.unsentBytes() == 0; ++i)
        outbox.post(chunk);
    QVERIFY(outbox.unsentBytes() > 0);
    QTRY_COMPARE(owner.wakeUps, 1);
    // The owner's turn: the socket is still full, so it waits for it to drain.
    QCOMPARE(outbox.flush(), Outbox::FlushState::SocketFull);

    // The room goes on, further than the cap, before any sender flushes this
    // client; then the socket drains a little and the owner flushes again.
    for (int i = 0; i < 2 * Cap / chunk.size(); ++i)
        log.append(chunk, {}, nullptr);
    TestSupport::receiveAvailable(sockets.client);
    outbox.flush();
    QVERIFY(outbox.hasOverflowed());
    QTRY_COMPARE(owner.wakeUps, 2);
}

QTEST_GUILESS_MAIN(TestOutbox)
#include "tst_outbox.moc"
