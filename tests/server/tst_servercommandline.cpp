// SPDX-License-Identifier: MIT
#include "protocol.h"

#include <QProcess>
#include <QTest>

// The server's command line: what --help and --version say, and the options it
// refuses before it listens: none of these needs a server of its own.
class TestServerCommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helpAndVersion();
    void badOption_data();
    void badOption();
};

// Runs pynet-server to its end; its exit code, or -1 when it crashed or hung.
static int run(const QStringList &arguments, QString *output)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(PYNET_SERVER_BINARY), arguments);
    if (!process.waitForFinished(10000)) {
        process.kill();
        process.waitForFinished();
        return -1;
    }
    *output = QString::fromUtf8(process.readAll());
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

void TestServerCommandLine::helpAndVersion()
{
    QString output;
    QCOMPARE(run({ QStringLiteral("--help") }, &output), 0);
    for (const char *option :
         { "--host", "--port", "--max-clients", "--history", "--max-frame-bytes", "--max-text",
           "--max-unsent-bytes", "--join-timeout", "--idle-timeout", "--rate", "--burst",
           "--config", "--check", "--log-format" }) {
        QVERIFY2(output.contains(QLatin1StringView(option)), option);
    }
    // The defaults it names are the protocol's; --help wraps long lines.
    const QString help = output.simplified();
    for (const QString &text :
         { QStringLiteral("(0 picks a free one). Default: %1.").arg(Protocol::DefaultPort),
           QStringLiteral("closes the connection. Default: %1.")
               .arg(Protocol::DefaultMaxFrameBytes),
           QStringLiteral("in characters. Default: %1.").arg(Protocol::DefaultMaxTextLength) }) {
        QVERIFY2(help.contains(text), qPrintable(text + QLatin1Char('\n') + output));
    }

    QCOMPARE(run({ QStringLiteral("--version") }, &output), 0);
    QCOMPARE(output.trimmed(), QStringLiteral("pynet-server " PYNET_VERSION));
}

void TestServerCommandLine::badOption_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message"); // part of what the user is told

    QTest::newRow("port too big") << QStringList { QStringLiteral("--port"),
                                                   QStringLiteral("70000") }
                                  << QStringLiteral("--port: \"70000\"");
    QTest::newRow("negative port") << QStringList { QStringLiteral("--port"), QStringLiteral("-1") }
                                   << QStringLiteral("--port");
    QTest::newRow("rate not a number")
        << QStringList { QStringLiteral("--rate"), QStringLiteral("fast") }
        << QStringLiteral("--rate: \"fast\"");
    QTest::newRow("no clients") << QStringList { QStringLiteral("--max-clients"),
                                                 QStringLiteral("0") }
                                << QStringLiteral("--max-clients");
    QTest::newRow("join timeout zero")
        << QStringList { QStringLiteral("--join-timeout"), QStringLiteral("0") }
        << QStringLiteral("--join-timeout");
    QTest::newRow("tiny frame limit")
        << QStringList { QStringLiteral("--max-frame-bytes"), QStringLiteral("10") }
        << QStringLiteral("--max-frame-bytes");
    QTest::newRow("host not an address")
        << QStringList { QStringLiteral("--host"), QStringLiteral("example") }
        << QStringLiteral("--host: \"example\"");
    QTest::newRow("log format") << QStringList { QStringLiteral("--log-format"),
                                                 QStringLiteral("xml") }
                                << QStringLiteral("--log-format: \"xml\" is not human or json");
    QTest::newRow("missing config file")
        << QStringList { QStringLiteral("--config"), QStringLiteral("/nonexistent/pynet.conf") }
        << QStringLiteral("/nonexistent/pynet.conf: cannot read");
    QTest::newRow("unknown option")
        << QStringList { QStringLiteral("--colour") } << QStringLiteral("colour");
    QTest::newRow("missing value")
        << QStringList { QStringLiteral("--idle-timeout") } << QStringLiteral("idle-timeout");
}

void TestServerCommandLine::badOption()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);

    QString output;
    // Should the options be accepted after all, the server binds somewhere harmless.
    const QStringList harmless { QStringLiteral("--host"), QStringLiteral("127.0.0.1"),
                                 QStringLiteral("--port"), QStringLiteral("0") };
    QCOMPARE(run(harmless + arguments, &output), 2);
    QVERIFY2(output.contains(message), qPrintable(output));
    QVERIFY2(!output.contains(QStringLiteral("listening")), qPrintable(output));
}

QTEST_GUILESS_MAIN(TestServerCommandLine)
#include "tst_servercommandline.moc"
