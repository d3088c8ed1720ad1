// SPDX-License-Identifier: MIT
// Storage on real SQLite files in a temporary directory: what survives a
// restart, paging, retention and the file shrinking, and every way opening
// can fail with a message a person can act on.
#include "storage.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <unistd.h>

#include <atomic>
#include <memory>

namespace {

// What committed() and history() hand back, from the storage thread.
struct Received
{
    QMutex mutex;
    QList<ChatMessage> messages;
    QList<QPair<QString, qint64>> expired;

    qsizetype count()
    {
        QMutexLocker lock(&mutex);
        return messages.size();
    }
    QList<ChatMessage> all()
    {
        QMutexLocker lock(&mutex);
        return messages;
    }
    qsizetype expiredCount()
    {
        QMutexLocker lock(&mutex);
        return expired.size();
    }
};

ChatMessage message(const QString &room, const QString &text, QDateTime time = {})
{
    ChatMessage m;
    m.room = room;
    m.from = QStringLiteral("ada");
    m.text = text;
    m.time = time.isValid() ? time : QDateTime::currentDateTimeUtc();
    return m;
}

void submit(Storage *storage, Received *received, const ChatMessage &m)
{
    storage->submit(m, [received](const ChatMessage &committed) {
        QMutexLocker lock(&received->mutex);
        received->messages.append(committed);
    });
}

// Counts rows as another reader would, on its own connection.
qint64 countRows(const QString &path, const QString &sql)
{
    qint64 result = -1;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("inspect"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(sql) && query.next())
                result = query.value(0).toLongLong();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("inspect"));
    return result;
}

bool runCommand(const QString &program, const QStringList &arguments)
{
    return QProcess::execute(program, arguments) == 0;
}

} // namespace

class tst_StorageSqlite : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void createsFileAndKeepsIds();
    void recentPerRoomAfterReopen();
    void historyPages();
    void roomsAndTopicsSurvive();
    void manyThreadsGroupCommit();
    void logIsCopiedIntoTheFileWhileRunning();
    void retentionByCountInBatches();
    void retentionByDaysShrinksFile();
    void idsNeverReused();
    void newerSchemaRefused();
    void corruptFile();
    void missingDirectory();
    void unwritable_data();
    void unwritable();
    void lockedBySecondStorage();
    void staleLockTakenOver();
    void urlErrors();
    void measure();

private:
    std::unique_ptr<Storage> open(Storage::Settings settings = {},
                                  Storage::Loaded *loaded = nullptr);
    QString path() const { return m_dir->filePath(QStringLiteral("pynet.db")); }
    QString url() const { return QStringLiteral("sqlite:") + path(); }

    std::unique_ptr<QTemporaryDir> m_dir;
    QStringList m_immutable; // chattr +i as root, undone in cleanup
};

void tst_StorageSqlite::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_StorageSqlite::cleanup()
{
    for (const QString &file : std::as_const(m_immutable))
        runCommand(QStringLiteral("chattr"), { QStringLiteral("-i"), file });
    m_immutable.clear();
    QFile::setPermissions(m_dir->path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    m_dir.reset();
}

std::unique_ptr<Storage> tst_StorageSqlite::open(Storage::Settings settings,
                                                 Storage::Loaded *loaded)
{
    if (settings.url.isEmpty())
        settings.url = url();
    Storage::Loaded ignored;
    QString error;
    auto storage = Storage::open(settings, loaded ? loaded : &ignored, &error);
    if (!storage)
        qWarning("open failed: %s", qPrintable(error));
    return storage;
}

void tst_StorageSqlite::createsFileAndKeepsIds()
{
    Storage::Loaded first;
    QString identity;
    {
        auto storage = open({}, &first);
        QVERIFY(storage);
        QVERIFY(QFileInfo::exists(path()));
        QCOMPARE(storage->displayName(), url());
        QVERIFY(first.rooms.isEmpty());
        QVERIFY(!first.identity.isEmpty());
        Received received;
        storage->saveRoom(QStringLiteral("#dev"), QStringLiteral("#Dev"));
        for (int i = 0; i < 3; ++i)
            submit(storage.get(), &received, message(QStringLiteral("#Dev"), QString::number(i)));
        QTRY_COMPARE(received.count(), 3);
        const auto got = received.all();
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(got.at(i).id, i + 1);
            QCOMPARE(got.at(i).text, QString::number(i));
        }
    }
    Storage::Loaded second;
    auto storage = open({}, &second);
    QVERIFY(storage);
    QCOMPARE(second.identity, first.identity);
    Received received;
    submit(storage.get(), &received, message(QStringLiteral("#Dev"), QStringLiteral("again")));
    QTRY_COMPARE(received.count(), 1);
    QCOMPARE(received.all().first().id, 4);
}

void tst_StorageSqlite::recentPerRoomAfterReopen()
{
    const QDateTime time = QDateTime::fromMSecsSinceEpoch(1780000000123, Qt::UTC);
    {
        auto storage = open();
        QVERIFY(storage);
        Received received;
        storage->saveRoom(QStringLiteral("#a"), QStringLiteral("#a"));
        storage->saveRoom(QStringLiteral("#b"), QStringLiteral("#B"));
        for (int i = 0; i < 5; ++i)
            submit(storage.get(), &received,
                   message(QStringLiteral("#a"), QString::number(i), time));
        ChatMessage action = message(QStringLiteral("#B"), QStringLiteral("waves"), time);
        action.action = true;
        submit(storage.get(), &received, action);
        QTRY_COMPARE(received.count(), 6);
    }
    Storage::Settings settings;
    settings.recentPerRoom = 3;
    Storage::Loaded loaded;
    auto storage = open(settings, &loaded);
    QVERIFY(storage);
    QCOMPARE(loaded.rooms.size(), 2);
    const Storage::Room &a = loaded.rooms.at(0);
    QCOMPARE(a.key, QStringLiteral("#a"));
    QCOMPARE(a.recent.size(), 3);
    QCOMPARE(a.recent.at(0).text, QStringLiteral("2"));
    QCOMPARE(a.recent.at(2).text, QStringLiteral("4"));
    QCOMPARE(a.recent.at(2).id, 5);
    QCOMPARE(a.recent.at(0).time, time);
    QCOMPARE(a.recent.at(0).from, QStringLiteral("ada"));
    QCOMPARE(a.recent.at(0).room, QStringLiteral("#a"));
    QVERIFY(a.olderStored);
    const Storage::Room &b = loaded.rooms.at(1);
    QCOMPARE(b.name, QStringLiteral("#B"));
    QCOMPARE(b.recent.size(), 1);
    QVERIFY(b.recent.at(0).action);
    QCOMPARE(b.recent.at(0).room, QStringLiteral("#B"));
    QVERIFY(!b.olderStored);
}

void tst_StorageSqlite::historyPages()
{
    auto storage = open();
    QVERIFY(storage);
    Received received;
    storage->saveRoom(QStringLiteral("#dev"), QStringLiteral("#dev"));
    storage->saveRoom(QStringLiteral("#other"), QStringLiteral("#other"));
    for (int i = 1; i <= 10; ++i) {
        submit(storage.get(), &received, message(QStringLiteral("#dev"), QString::number(i)));
        submit(storage.get(), &received, message(QStringLiteral("#other"), QString::number(i)));
    }
    // Asked right after the submits: a page sees what was queued before it.
    struct Answer
    {
        QList<ChatMessage> messages;
        bool more = false;
        bool done = false;
    };
    const auto page = [&](qint64 before, int limit) {
        auto answer = std::make_shared<Answer>();
        auto mutex = std::make_shared<QMutex>();
        storage->history(QStringLiteral("#dev"), before, limit,
                         [answer, mutex](const QList<ChatMessage> &messages, bool more) {
                             QMutexLocker lock(mutex.get());
                             answer->messages = messages;
                             answer->more = more;
                             answer->done = true;
                         });
        (void)QTest::qWaitFor(
            [&] {
                QMutexLocker lock(mutex.get());
                return answer->done;
            },
            5000);
        QMutexLocker lock(mutex.get());
        return *answer;
    };
    Answer newest = page(0, 4);
    QVERIFY(newest.done);
    QCOMPARE(newest.messages.size(), 4);
    QCOMPARE(newest.messages.first().text, QStringLiteral("7"));
    QCOMPARE(newest.messages.last().text, QStringLiteral("10"));
    QVERIFY(newest.more);
    Answer older = page(newest.messages.first().id, 4);
    QVERIFY(older.done);
    QCOMPARE(older.messages.size(), 4);
    QCOMPARE(older.messages.first().text, QStringLiteral("3"));
    QCOMPARE(older.messages.last().text, QStringLiteral("6"));
    QVERIFY(older.more);
    Answer oldest = page(older.messages.first().id, 4);
    QVERIFY(oldest.done);
    QCOMPARE(oldest.messages.size(), 2);
    QCOMPARE(oldest.messages.first().text, QStringLiteral("1"));
    QVERIFY(!oldest.more);
    Answer exact = page(older.messages.first().id, 2);
    QVERIFY(exact.done);
    QCOMPARE(exact.messages.size(), 2);
    QVERIFY(!exact.more);
}

void tst_StorageSqlite::roomsAndTopicsSurvive()
{
    {
        auto storage = open();
        QVERIFY(storage);
        storage->saveRoom(QStringLiteral("#dev"), QStringLiteral("#Dev"));
        storage->saveRoom(QStringLiteral("#quiet"), QStringLiteral("#quiet"));
        storage->saveTopic(QStringLiteral("#dev"), QStringLiteral("first"), QStringLiteral("ada"),
                           QStringLiteral("2026-12-01T10:00:00.000Z"));
        storage->saveTopic(QStringLiteral("#dev"), QStringLiteral("Release on Friday"),
                           QStringLiteral("bob"), QStringLiteral("2026-12-02T10:00:00.000Z"));
    } // destroying commits what is queued
    Storage::Loaded loaded;
    auto storage = open({}, &loaded);
    QVERIFY(storage);
    QCOMPARE(loaded.rooms.size(), 2);
    QCOMPARE(loaded.rooms.at(0).name, QStringLiteral("#Dev"));
    QCOMPARE(loaded.rooms.at(0).topic, QStringLiteral("Release on Friday"));
    QCOMPARE(loaded.rooms.at(0).topicBy, QStringLiteral("bob"));
    QCOMPARE(loaded.rooms.at(0).topicTime, QStringLiteral("2026-12-02T10:00:00.000Z"));
    QCOMPARE(loaded.rooms.at(1).key, QStringLiteral("#quiet"));
    QVERIFY(loaded.rooms.at(1).topic.isEmpty());
    QVERIFY(loaded.rooms.at(1).recent.isEmpty());
}

void tst_StorageSqlite::manyThreadsGroupCommit()
{
    auto storage = open();
    QVERIFY(storage);
    Received received;
    storage->saveRoom(QStringLiteral("#dev"), QStringLiteral("#dev"));
    constexpr int Threads = 4;
    constexpr int Each = 2000;
    QList<QThread *> threads;
    for (int t = 0; t < Threads; ++t) {
        threads.append(QThread::create([&, t] {
            for (int i = 0; i < Each; ++i)
                submit(storage.get(), &received,
                       message(QStringLiteral("#dev"), QStringLiteral("%1/%2").arg(t).arg(i)));
        }));
        threads.last()->start();
    }
    for (QThread *thread : threads) {
        thread->wait();
        delete thread;
    }
    QTRY_COMPARE_WITH_TIMEOUT(received.count(), Threads * Each, 20000);
    const auto got = received.all();
    for (qsizetype i = 0; i < got.size(); ++i)
        QCOMPARE(got.at(i).id, i + 1); // in id order, none lost
    storage.reset();
    QCOMPARE(countRows(path(), QStringLiteral("SELECT count(*) FROM messages")), Threads * Each);
}

// Commits never checkpoint (that fsync stalled deliveries); the checkpointer
// thread copies the log into the file while the server runs.
void tst_StorageSqlite::logIsCopiedIntoTheFileWhileRunning()
{
    auto storage = open();
    QVERIFY(storage);
    Received received;
    submit(storage.get(), &received, message(QStringLiteral("#dev"), QStringLiteral("first")));
    QTRY_COMPARE(received.count(), 1);
    QTRY_VERIFY(QFileInfo(path() + QStringLiteral("-wal")).size() > 0);
    const qint64 before = QFileInfo(path()).size();
    const QString text(2000, u'x');
    for (int i = 0; i < 500; ++i)
        submit(storage.get(), &received, message(QStringLiteral("#dev"), text));
    QTRY_COMPARE(received.count(), 501);
    // A megabyte of messages reaches the file itself, not only the log.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(path()).size() > before + 500 * 1000, 10000);
}

void tst_StorageSqlite::retentionByCountInBatches()
{
    {
        auto storage = open();
        QVERIFY(storage);
        Received received;
        for (int i = 0; i < 1200; ++i)
            submit(storage.get(), &received, message(QStringLiteral("#big"), QString::number(i)));
        for (int i = 0; i < 10; ++i)
            submit(storage.get(), &received, message(QStringLiteral("#small"), QString::number(i)));
        QTRY_COMPARE(received.count(), 1210);
    }
    Storage::Settings settings;
    settings.retainMessages = 100;
    Received received;
    Storage::Loaded loaded;
    auto storage = open(settings, &loaded);
    QVERIFY(storage);
    storage->setExpiredListener([&](const QString &key, qint64 throughId) {
        QMutexLocker lock(&received.mutex);
        received.expired.append({ key, throughId });
    });
    // 1100 rows go, at most 500 per transaction.
    QTRY_VERIFY(([&] {
        QMutexLocker lock(&received.mutex);
        return !received.expired.isEmpty() && received.expired.last().second == 1100;
    }()));
    storage.reset();
    QCOMPARE(received.expired.size(), 3);
    QCOMPARE(received.expired.at(0), qMakePair(QStringLiteral("#big"), qint64(500)));
    QCOMPARE(received.expired.at(1).second, 1000);
    QCOMPARE(countRows(path(), QStringLiteral("SELECT count(*) FROM messages")), 110);
    QCOMPARE(countRows(path(), QStringLiteral("SELECT min(id) FROM messages")), 1101);
}

void tst_StorageSqlite::retentionByDaysShrinksFile()
{
    const QDateTime old = QDateTime::currentDateTimeUtc().addDays(-3);
    const QString text(400, QLatin1Char('x'));
    constexpr int Old = 5000;
    {
        auto storage = open();
        QVERIFY(storage);
        Received received;
        for (int i = 0; i < Old; ++i)
            submit(storage.get(), &received, message(QStringLiteral("#dev"), text, old));
        for (int i = 0; i < 5; ++i)
            submit(storage.get(), &received,
                   message(QStringLiteral("#dev"), QStringLiteral("new")));
        QTRY_COMPARE_WITH_TIMEOUT(received.count(), Old + 5, 20000);
    }
    const qint64 before = QFileInfo(path()).size();
    QVERIFY2(before > Old * 400, qPrintable(QString::number(before)));
    Storage::Settings settings;
    settings.retainDays = 1;
    {
        Received received;
        auto storage = open(settings);
        QVERIFY(storage);
        storage->setExpiredListener([&](const QString &key, qint64 throughId) {
            QMutexLocker lock(&received.mutex);
            received.expired.append({ key, throughId });
        });
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     QMutexLocker lock(&received.mutex);
                                     return !received.expired.isEmpty()
                                         && received.expired.last().second == Old;
                                 }()),
                                 20000);
        QCOMPARE(received.expired.size(), Old / 500);
    }
    QCOMPARE(countRows(path(), QStringLiteral("SELECT count(*) FROM messages")), 5);
    const qint64 after = QFileInfo(path()).size();
    QVERIFY2(after < before / 10, qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
}

void tst_StorageSqlite::idsNeverReused()
{
    const QDateTime old = QDateTime::currentDateTimeUtc().addDays(-10);
    {
        auto storage = open();
        QVERIFY(storage);
        Received received;
        for (int i = 0; i < 3; ++i)
            submit(storage.get(), &received,
                   message(QStringLiteral("#dev"), QString::number(i), old));
        QTRY_COMPARE(received.count(), 3);
    }
    {
        Storage::Settings settings;
        settings.retainDays = 1;
        Received received;
        auto storage = open(settings);
        QVERIFY(storage);
        storage->setExpiredListener([&](const QString &, qint64 throughId) {
            QMutexLocker lock(&received.mutex);
            received.expired.append({ QString(), throughId });
        });
        QTRY_COMPARE(received.expiredCount(), 1);
    }
    QCOMPARE(countRows(path(), QStringLiteral("SELECT count(*) FROM messages")), 0);
    auto storage = open();
    QVERIFY(storage);
    Received received;
    submit(storage.get(), &received, message(QStringLiteral("#dev"), QStringLiteral("after")));
    QTRY_COMPARE(received.count(), 1);
    QCOMPARE(received.all().first().id, 4);
}

void tst_StorageSqlite::newerSchemaRefused()
{
    QVERIFY(open());
    QCOMPARE(countRows(path(),
                       QStringLiteral("UPDATE meta SET value = '99' WHERE key = "
                                      "'schema_version' RETURNING 1")),
             1);
    Storage::Settings settings;
    settings.url = url();
    Storage::Loaded loaded;
    QString error;
    QVERIFY(!Storage::open(settings, &loaded, &error));
    QCOMPARE(error,
             url()
                 + QStringLiteral(": was written by a newer pynet-server (schema 99, this one "
                                  "knows 1)"));
}

void tst_StorageSqlite::corruptFile()
{
    QFile file(path());
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("these are not the pages you are looking for\n").repeated(200));
    file.close();
    Storage::Settings settings;
    settings.url = url();
    Storage::Loaded loaded;
    QString error;
    QVERIFY(!Storage::open(settings, &loaded, &error));
    QVERIFY2(error.startsWith(url() + QStringLiteral(": not a SQLite database")),
             qPrintable(error));
    // The lock is given back: a good file opens at once.
    QVERIFY(QFile::remove(path()));
    QVERIFY(open());
}

void tst_StorageSqlite::missingDirectory()
{
    const QString missing = m_dir->filePath(QStringLiteral("missing/deeper/pynet.db"));
    Storage::Settings settings;
    settings.url = QStringLiteral("sqlite:") + missing;
    Storage::Loaded loaded;
    QString error;
    QVERIFY(!Storage::open(settings, &loaded, &error));
    QCOMPARE(error,
             settings.url
                 + QStringLiteral(": the directory %1 does not exist")
                       .arg(QFileInfo(missing).absolutePath()));
    QVERIFY(!QFileInfo::exists(QFileInfo(missing).absolutePath()));
    // The default path in the data directory is made.
    settings.createDirectory = true;
    auto storage = Storage::open(settings, &loaded, &error);
    QVERIFY2(storage, qPrintable(error));
    QVERIFY(QFileInfo::exists(missing));
}

void tst_StorageSqlite::unwritable_data()
{
    QTest::addColumn<bool>("existingFile");
    QTest::newRow("directory") << false;
    QTest::newRow("file") << true;
}

void tst_StorageSqlite::unwritable()
{
    QFETCH(bool, existingFile);
    if (existingFile)
        QVERIFY(open());
    const QString target = existingFile ? path() : m_dir->path();
    // Root ignores permission bits, but not the immutable attribute.
    if (geteuid() == 0) {
        if (!runCommand(QStringLiteral("chattr"), { QStringLiteral("+i"), target }))
            QSKIP("running as root on a file system without chattr +i");
        m_immutable.append(target);
    } else {
        QVERIFY(QFile::setPermissions(target, QFile::ReadOwner | QFile::ExeOwner));
    }
    Storage::Settings settings;
    settings.url = url();
    Storage::Loaded loaded;
    QString error;
    QVERIFY(!Storage::open(settings, &loaded, &error));
    const QString expected = existingFile
        ? QStringLiteral("%1: %2 is not writable").arg(url(), path())
        : QStringLiteral("%1: the directory %2 is not writable").arg(url(), m_dir->path());
    QCOMPARE(error, expected);
}

void tst_StorageSqlite::lockedBySecondStorage()
{
    auto first = open();
    QVERIFY(first);
    Storage::Settings settings;
    settings.url = url();
    Storage::Loaded loaded;
    QString error;
    QVERIFY(!Storage::open(settings, &loaded, &error));
    QVERIFY2(error.startsWith(url()
                              + QStringLiteral(": in use by another pynet-server (process %1")
                                    .arg(QCoreApplication::applicationPid())),
             qPrintable(error));
    QVERIFY2(error.contains(path() + QStringLiteral(".lock")), qPrintable(error));
    first.reset();
    QVERIFY(open());
}

void tst_StorageSqlite::staleLockTakenOver()
{
    // What a server killed with -9 leaves: a lock naming a process that is gone.
    QProcess gone;
    gone.start(QStringLiteral("true"));
    QVERIFY(gone.waitForFinished());
    const qint64 deadPid = gone.processId() ? gone.processId() : 999999;
    QFile lock(path() + QStringLiteral(".lock"));
    QVERIFY(lock.open(QIODevice::WriteOnly));
    lock.write(QByteArray::number(deadPid) + '\n' + QCoreApplication::applicationName().toUtf8()
               + '\n' + QSysInfo::machineHostName().toUtf8() + '\n');
    lock.close();
    QVERIFY(open());
}

void tst_StorageSqlite::urlErrors()
{
    Storage::Settings settings;
    Storage::Loaded loaded;
    QString error;
    settings.url = QStringLiteral("mysql://ada@db/pynet");
    QVERIFY(!Storage::open(settings, &loaded, &error));
    QVERIFY2(error.contains(QStringLiteral("not a database URL")), qPrintable(error));
    settings.url = QStringLiteral("sqlite:");
    QVERIFY(!Storage::open(settings, &loaded, &error));
    QVERIFY2(error.contains(QStringLiteral("no file")), qPrintable(error));
}

// Not a pass/fail test: what a stored message costs here, for docs/RELIABILITY.md.
void tst_StorageSqlite::measure()
{
    const int count = qEnvironmentVariableIntValue("PYNET_STORAGE_MEASURE") > 0
        ? qEnvironmentVariableIntValue("PYNET_STORAGE_MEASURE")
        : 20000;
    auto storage = open();
    QVERIFY(storage);
    const QString text = QStringLiteral("a typical line of chat, about sixty characters long....");
    QElapsedTimer timer;
    timer.start();
    std::atomic<qint64> lastNs { 0 };
    std::atomic<int> committed { 0 };
    for (int i = 0; i < count; ++i)
        storage->submit(message(QStringLiteral("#dev"), text), [&](const ChatMessage &) {
            lastNs = timer.nsecsElapsed();
            ++committed;
        });
    QTRY_COMPARE_WITH_TIMEOUT(committed.load(), count, 40000);
    const double allMs = lastNs / 1e6;
    // One message alone: the latency of one small transaction.
    double aloneUs = 0;
    for (int i = 0; i < 20; ++i) {
        const qint64 start = timer.nsecsElapsed();
        storage->submit(message(QStringLiteral("#dev"), text), [&](const ChatMessage &) {
            lastNs = timer.nsecsElapsed();
            ++committed;
        });
        QTRY_COMPARE(committed.load(), count + i + 1);
        aloneUs += (lastNs - start) / 1e3 / 20;
    }
    storage.reset();
    qInfo("sqlite: %d messages committed in %.0f ms (%.0f/s); one alone %.0f us; %.1f bytes "
          "per message on disk",
          count, allMs, count * 1000.0 / allMs, aloneUs,
          double(QFileInfo(path()).size()) / (count + 20));
}

QTEST_GUILESS_MAIN(tst_StorageSqlite)
#include "tst_storagesqlite.moc"
