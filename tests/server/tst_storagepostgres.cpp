// SPDX-License-Identifier: MIT
// Storage on a real PostgreSQL cluster that the test starts itself: what
// survives a restart, and a database that goes away while the chat goes on.
#include "postgrescluster.h"
#include "storage.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QMutex>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTest>

#include <atomic>
#include <memory>

namespace {

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
};

ChatMessage message(const QString &room, const QString &text)
{
    ChatMessage m;
    m.room = room;
    m.from = QStringLiteral("ada");
    m.text = text;
    m.time = QDateTime::currentDateTimeUtc();
    return m;
}

void submit(Storage *storage, Received *received, const ChatMessage &m)
{
    storage->submit(m, [received](const ChatMessage &committed) {
        QMutexLocker lock(&received->mutex);
        received->messages.append(committed);
    });
}

} // namespace

class tst_StoragePostgres : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void passwordInUrlRefused();
    void unreachableAtStart();
    void idsRoomsAndTopicsSurviveReopen();
    void historyPages();
    void retentionByCount();
    void newerSchemaRefused();
    void lostWhileRunning();
    void measure();

private:
    std::unique_ptr<Storage> open(Storage::Settings settings = {},
                                  Storage::Loaded *loaded = nullptr);
    // One value from the test's database, on a connection of its own.
    qint64 query(const QString &sql);

    PostgresCluster m_cluster;
    QString m_database;
    int m_databases = 0;
};

void tst_StoragePostgres::initTestCase()
{
    QString error;
    QVERIFY2(m_cluster.start(&error), qPrintable(error));
}

void tst_StoragePostgres::init()
{
    m_database = QStringLiteral("pynet_%1").arg(++m_databases);
    QString error;
    QVERIFY2(m_cluster.createDatabase(m_database, &error), qPrintable(error));
}

std::unique_ptr<Storage> tst_StoragePostgres::open(Storage::Settings settings,
                                                   Storage::Loaded *loaded)
{
    if (settings.url.isEmpty())
        settings.url = m_cluster.url(m_database);
    Storage::Loaded ignored;
    QString error;
    auto storage = Storage::open(settings, loaded ? loaded : &ignored, &error);
    if (!storage)
        qWarning("open failed: %s", qPrintable(error));
    return storage;
}

qint64 tst_StoragePostgres::query(const QString &sql)
{
    qint64 result = -1;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("inspect"));
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(m_cluster.port());
        db.setUserName(PostgresCluster::user());
        db.setDatabaseName(m_database);
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(sql) && query.next())
                result = query.value(0).toLongLong();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("inspect"));
    return result;
}

void tst_StoragePostgres::passwordInUrlRefused()
{
    Storage::Settings settings;
    settings.url = QStringLiteral("postgresql://pynet:secret@127.0.0.1:%1/%2")
                       .arg(m_cluster.port())
                       .arg(m_database);
    Storage::Loaded loaded;
    QString error;
    QVERIFY(!Storage::open(settings, &loaded, &error));
    QVERIFY2(!error.contains(QStringLiteral("secret")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("PGPASSWORD or ~/.pgpass")), qPrintable(error));
}

void tst_StoragePostgres::unreachableAtStart()
{
    // A port nothing listens on: what a server that is down looks like.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();
    Storage::Settings settings;
    settings.url = QStringLiteral("postgresql://pynet@127.0.0.1:%1/pynet").arg(port);
    Storage::Loaded loaded;
    QString error;
    QElapsedTimer timer;
    timer.start();
    QVERIFY(!Storage::open(settings, &loaded, &error));
    QVERIFY2(error.startsWith(settings.url + QStringLiteral(": cannot connect:")),
             qPrintable(error));
    QVERIFY(timer.elapsed() < 10000);
}

void tst_StoragePostgres::idsRoomsAndTopicsSurviveReopen()
{
    Storage::Loaded first;
    {
        auto storage = open({}, &first);
        QVERIFY(storage);
        QCOMPARE(storage->displayName(), m_cluster.url(m_database));
        Received received;
        storage->saveRoom(QStringLiteral("#dev"), QStringLiteral("#Dev"));
        storage->saveTopic(QStringLiteral("#dev"), QStringLiteral("Release on Friday"),
                           QStringLiteral("bob"), QStringLiteral("2026-12-02T10:00:00.000Z"));
        for (int i = 1; i <= 5; ++i)
            submit(storage.get(), &received, message(QStringLiteral("#Dev"), QString::number(i)));
        ChatMessage action = message(QStringLiteral("#other"), QStringLiteral("waves"));
        action.action = true;
        submit(storage.get(), &received, action);
        QTRY_COMPARE(received.count(), 6);
        for (int i = 0; i < 6; ++i)
            QCOMPARE(received.all().at(i).id, i + 1);
    }
    Storage::Settings settings;
    settings.recentPerRoom = 3;
    Storage::Loaded loaded;
    auto storage = open(settings, &loaded);
    QVERIFY(storage);
    QCOMPARE(loaded.identity, first.identity);
    QCOMPARE(loaded.rooms.size(), 2);
    const Storage::Room &dev = loaded.rooms.at(0);
    QCOMPARE(dev.name, QStringLiteral("#Dev"));
    QCOMPARE(dev.topic, QStringLiteral("Release on Friday"));
    QCOMPARE(dev.topicBy, QStringLiteral("bob"));
    QCOMPARE(dev.topicTime, QStringLiteral("2026-12-02T10:00:00.000Z"));
    QCOMPARE(dev.recent.size(), 3);
    QCOMPARE(dev.recent.first().text, QStringLiteral("3"));
    QCOMPARE(dev.recent.last().id, 5);
    QVERIFY(dev.olderStored);
    QCOMPARE(loaded.rooms.at(1).key, QStringLiteral("#other"));
    QVERIFY(loaded.rooms.at(1).recent.first().action);
    QVERIFY(!loaded.rooms.at(1).olderStored);
    Received received;
    submit(storage.get(), &received, message(QStringLiteral("#dev"), QStringLiteral("again")));
    QTRY_COMPARE(received.count(), 1);
    QCOMPARE(received.all().first().id, 7);
}

void tst_StoragePostgres::historyPages()
{
    auto storage = open();
    QVERIFY(storage);
    Received received;
    for (int i = 1; i <= 10; ++i)
        submit(storage.get(), &received, message(QStringLiteral("#dev"), QString::number(i)));
    QMutex mutex;
    QList<ChatMessage> page;
    bool more = false;
    bool done = false;
    storage->history(QStringLiteral("#dev"), 8, 5, [&](const QList<ChatMessage> &m, bool older) {
        QMutexLocker lock(&mutex);
        page = m;
        more = older;
        done = true;
    });
    QTRY_VERIFY(([&] {
        QMutexLocker lock(&mutex);
        return done;
    }()));
    QMutexLocker lock(&mutex);
    QCOMPARE(page.size(), 5);
    QCOMPARE(page.first().id, 3);
    QCOMPARE(page.last().id, 7);
    QVERIFY(more);
}

void tst_StoragePostgres::retentionByCount()
{
    {
        auto storage = open();
        QVERIFY(storage);
        Received received;
        for (int i = 0; i < 700; ++i)
            submit(storage.get(), &received, message(QStringLiteral("#dev"), QString::number(i)));
        QTRY_COMPARE(received.count(), 700);
    }
    Storage::Settings settings;
    settings.retainMessages = 50;
    Received received;
    auto storage = open(settings);
    QVERIFY(storage);
    storage->setExpiredListener([&](const QString &key, qint64 throughId) {
        QMutexLocker lock(&received.mutex);
        received.expired.append({ key, throughId });
    });
    QTRY_VERIFY(([&] {
        QMutexLocker lock(&received.mutex);
        return !received.expired.isEmpty() && received.expired.last().second == 650;
    }()));
    QCOMPARE(received.expired.first().second, 500);
    QCOMPARE(query(QStringLiteral("SELECT count(*) FROM messages")), 50);
}

void tst_StoragePostgres::newerSchemaRefused()
{
    QVERIFY(open());
    query(QStringLiteral("UPDATE meta SET value = '7' WHERE key = 'schema_version' RETURNING 1"));
    Storage::Settings settings;
    settings.url = m_cluster.url(m_database);
    Storage::Loaded loaded;
    QString error;
    QVERIFY(!Storage::open(settings, &loaded, &error));
    QCOMPARE(error,
             settings.url
                 + QStringLiteral(": was written by a newer pynet-server (schema 7, this one "
                                  "knows 1)"));
}

void tst_StoragePostgres::lostWhileRunning()
{
    auto storage = open();
    QVERIFY(storage);
    Received received;
    for (int i = 0; i < 5; ++i)
        submit(storage.get(), &received, message(QStringLiteral("#dev"), QString::number(i)));
    QTRY_COMPARE(received.count(), 5);

    QString error;
    QVERIFY2(m_cluster.stop(QStringLiteral("fast"), &error), qPrintable(error));
    // The chat goes on: each message still gets its id and is delivered.
    for (int i = 5; i < 25; ++i)
        submit(storage.get(), &received, message(QStringLiteral("#dev"), QString::number(i)));
    storage->saveRoom(QStringLiteral("#new"), QStringLiteral("#New"));
    submit(storage.get(), &received, message(QStringLiteral("#New"), QStringLiteral("first")));
    QTRY_COMPARE(received.count(), 26);
    QCOMPARE(query(QStringLiteral("SELECT 1")), -1); // it really is down

    QVERIFY2(m_cluster.start(&error), qPrintable(error));
    // Retried with back-off: 1 s, 2 s, 4 s...
    QTRY_COMPARE_WITH_TIMEOUT(query(QStringLiteral("SELECT count(*) FROM messages")), 26, 30000);
    const QList<ChatMessage> got = received.all();
    for (qsizetype i = 0; i < got.size(); ++i) {
        QCOMPARE(got.at(i).id, i + 1);
        QCOMPARE(query(QStringLiteral("SELECT count(*) FROM messages WHERE id = %1 AND body = '%2'")
                           .arg(got.at(i).id)
                           .arg(got.at(i).text)),
                 1);
    }
    QCOMPARE(query(QStringLiteral("SELECT count(*) FROM rooms WHERE name = '#New'")), 1);
    // The sequence continues after the ids numbered while it was away.
    Received after;
    submit(storage.get(), &after, message(QStringLiteral("#dev"), QStringLiteral("back")));
    QTRY_COMPARE(after.count(), 1);
    QCOMPARE(after.all().first().id, 27);
    storage.reset();
    QCOMPARE(query(QStringLiteral("SELECT max(id) FROM messages")), 27);
}

void tst_StoragePostgres::measure()
{
    const int count = qEnvironmentVariableIntValue("PYNET_STORAGE_MEASURE") > 0
        ? qEnvironmentVariableIntValue("PYNET_STORAGE_MEASURE")
        : 10000;
    auto storage = open();
    QVERIFY(storage);
    const QString text = QStringLiteral("a typical line of chat, about sixty characters long....");
    QElapsedTimer timer;
    timer.start();
    std::atomic<qint64> lastNs { 0 };
    std::atomic<int> committed { 0 };
    const auto done = [&](const ChatMessage &) {
        lastNs = timer.nsecsElapsed();
        ++committed;
    };
    for (int i = 0; i < count; ++i)
        storage->submit(message(QStringLiteral("#dev"), text), done);
    QTRY_COMPARE_WITH_TIMEOUT(committed.load(), count, 40000);
    const double allMs = lastNs / 1e6;
    double aloneUs = 0;
    for (int i = 0; i < 20; ++i) {
        const qint64 start = timer.nsecsElapsed();
        storage->submit(message(QStringLiteral("#dev"), text), done);
        QTRY_COMPARE(committed.load(), count + i + 1);
        aloneUs += (lastNs - start) / 1e3 / 20;
    }
    storage.reset();
    query(QStringLiteral("VACUUM ANALYZE messages"));
    const qint64 bytes = query(QStringLiteral("SELECT pg_total_relation_size('messages')"));
    qInfo("postgresql: %d messages committed in %.0f ms (%.0f/s); one alone %.0f us; %.1f bytes "
          "per message on disk (table and indexes)",
          count, allMs, count * 1000.0 / allMs, aloneUs, double(bytes) / (count + 20));
}

QTEST_GUILESS_MAIN(tst_StoragePostgres)
#include "tst_storagepostgres.moc"
