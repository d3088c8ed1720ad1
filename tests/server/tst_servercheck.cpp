// SPDX-License-Identifier: MIT
#include "rawclient.h"
#include "serverprocess.h"
#include "servertest.h"

#include <QJsonArray>
#include <QProcess>
#include <QTcpServer>
#include <QTest>

// pynet-server --check HOST:PORT: exit 0 when a server answers, 1 when none
// does, and never a user that the people in the room would notice.
class TestServerCheck : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void serving();
    void notServing();
    void badTarget();
};

struct CheckResult
{
    int exitCode = -1;
    QString output;
};

static CheckResult check(const QString &target)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(PYNET_SERVER_BINARY), { QStringLiteral("--check"), target });
    CheckResult result;
    if (!process.waitForFinished(15000)) {
        process.kill();
        process.waitForFinished();
        return result;
    }
    result.output = QString::fromUtf8(process.readAll());
    if (process.exitStatus() == QProcess::NormalExit)
        result.exitCode = process.exitCode();
    return result;
}

void TestServerCheck::serving()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient alice;
    QVERIFY(alice.joinAs(server.port(), QStringLiteral("Alice")));

    QVERIFY(server.waitForOutput(QStringLiteral("joined as Alice")));
    const qsizetype logBefore = server.output().size();
    const CheckResult result = check(QStringLiteral("127.0.0.1:%1").arg(server.port()));
    QCOMPARE(result.exitCode, 0);
    QVERIFY2(result.output.contains(QStringLiteral("is serving")), qPrintable(result.output));

    // Nobody in the room saw it come or go, and it is not among the users.
    QVERIFY(!alice.receivesWithin(QStringLiteral("presence"), 300));
    QVERIFY(!alice.receivesWithin(QStringLiteral("notice"), 0));
    alice.sendObject({ { QStringLiteral("type"), QStringLiteral("users") } });
    const QJsonObject users = alice.waitFor(QStringLiteral("users"));
    QCOMPARE(users.value(QStringLiteral("users")).toArray().size(), 1);
    // And the log has its connect and close, not a join, a failed one or a fault.
    QVERIFY(server.waitForOutput(QStringLiteral("closed")));
    const QString log = server.output().mid(logBefore);
    QVERIFY2(log.contains(QStringLiteral("connected")), qPrintable(log));
    for (const char *word : { "join", "refused", "warning", "error", "timeout" })
        QVERIFY2(!log.contains(QLatin1StringView(word)), qPrintable(log));
}

void TestServerCheck::notServing()
{
    // A port that was free a moment ago: nothing listens there.
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        port = probe.serverPort();
    }
    const CheckResult result = check(QStringLiteral("127.0.0.1:%1").arg(port));
    QCOMPARE(result.exitCode, 1);
    QVERIFY2(result.output.contains(QStringLiteral("not serving")), qPrintable(result.output));

    // Something listens but does not speak the protocol: it never answers the ping.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    QProcess process;
    process.start(
        QStringLiteral(PYNET_SERVER_BINARY),
        { QStringLiteral("--check"), QStringLiteral("127.0.0.1:%1").arg(silent.serverPort()) });
    QVERIFY(process.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(process.state() == QProcess::NotRunning, 15000);
    QCOMPARE(process.exitCode(), 1);
}

void TestServerCheck::badTarget()
{
    for (const char *target : { "localhost:", "127.0.0.1:99999", "host:port" }) {
        const CheckResult result = check(QString::fromLatin1(target));
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.output.contains(QStringLiteral("not HOST:PORT")),
                 qPrintable(result.output));
    }
}

QTEST_GUILESS_MAIN(TestServerCheck)
#include "tst_servercheck.moc"
