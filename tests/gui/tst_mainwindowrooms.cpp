// SPDX-License-Identifier: MIT
// The window's rooms against a fake server that answers exactly as the
// protocol says: the side list with unread counts, the topic, the members of
// the shown room, older messages on scrolling up, and rooms entered again on
// the next start.
#include "acceptjoin.h"
#include "connectdialog.h"
#include "conversationview.h"
#include "inputline.h"
#include "mainwindow.h"
#include "userlistmodel.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QLabel>
#include <QListWidget>
#include <QSettings>
#include <QTabWidget>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

static const QByteArray Welcome =
    R"({"type":"welcome","protocol":1,"name":"Alice","session":"s","run":"db","room":"#general",)"
    R"("topic":"","users":["Alice"],"userCount":1,"history":[],"missed":0})"
    "\n";

// The next object of type the client wrote, from *buffer and the socket.
static QJsonObject nextObject(QTcpSocket *peer, QByteArray *buffer, const QString &type)
{
    QJsonObject found;
    [[maybe_unused]] const bool came = QTest::qWaitFor(
        [&] {
            *buffer += peer->readAll();
            qsizetype end;
            while ((end = buffer->indexOf('\n')) >= 0) {
                const QJsonObject object = QJsonDocument::fromJson(buffer->left(end)).object();
                buffer->remove(0, end + 1);
                if (object.value(u"type").toString() == type) {
                    found = object;
                    return true;
                }
            }
            return false;
        },
        5000);
    return found;
}

class TestMainWindowRooms : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void joinShowsTheRoomItsTopicAndMembers();

private:
    QTemporaryDir m_settingsDir;
};

void TestMainWindowRooms::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("PyNetTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_guimainwindowrooms"));
}

void TestMainWindowRooms::joinShowsTheRoomItsTopicAndMembers()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    auto window = std::make_unique<MainWindow>();
    window->show();
    window->connectTo(QStringLiteral("127.0.0.1"), fake.serverPort(), QStringLiteral("Alice"));
    QByteArray buffer;
    std::unique_ptr<QTcpSocket> peer = TestSupport::acceptJoin(fake, &buffer);
    QVERIFY(peer);
    buffer.clear();
    peer->write(Welcome);
    QTRY_COMPARE(window->roomList()->count(), 1);

    QTest::keyClicks(window->inputLine(), QStringLiteral("/join #dev"));
    QTest::keyClick(window->inputLine(), Qt::Key_Return);
    QCOMPARE(nextObject(peer.get(), &buffer, QStringLiteral("enter")).value(u"room").toString(),
             QStringLiteral("#dev"));
    peer->write(
        R"({"type":"room","room":"#dev","topic":"Release on Friday","users":["Alice","Bob"],)"
        R"("userCount":2,"history":[{"type":"message","id":5,"room":"#dev","from":"Bob",)"
        R"("data":"hi"}],"missed":0})"
        "\n");
    QTRY_COMPARE(window->roomList()->count(), 2);
    QTRY_COMPARE(window->currentConversation()->room(), QStringLiteral("#dev"));
    QVERIFY2(window->topicLabel()->text().contains(QStringLiteral("Release on Friday")),
             qPrintable(window->topicLabel()->text()));
    QCOMPARE(window->userModel()->users().size(), 2);

    // A line in the room not shown counts as unread beside its name.
    peer->write(R"({"type":"message","id":6,"room":"#general","from":"Carol","data":"psst"})"
                "\n");
    QTRY_COMPARE(window->roomList()->item(0)->text(), QStringLiteral("#general  (1)"));

    // Scrolling to the top asks for older messages, with a row that says so.
    Conversation *dev = window->roomConversation(QStringLiteral("#dev"));
    QVERIFY(dev);
    Q_EMIT window->viewFor(dev)->scrolledToTop();
    QVERIFY(dev->isLoadingOlder());
    QCOMPARE(dev->entries().constFirst().text, QStringLiteral("Loading older messages…"));
    const QJsonObject request = nextObject(peer.get(), &buffer, QStringLiteral("history"));
    QCOMPARE(request.value(u"before").toInteger(), 5);
    peer->write(R"({"type":"history","room":"#dev","history":[{"type":"message","id":2,)"
                R"("room":"#dev","from":"Bob","data":"older"}],"more":false})"
                "\n");
    QTRY_VERIFY(!dev->isLoadingOlder());
    QCOMPARE(dev->entries().at(1).text, QStringLiteral("older"));

    // The next start on this server enters #dev again.
    QCOMPARE(
        QSettings()
            .value(MainWindow::roomsSettingsKey(QStringLiteral("127.0.0.1"), fake.serverPort()))
            .toStringList(),
        QStringList { QStringLiteral("#dev") });
    window.reset();
    MainWindow again;
    again.connectTo(QStringLiteral("127.0.0.1"), fake.serverPort(), QStringLiteral("Alice"));
    buffer.clear();
    std::unique_ptr<QTcpSocket> second = TestSupport::acceptJoin(fake, &buffer);
    QVERIFY(second);
    buffer.clear();
    second->write(Welcome);
    QCOMPARE(nextObject(second.get(), &buffer, QStringLiteral("enter")).value(u"room").toString(),
             QStringLiteral("#dev"));
}

QTEST_MAIN(TestMainWindowRooms)
#include "tst_mainwindowrooms.moc"
