// SPDX-License-Identifier: MIT
// The Wire view, offscreen: it fills from a real session while open and only
// then, shows a selected frame's JSON and bytes, filters, pauses, saves, and
// never holds more than its bound.
#include "chatclient.h"
#include "connectdialog.h"
#include "mainwindow.h"
#include "serverprocess.h"
#include "wireevent.h"
#include "wiremodel.h"
#include "wireview.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QItemSelectionModel>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using Status = ChatClient::Status;

class TestWireView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void fillsOnlyWhileOpen();
    void selectionShowsJsonAndBytes();
    void filterPauseClearAndSave();
    void staysWithinItsBound();
    void hexDump();

private:
    int rowOf(const QString &filterKey) const;
    void connectWithViewOpen();

    QTemporaryDir m_settingsDir;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<MainWindow> m_window;
};

void TestWireView::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("PyNetTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_guiwireview"));
}

void TestWireView::init()
{
    QSettings().clear();
    m_server = std::make_unique<ServerProcess>();
    QVERIFY2(m_server->start(), qPrintable(m_server->output()));
    m_window = std::make_unique<MainWindow>();
    m_window->client()->setKeepAliveInterval(0);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestWireView::cleanup()
{
    m_window.reset();
    m_server.reset();
}

// The row, in the view's (filtered) order, of the first event with this key.
int TestWireView::rowOf(const QString &filterKey) const
{
    const QSortFilterProxyModel *rows = m_window->wireView()->filterModel();
    for (int row = 0; row < rows->rowCount(); ++row) {
        if (rows->index(row, 0).data(WireModel::FilterKeyRole).toString() == filterKey)
            return row;
    }
    return -1;
}

void TestWireView::connectWithViewOpen()
{
    QAction *open = m_window->wireAction();
    QCOMPARE(open->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
    open->trigger();
    QTRY_VERIFY(m_window->wireDock()->isVisible());
    QVERIFY(m_window->client()->isTraceEnabled());
    m_window->connectTo(QStringLiteral("127.0.0.1"), m_server->port(), QStringLiteral("Alice"));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), Status::Joined, 10000);
    QTRY_VERIFY(rowOf(QStringLiteral("frame:welcome")) >= 0);
}

void TestWireView::fillsOnlyWhileOpen()
{
    // Closed, the session traces nothing and the view stays empty.
    QVERIFY(!m_window->wireDock()->isVisible());
    QVERIFY(!m_window->client()->isTraceEnabled());
    connectWithViewOpen(); // the session has not traced until now
    WireModel *model = m_window->wireView()->model();
    QVERIFY(rowOf(QStringLiteral("frame:join")) >= 0);
    QVERIFY(rowOf(QStringLiteral("read")) >= 0);
    QVERIFY(rowOf(QStringLiteral("timeline")) >= 0);

    const int before = model->rowCount();
    QVERIFY(m_window->client()->sendChat(QStringLiteral("seen on the wire")).isAccepted());
    QTRY_COMPARE(model->rowCount(), before + 1);
    const WireEvent &chat = model->event(model->rowCount() - 1);
    QCOMPARE(chat.kind, WireEvent::Kind::FrameOut);
    QCOMPARE(chat.type, QStringLiteral("chat"));
    QCOMPARE(model->index(model->rowCount() - 1, WireModel::TypeColumn).data().toString(),
             QStringLiteral("chat"));
    QCOMPARE(model->index(model->rowCount() - 1, WireModel::BytesColumn).data().toLongLong(),
             chat.raw.size());

    // A ping on demand measures the round trip.
    QVERIFY(m_window->client()->pingServer().isAccepted());
    QTRY_VERIFY(rowOf(QStringLiteral("rtt")) >= 0);
    QVERIFY(m_window->client()->lastRoundTripMs() >= 0);

    m_window->wireAction()->trigger();
    QTRY_VERIFY(!m_window->wireDock()->isVisible());
    QVERIFY(!m_window->client()->isTraceEnabled());
    const int closed = model->rowCount();
    QVERIFY(m_window->client()->sendChat(QStringLiteral("not traced")).isAccepted());
    QTest::qWait(200);
    QCOMPARE(model->rowCount(), closed);
}

void TestWireView::selectionShowsJsonAndBytes()
{
    connectWithViewOpen();
    WireView *view = m_window->wireView();
    const int row = rowOf(QStringLiteral("frame:welcome"));
    view->table()->selectionModel()->setCurrentIndex(view->filterModel()->index(row, 0),
                                                     QItemSelectionModel::ClearAndSelect
                                                         | QItemSelectionModel::Rows);
    QVERIFY2(view->jsonText().contains(QStringLiteral("\n    \"type\": \"welcome\"")),
             qPrintable(view->jsonText()));
    QVERIFY(view->jsonText().contains(QStringLiteral("\"name\": \"Alice\"")));
    QVERIFY2(view->hexText().startsWith(QStringLiteral("00000000  7b 22 ")),
             qPrintable(view->hexText().left(200)));
    const WireEvent &event = view->model()->event(
        view->filterModel()->mapToSource(view->filterModel()->index(row, 0)).row());
    QVERIFY(view->hexText().section(u'\n', 0, 0).endsWith(QString::fromLatin1(event.raw.left(16))));

    // A read shows its bytes too, and says what it completed.
    const int read = rowOf(QStringLiteral("read"));
    view->table()->selectionModel()->setCurrentIndex(view->filterModel()->index(read, 0),
                                                     QItemSelectionModel::ClearAndSelect
                                                         | QItemSelectionModel::Rows);
    QVERIFY(view->jsonText().contains(QStringLiteral("complete")));
    QVERIFY(!view->hexText().isEmpty());
}

void TestWireView::filterPauseClearAndSave()
{
    connectWithViewOpen();
    WireView *view = m_window->wireView();
    WireModel *model = view->model();
    QSortFilterProxyModel *rows = view->filterModel();

    // The filter lists the types seen; one of them shows only its frames.
    const int welcome = view->typeFilter()->findText(QStringLiteral("welcome"));
    QVERIFY(welcome >= 0);
    view->typeFilter()->setCurrentIndex(welcome);
    QCOMPARE(rows->rowCount(), 1);
    QCOMPARE(rows->index(0, WireModel::TypeColumn).data().toString(), QStringLiteral("welcome"));
    view->typeFilter()->setCurrentIndex(view->typeFilter()->findText(QStringLiteral("Reads")));
    QVERIFY(rows->rowCount() >= 1);
    QVERIFY(rows->rowCount() < model->rowCount());
    for (int row = 0; row < rows->rowCount(); ++row)
        QCOMPARE(rows->index(row, 0).data(WireModel::FilterKeyRole).toString(),
                 QStringLiteral("read"));
    view->typeFilter()->setCurrentIndex(0);
    QCOMPARE(rows->rowCount(), model->rowCount());

    // Paused, rows stay put; going on shows what comes next.
    view->setPaused(true);
    const int paused = model->rowCount();
    QVERIFY(m_window->client()->sendChat(QStringLiteral("while paused")).isAccepted());
    QTest::qWait(200);
    QCOMPARE(model->rowCount(), paused);
    view->setPaused(false);
    QVERIFY(m_window->client()->sendChat(QStringLiteral("after the pause")).isAccepted());
    QTRY_COMPARE(model->rowCount(), paused + 1);

    // Saved: one WireEvent::toText() line per event.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("wire.txt"));
    QString error;
    QVERIFY2(view->saveTo(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), model->rowCount());
    QCOMPARE(lines.first(), model->event(0).toText());
    QVERIFY(lines.filter(QStringLiteral(" B join {")).size() == 1);
    QVERIFY(lines.last().contains(QStringLiteral("after the pause")));
    QVERIFY(!view->saveTo(dir.filePath(QStringLiteral("no/such/dir/wire.txt")), &error));
    QVERIFY(!error.isEmpty());

    view->clear();
    QCOMPARE(model->rowCount(), 0);
    QCOMPARE(view->typeFilter()->findText(QStringLiteral("welcome")), -1);
}

void TestWireView::staysWithinItsBound()
{
    ChatClient client;
    WireView view(&client);
    view.show();
    const int extra = 700;
    for (int i = 0; i < WireModel::MaxEvents + extra; ++i)
        Q_EMIT client.wireEvent(WireEvent::timeline(QStringLiteral("step %1").arg(i)));
    QCOMPARE(view.model()->rowCount(), WireModel::MaxEvents);
    QCOMPARE(view.filterModel()->rowCount(), WireModel::MaxEvents);
    // The oldest went, in order.
    QCOMPARE(view.model()->event(0).text, QStringLiteral("step %1").arg(extra));
    QCOMPARE(view.model()->event(WireModel::MaxEvents - 1).text,
             QStringLiteral("step %1").arg(WireModel::MaxEvents + extra - 1));

    // Large frames are bounded by their bytes as well.
    view.clear();
    const QByteArray big(WireEvent::MaxRawBytes * 2, 'x');
    const int fit = int(WireModel::MaxKeptBytes / WireEvent::MaxRawBytes);
    for (int i = 0; i < fit + 50; ++i)
        Q_EMIT client.wireEvent(
            WireEvent::frame(WireEvent::Kind::FrameIn, big, QStringLiteral("x")));
    QCOMPARE(view.model()->rowCount(), fit);
    QVERIFY(view.model()->keptBytes() <= WireModel::MaxKeptBytes);
}

void TestWireView::hexDump()
{
    QCOMPARE(
        WireView::hexDump("{\"a\":1}\n"),
        QStringLiteral("00000000  7b 22 61 22 3a 31 7d 0a                           {\"a\":1}.\n"));
    const QString two = WireView::hexDump(QByteArray(17, 'A'));
    QCOMPARE(two.count(u'\n'), 2);
    QVERIFY(two.startsWith(QStringLiteral("00000000  41 41 41 41 41 41 41 41  41 41")));
    QVERIFY(two.section(u'\n', 1, 1).startsWith(QStringLiteral("00000010  41 ")));
}

QTEST_MAIN(TestWireView)
#include "tst_wireview.moc"
