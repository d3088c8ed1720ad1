// SPDX-License-Identifier: MIT
#include "blackhole.h"
#include "connectdialog.h"
#include "conversation.h"
#include "inputline.h"
#include "mainwindow.h"
#include "postgrescluster.h"
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"

#include <QDoubleSpinBox>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

// The window given several servers in its connect dialog: the one it reaches,
// the status bar naming it, and the next one after a kill.
class TestMainWindowFailover : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void dialogListReachesTheSecond();
    void dialogTimeoutPassesASilentServer();
    void killedServerGivesWayToTheNext();

private:
    bool roomContains(const QString &text) const;

    QTemporaryDir m_settingsDir;
    PostgresCluster m_postgres; // a SQLite file is one server's alone
    int m_databases = 0;
    std::unique_ptr<ServerProcess> m_first;
    std::unique_ptr<ServerProcess> m_second;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindowFailover::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(u"PyNetTest"_s);
    QCoreApplication::setApplicationName(u"tst_guimainwindowfailover"_s);
    QString error;
    QVERIFY2(m_postgres.start(&error), qPrintable(error));
}

void TestMainWindowFailover::init()
{
    // Two nodes of one cluster: one database.
    const QString name = u"cluster_%1"_s.arg(++m_databases);
    QString error;
    QVERIFY2(m_postgres.createDatabase(name, &error), qPrintable(error));
    const QStringList shared { u"--database"_s, m_postgres.url(name) };
    m_first = std::make_unique<ServerProcess>(shared);
    m_second = std::make_unique<ServerProcess>(shared);
    QVERIFY2(m_first->start(), qPrintable(m_first->output()));
    QVERIFY2(m_second->start(), qPrintable(m_second->output()));
    m_window = std::make_unique<MainWindow>();
    m_window->client()->setKeepAliveInterval(0);
    m_window->client()->setReconnectDelays(100, 400);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindowFailover::cleanup()
{
    m_window.reset();
    m_first.reset();
    m_second.reset();
}

bool TestMainWindowFailover::roomContains(const QString &text) const
{
    const QList<Conversation::Entry> &entries = m_window->room()->entries();
    return std::any_of(entries.cbegin(), entries.cend(), [&text](const Conversation::Entry &entry) {
        return entry.text.contains(text);
    });
}

void TestMainWindowFailover::dialogListReachesTheSecond()
{
    const quint16 refusing = m_first->port();
    m_first->stop(); // nothing listens there now
    RawClient bob;
    QVERIFY(bob.joinAs(m_second->port(), u"Bob"_s));

    m_window->openConnectDialog();
    ConnectDialog *dialog = m_window->connectDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    dialog->setValues(QString(), m_second->port(), u"Ann"_s);
    const QString list = u"127.0.0.1:%1, 127.0.0.1"_s.arg(refusing);
    QTest::keyClicks(dialog->hostEdit(), list);
    QTest::keyClick(dialog->nameEdit(), Qt::Key_Return);

    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), ChatClient::Status::Joined, 10000);
    QTRY_VERIFY(!m_window->connectDialog() || !m_window->connectDialog()->isVisible());
    const QString second = u"127.0.0.1:%1"_s.arg(m_second->port());
    QCOMPARE(m_window->statusText(), u"Connected to %1 as Ann."_s.arg(second));
    QCOMPARE(QSettings().value(u"connection/host"_s).toString(), list);
    QCOMPARE(QSettings().value(u"connection/port"_s).toUInt(), uint(m_second->port()));

    InputLine *input = m_window->inputLine();
    QVERIFY(input->isEnabled());
    QTest::keyClicks(input, u"through the list"_s);
    QTest::keyClick(input, Qt::Key_Return);
    QTRY_VERIFY(!m_window->client()->hasPendingWrites()); // bob waits without an event loop
    QCOMPARE(bob.waitFor(u"message"_s).value(u"data"_s).toString(), u"through the list"_s);
}

void TestMainWindowFailover::dialogTimeoutPassesASilentServer()
{
    BlackHole silent;
    QVERIFY(silent.port() != 0);
    m_window->openConnectDialog();
    ConnectDialog *dialog = m_window->connectDialog();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    dialog->setValues(u"127.0.0.1:%1, 127.0.0.1:%2"_s.arg(silent.port()).arg(m_second->port()),
                      Protocol::DefaultPort, u"Ann"_s);
    dialog->connectTimeoutEdit()->selectAll();
    QTest::keyClicks(dialog->connectTimeoutEdit(), u"0.5"_s);
    QTest::keyClick(dialog->nameEdit(), Qt::Key_Return);

    // Well before the default of 10 s.
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), ChatClient::Status::Joined, 5000);
    QCOMPARE(m_window->client()->connectTimeout(), 500);
    QCOMPARE(m_window->statusText(), u"Connected to 127.0.0.1:%1 as Ann."_s.arg(m_second->port()));
    QCOMPARE(QSettings().value(u"connection/connectTimeoutMs"_s).toInt(), 500);
}

void TestMainWindowFailover::killedServerGivesWayToTheNext()
{
    const QString first = u"127.0.0.1:%1"_s.arg(m_first->port());
    const QString second = u"127.0.0.1:%1"_s.arg(m_second->port());
    m_window->connectTo(u"%1,%2"_s.arg(first, second), Protocol::DefaultPort, u"Ann"_s);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusText(), u"Connected to %1 as Ann."_s.arg(first),
                              10000);
    RawClient bob;
    QVERIFY(bob.joinAs(m_second->port(), u"Bob"_s));

    m_first->kill();
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusText(), u"Connected to %1 as Ann."_s.arg(second),
                              10000);
    QVERIFY(m_window->client()->isRejoin());
    QTRY_VERIFY(roomContains(u"Reconnected to %1."_s.arg(second)));
    bob.sendObject(Protocol::chat(u"on the second node"_s));
    QTRY_VERIFY(roomContains(u"on the second node"_s));
}

QTEST_MAIN(TestMainWindowFailover)
#include "tst_mainwindowfailover.moc"
