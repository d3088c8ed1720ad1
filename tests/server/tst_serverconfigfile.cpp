// SPDX-License-Identifier: MIT
#include "rawclient.h"
#include "serverprocess.h"
#include "servertest.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

// --config FILE: every option under its command-line name, the command line
// over the file, a clear refusal of what the file gets wrong, and SIGHUP
// reading it again.
class TestServerConfigFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void fileSetsOptions();
    void commandLineWins();
    void exampleFileIsTheDefaults();
    void exampleNamesEveryOption();
    void badFile_data();
    void badFile();
    void reload();

private:
    QString writeConfig(const QByteArray &text);

    QTemporaryDir m_dir;
    int m_files = 0;
};

void TestServerConfigFile::init()
{
    QVERIFY(m_dir.isValid());
}

QString TestServerConfigFile::writeConfig(const QByteArray &text)
{
    const QString path = m_dir.filePath(QStringLiteral("server-%1.conf").arg(++m_files));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        return {};
    return path;
}

static QStringList configArguments(const QString &path)
{
    return { QStringLiteral("--config"), path };
}

void TestServerConfigFile::fileSetsOptions()
{
    const QString path = writeConfig("; a comment\n"
                                     "max-clients = 7\n"
                                     "name = \"Config, Server\"\n"
                                     "history = 3\n"
                                     "rate = 2.5\n");
    ServerProcess server(configArguments(path));
    QVERIFY2(server.start(), qPrintable(server.output()));
    QVERIFY2(server.output().contains(QStringLiteral("up to 7 clients")),
             qPrintable(server.output()));
    RawClient client;
    QVERIFY(client.connectTo(server.port()));
    client.sendObject({ { QStringLiteral("type"), QStringLiteral("join") },
                        { QStringLiteral("data"), QStringLiteral("Alice") },
                        { QStringLiteral("protocol"), 1 } });
    const QJsonObject welcome = client.waitFor(QStringLiteral("welcome"));
    QCOMPARE(ServerTest::stringOf(welcome, "server"), QStringLiteral("Config, Server"));
}

void TestServerConfigFile::commandLineWins()
{
    const QString path = writeConfig("max-clients = 7\n");
    ServerProcess server(configArguments(path)
                         + QStringList { QStringLiteral("--max-clients"), QStringLiteral("9") });
    QVERIFY2(server.start(), qPrintable(server.output()));
    QVERIFY2(server.output().contains(QStringLiteral("up to 9 clients")),
             qPrintable(server.output()));
}

// The file installed as /etc/pynet/pynet-server.conf is valid and changes nothing.
void TestServerConfigFile::exampleFileIsTheDefaults()
{
    ServerProcess plain;
    QVERIFY2(plain.start(), qPrintable(plain.output()));
    ServerProcess example(configArguments(QStringLiteral(PYNET_EXAMPLE_CONFIG)));
    QVERIFY2(example.start(), qPrintable(example.output()));
    QVERIFY2(example.output().contains(QStringLiteral("clients")), qPrintable(example.output()));
    const auto limit = [](const QString &log) {
        return log.mid(log.indexOf(QStringLiteral("up to")));
    };
    QCOMPARE(limit(example.output()), limit(plain.output()));
}

// Whoever adds an option documents it where administrators look first.
void TestServerConfigFile::exampleNamesEveryOption()
{
    QProcess help;
    help.start(QStringLiteral(PYNET_SERVER_BINARY), { QStringLiteral("--help") });
    QVERIFY(help.waitForFinished(10000));
    QFile example(QStringLiteral(PYNET_EXAMPLE_CONFIG));
    QVERIFY(example.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(example.readAll());
    static const QRegularExpression optionName(QStringLiteral("^  (?:-\\w, )?--([a-z-]+) <"),
                                               QRegularExpression::MultilineOption);
    int options = 0;
    for (const QRegularExpressionMatch &match :
         optionName.globalMatch(QString::fromUtf8(help.readAllStandardOutput()))) {
        const QString name = match.captured(1);
        if (name == QLatin1StringView("config") || name == QLatin1StringView("check"))
            continue; // what the program does, not how the server is set up
        ++options;
        QVERIFY2(text.contains(QStringLiteral("\n; %1 = ").arg(name)), qPrintable(name));
    }
    QVERIFY(options >= 20);
}

void TestServerConfigFile::badFile_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("message"); // part of what the user is told

    QTest::newRow("unknown key") << QByteArray("max-client = 5\n")
                                 << QStringLiteral("unknown key \"max-client\"");
    QTest::newRow("key in a section")
        << QByteArray("[server]\nport = 5050\n") << QStringLiteral("unknown key \"server/port\"");
    QTest::newRow("hash comment") << QByteArray("# rate = 5\n")
                                  << QStringLiteral("comments start with \";\"");
    QTest::newRow("bad number") << QByteArray("rate = fast\n")
                                << QStringLiteral("rate: \"fast\" is not a number");
    QTest::newRow("out of range") << QByteArray("port = 70000\n")
                                  << QStringLiteral("port: \"70000\"");
    QTest::newRow("bad address") << QByteArray("host = example\n")
                                 << QStringLiteral("host: \"example\" is not an IP address");
    QTest::newRow("bad log format")
        << QByteArray("log-format = xml\n") << QStringLiteral("log-format: \"xml\"");
}

void TestServerConfigFile::badFile()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, message);

    const QString path = writeConfig(text);
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(PYNET_SERVER_BINARY),
                  { QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                    QStringLiteral("0"), QStringLiteral("--config"), path });
    QVERIFY(process.waitForFinished(10000));
    const QString output = QString::fromUtf8(process.readAll());
    QCOMPARE(process.exitCode(), 2);
    QVERIFY2(output.contains(message), qPrintable(output));
    QVERIFY2(output.contains(path), qPrintable(output));
    QVERIFY2(!output.contains(QStringLiteral("listening")), qPrintable(output));
}

void TestServerConfigFile::reload()
{
    const QString path = writeConfig("max-clients = 7\n");
    ServerProcess server(configArguments(path));
    QVERIFY2(server.start(), qPrintable(server.output()));

    // A changed limit applies at once; a value only a restart applies says so.
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("max-clients = 1\nrate = 5\n");
    file.close();
    ::kill(pid_t(server.pid()), SIGHUP);
    QVERIFY2(server.waitForOutput(QStringLiteral("reloaded: max-clients 7 -> 1")),
             qPrintable(server.output()));
    QVERIFY2(server.waitForOutput(QStringLiteral("reloaded: rate 10 -> 5 (after a restart)")),
             qPrintable(server.output()));
    RawClient first;
    QVERIFY(first.joinAs(server.port(), QStringLiteral("Alice")));
    RawClient second;
    QVERIFY(second.connectTo(server.port()));
    const QJsonObject refusal = second.waitFor(QStringLiteral("error"));
    QCOMPARE(ServerTest::stringOf(refusal, "code"), QStringLiteral("server_full"));

    // A broken file changes nothing and stops nothing.
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write("max-clients = many\n");
    file.close();
    ::kill(pid_t(server.pid()), SIGHUP);
    QVERIFY2(server.waitForOutput(QStringLiteral("reload failed, nothing changed:")),
             qPrintable(server.output()));
    QVERIFY2(server.output().contains(QStringLiteral("max-clients: \"many\"")),
             qPrintable(server.output()));
    RawClient third;
    QVERIFY(third.connectTo(server.port()));
    QCOMPARE(ServerTest::stringOf(third.waitFor(QStringLiteral("error")), "code"),
             QStringLiteral("server_full"));
    QCOMPARE(server.stop(), 0);
}

QTEST_GUILESS_MAIN(TestServerConfigFile)
#include "tst_serverconfigfile.moc"
