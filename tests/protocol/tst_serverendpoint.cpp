// SPDX-License-Identifier: MIT
#include "serverendpoint.h"

#include <QTest>

using namespace Qt::StringLiterals;

// How --host and the connect dialog read a list of servers.
class TestServerEndpoint : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void readsAList_data();
    void readsAList();
    void refusesWhatIsNoList_data();
    void refusesWhatIsNoList();
    void writesWhatItReads();
};

void TestServerEndpoint::readsAList_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected"); // listToString of what was read, default port 5050

    QTest::newRow("one host") << u"chat.example.org"_s << u"chat.example.org:5050"_s;
    QTest::newRow("host and port") << u"a:6000"_s << u"a:6000"_s;
    QTest::newRow("two") << u"a:5050,b:5051"_s << u"a:5050,b:5051"_s;
    QTest::newRow("spaces around entries") << u" a:1 , b "_s << u"a:1,b:5050"_s;
    QTest::newRow("IPv6 with port") << u"[::1]:6000"_s << u"[::1]:6000"_s;
    QTest::newRow("IPv6 in brackets, no port") << u"[::1]"_s << u"[::1]:5050"_s;
    QTest::newRow("bare IPv6") << u"fe80::1"_s << u"[fe80::1]:5050"_s;
    QTest::newRow("mixed") << u"127.0.0.1:7000,[::1]:7001,localhost"_s
                           << u"127.0.0.1:7000,[::1]:7001,localhost:5050"_s;
    QTest::newRow("a repeat is tried once") << u"a:1,a:1,b:1"_s << u"a:1,b:1"_s;
}

void TestServerEndpoint::readsAList()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QList<ServerEndpoint> servers;
    QString error;
    QVERIFY2(ServerEndpoint::parseList(text, 5050, &servers, &error), qPrintable(error));
    QCOMPARE(ServerEndpoint::listToString(servers), expected);
}

void TestServerEndpoint::refusesWhatIsNoList_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("reason"); // part of the error

    QTest::newRow("empty") << QString() << u"no server"_s;
    QTest::newRow("only a comma") << u","_s << u"empty entry"_s;
    QTest::newRow("trailing comma") << u"a:5050,"_s << u"empty entry"_s;
    QTest::newRow("port zero") << u"a:0"_s << u"not a port"_s;
    QTest::newRow("port too large") << u"a:65536"_s << u"not a port"_s;
    QTest::newRow("port not a number") << u"a:http"_s << u"not a port"_s;
    QTest::newRow("no port after the colon") << u"a:"_s << u"no port"_s;
    QTest::newRow("no host") << u":5050"_s << u"no host"_s;
    QTest::newRow("unclosed bracket") << u"[::1:5050"_s << u"no closing"_s;
    QTest::newRow("junk after bracket") << u"[::1]5050"_s << u"after ]"_s;
    QTest::newRow("brackets round a name") << u"[example.org]:5050"_s << u"IPv6"_s;
    QTest::newRow("IPv6 port without brackets") << u"fe80::1::2:5050"_s << u"brackets"_s;
    QTest::newRow("space inside") << u"chat example.org"_s << u"not a host"_s;
    QTest::newRow("a URL") << u"chat://example.org"_s << u"is a URL"_s;
}

void TestServerEndpoint::refusesWhatIsNoList()
{
    QFETCH(QString, text);
    QFETCH(QString, reason);
    QList<ServerEndpoint> servers { { u"kept"_s, 1 } };
    QString error;
    QVERIFY(!ServerEndpoint::parseList(text, 5050, &servers, &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
    QCOMPARE(servers.size(), 1); // untouched
}

void TestServerEndpoint::writesWhatItReads()
{
    const QList<ServerEndpoint> servers { { u"a"_s, 1 }, { u"::1"_s, 2 }, { u"10.0.0.1"_s, 3 } };
    QCOMPARE(servers.at(1).toString(), u"[::1]:2"_s);
    QList<ServerEndpoint> read;
    QString error;
    QVERIFY(ServerEndpoint::parseList(ServerEndpoint::listToString(servers), 9, &read, &error));
    QCOMPARE(read, servers);
}

QTEST_GUILESS_MAIN(TestServerEndpoint)
#include "tst_serverendpoint.moc"
