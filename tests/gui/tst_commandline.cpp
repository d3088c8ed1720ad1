// SPDX-License-Identifier: MIT
#include "blackhole.h"
#include "commandlineoptions.h"
#include "rawclient.h"
#include "serverprocess.h"

#include <QProcess>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <vector>

using Outcome = CommandLineOptions::Outcome;

// argv as main() receives it, owning its strings.
class Argv
{
public:
    explicit Argv(const QStringList &arguments)
    {
        for (const QString &argument : arguments)
            m_storage.push_back(argument.toLocal8Bit());
        for (QByteArray &argument : m_storage)
            m_pointers.push_back(argument.data());
        m_pointers.push_back(nullptr);
        argc = int(m_storage.size());
    }
    char **argv() { return m_pointers.data(); }
    QStringList remaining() const
    {
        QStringList result;
        for (int i = 0; i < argc; ++i)
            result.append(QString::fromLocal8Bit(m_pointers.at(i)));
        return result;
    }
    int argc = 0;

private:
    std::vector<QByteArray> m_storage;
    std::vector<char *> m_pointers;
};

class TestCommandLine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void ownOptionsAreTakenBeforeQtSeesThem_data();
    void ownOptionsAreTakenBeforeQtSeesThem();
    void parse_data();
    void parse();
    void programPrintsHelpAndVersion();
    void programRejectsUnknownOptions();
    void programConnectsWithNameAtOnce_data();
    void programConnectsWithNameAtOnce();
    void programMovesOnAfterTheConnectTimeout();

private:
    QProcess *runGui(const QStringList &arguments);

    QTemporaryDir m_configDir;
};

void TestCommandLine::ownOptionsAreTakenBeforeQtSeesThem_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QStringList>("own");
    QTest::addColumn<QStringList>("left");

    const QString program = QStringLiteral("pynet-gui");
    QTest::newRow("X11 would eat --name")
        << QStringList { program, QStringLiteral("--name"), QStringLiteral("Bob"),
                         QStringLiteral("-display"), QStringLiteral(":1") }
        << QStringList { QStringLiteral("--name"), QStringLiteral("Bob") }
        << QStringList { program, QStringLiteral("-display"), QStringLiteral(":1") };
    QTest::newRow("single dash and inline values")
        << QStringList { program,
                         QStringLiteral("-name"),
                         QStringLiteral("Bob"),
                         QStringLiteral("--host=chat.lan"),
                         QStringLiteral("-platform"),
                         QStringLiteral("offscreen"),
                         QStringLiteral("--port=6000") }
        << QStringList { QStringLiteral("--name"), QStringLiteral("Bob"),
                         QStringLiteral("--host=chat.lan"), QStringLiteral("--port=6000") }
        << QStringList { program, QStringLiteral("-platform"), QStringLiteral("offscreen") };
    QTest::newRow("help and version")
        << QStringList { program, QStringLiteral("-h"), QStringLiteral("--version"),
                         QStringLiteral("-geometry"), QStringLiteral("800x600") }
        << QStringList { QStringLiteral("-h"), QStringLiteral("--version") }
        << QStringList { program, QStringLiteral("-geometry"), QStringLiteral("800x600") };
    QTest::newRow("value missing at the end")
        << QStringList { program, QStringLiteral("--name") }
        << QStringList { QStringLiteral("--name") } << QStringList { program };
}

void TestCommandLine::ownOptionsAreTakenBeforeQtSeesThem()
{
    QFETCH(QStringList, arguments);
    QFETCH(QStringList, own);
    QFETCH(QStringList, left);
    Argv argv(arguments);
    QCOMPARE(CommandLineOptions::takeOwnArguments(argv.argc, argv.argv()), own);
    QCOMPARE(argv.remaining(), left);
    QCOMPARE(argv.argv()[argv.argc], nullptr);
}

void TestCommandLine::parse_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<Outcome>("outcome");
    QTest::addColumn<QString>("error");
    QTest::addColumn<QString>("name");

    QTest::newRow("nothing") << QStringList() << Outcome::Run << QString() << QString();
    QTest::newRow("all three") << QStringList { QStringLiteral("--host"), QStringLiteral("h"),
                                                QStringLiteral("--port"), QStringLiteral("6000"),
                                                QStringLiteral("--name"), QStringLiteral(" Zoë ") }
                               << Outcome::Run << QString() << QStringLiteral("Zoë");
    QTest::newRow("help") << QStringList { QStringLiteral("-h") } << Outcome::ShowHelp << QString()
                          << QString();
    QTest::newRow("version") << QStringList { QStringLiteral("--version") } << Outcome::ShowVersion
                             << QString() << QString();
    QTest::newRow("port zero") << QStringList { QStringLiteral("--port"), QStringLiteral("0") }
                               << Outcome::Error << QStringLiteral("port") << QString();
    QTest::newRow("port text") << QStringList { QStringLiteral("--port=http") } << Outcome::Error
                               << QStringLiteral("port") << QString();
    QTest::newRow("bad name") << QStringList { QStringLiteral("--name"), QString(40, u'n') }
                              << Outcome::Error << QStringLiteral("32") << QString();
    QTest::newRow("missing value") << QStringList { QStringLiteral("--name") } << Outcome::Error
                                   << QStringLiteral("name") << QString();
    QTest::newRow("unknown") << QStringList { QStringLiteral("--colour") } << Outcome::Error
                             << QStringLiteral("colour") << QString();
    QTest::newRow("stray word") << QStringList { QStringLiteral("Bob") } << Outcome::Error
                                << QStringLiteral("Bob") << QString();
    QTest::newRow("a list of servers")
        << QStringList { QStringLiteral("--host"), QStringLiteral("a:5050,[::1]:5051,b"),
                         QStringLiteral("--name"), QStringLiteral("Zoe") }
        << Outcome::Run << QString() << QStringLiteral("Zoe");
    QTest::newRow("a list with an empty entry")
        << QStringList { QStringLiteral("--host"), QStringLiteral("a:5050,,b") } << Outcome::Error
        << QStringLiteral("Invalid --host: an empty entry") << QString();
    QTest::newRow("a connect timeout")
        << QStringList { QStringLiteral("--connect-timeout"), QStringLiteral("2.5"),
                         QStringLiteral("--name"), QStringLiteral("Zoe") }
        << Outcome::Run << QString() << QStringLiteral("Zoe");
    QTest::newRow("a connect timeout of zero")
        << QStringList { QStringLiteral("--connect-timeout=0") } << Outcome::Error
        << QStringLiteral("Invalid --connect-timeout: 0 (") << QString();
    QTest::newRow("a connect timeout in words")
        << QStringList { QStringLiteral("--connect-timeout"), QStringLiteral("soon") }
        << Outcome::Error << QStringLiteral("(0.1 to 3600 seconds)") << QString();
    QTest::newRow("a list with a bad port")
        << QStringList { QStringLiteral("--host=a:5050,b:0") } << Outcome::Error
        << QStringLiteral("\"0\" is not a port") << QString();
}

void TestCommandLine::parse()
{
    QFETCH(QStringList, arguments);
    QFETCH(Outcome, outcome);
    QFETCH(QString, error);
    QFETCH(QString, name);
    CommandLineOptions options;
    QCOMPARE(options.parse(arguments), outcome);
    QVERIFY2(options.errorText().contains(error), qPrintable(options.errorText()));
    QCOMPARE(options.name(), name);
    QCOMPARE(options.connectNow(), !name.isEmpty());
    QCOMPARE(options.connectTimeoutMs(),
             arguments.contains(QStringLiteral("2.5")) && outcome == Outcome::Run ? 2500 : 0);
}

QProcess *TestCommandLine::runGui(const QStringList &arguments)
{
    auto *process = new QProcess;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    // The program remembers what worked; not in the real user's settings.
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), m_configDir.path());
    process->setProcessEnvironment(environment);
    process->start(QStringLiteral(PYNET_GUI_BINARY), arguments);
    return process;
}

void TestCommandLine::programPrintsHelpAndVersion()
{
    std::unique_ptr<QProcess> version(runGui({ QStringLiteral("--version") }));
    QVERIFY(version->waitForFinished(10000));
    QCOMPARE(version->exitCode(), 0);
    QCOMPARE(QString::fromUtf8(version->readAllStandardOutput()).trimmed(),
             QStringLiteral("pynet-gui %1").arg(QStringLiteral(PYNET_VERSION)));

    std::unique_ptr<QProcess> help(runGui({ QStringLiteral("--help") }));
    QVERIFY(help->waitForFinished(10000));
    QCOMPARE(help->exitCode(), 0);
    const QString text = QString::fromUtf8(help->readAllStandardOutput());
    for (const char *option :
         { "--host <host>", "--port <port>", "--name <name>", "--connect-timeout <seconds>" })
        QVERIFY2(text.contains(QLatin1StringView(option)), qPrintable(text));
}

void TestCommandLine::programRejectsUnknownOptions()
{
    std::unique_ptr<QProcess> process(runGui({ QStringLiteral("--bogus") }));
    QVERIFY(process->waitForFinished(10000));
    QCOMPARE(process->exitCode(), 2);
    QVERIFY(QString::fromUtf8(process->readAllStandardError()).contains(QStringLiteral("bogus")));
}

void TestCommandLine::programConnectsWithNameAtOnce_data()
{
    QTest::addColumn<QString>("nameOption");
    QTest::newRow("--name") << QStringLiteral("--name");
    QTest::newRow("-name, as X11 spells it") << QStringLiteral("-name");
}

void TestCommandLine::programConnectsWithNameAtOnce()
{
    QFETCH(QString, nameOption);
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient watcher;
    QVERIFY(watcher.joinAs(server.port(), QStringLiteral("Watcher")));

    std::unique_ptr<QProcess> gui(
        runGui({ QStringLiteral("--host"), QStringLiteral("127.0.0.1"), QStringLiteral("--port"),
                 QString::number(server.port()), nameOption, QStringLiteral("Zed") }));
    const QJsonObject presence = watcher.waitFor(QStringLiteral("presence"), 10000);
    QCOMPARE(presence.value(QLatin1StringView("name")).toString(), QStringLiteral("Zed"));
    QCOMPARE(presence.value(QLatin1StringView("event")).toString(), QStringLiteral("join"));
    gui->terminate();
    QVERIFY(gui->waitForFinished(10000));
}

void TestCommandLine::programMovesOnAfterTheConnectTimeout()
{
    BlackHole silent;
    QVERIFY(silent.port() != 0);
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient watcher;
    QVERIFY(watcher.joinAs(server.port(), QStringLiteral("Watcher")));

    std::unique_ptr<QProcess> gui(
        runGui({ QStringLiteral("--host"),
                 QStringLiteral("127.0.0.1:%1,127.0.0.1:%2").arg(silent.port()).arg(server.port()),
                 QStringLiteral("--connect-timeout"), QStringLiteral("0.5"),
                 QStringLiteral("--name"), QStringLiteral("Zed") }));
    // Well before the default of 10 s.
    const QJsonObject presence = watcher.waitFor(QStringLiteral("presence"), 5000);
    QCOMPARE(presence.value(QLatin1StringView("name")).toString(), QStringLiteral("Zed"));
    // What worked is remembered (once the window has the welcome, which may
    // come after the presence); the timeout was for this run only.
    const QString settingsPath = m_configDir.filePath(QStringLiteral("PyNet/pynet-gui.conf"));
    const auto remembered = [&settingsPath](const QString &key) {
        return QSettings(settingsPath, QSettings::IniFormat).value(key);
    };
    QTRY_COMPARE(remembered(QStringLiteral("connection/name")).toString(), QStringLiteral("Zed"));
    QVERIFY(!remembered(QStringLiteral("connection/connectTimeoutMs")).isValid());
    gui->terminate();
    QVERIFY(gui->waitForFinished(10000));
}

QTEST_MAIN(TestCommandLine)
#include "tst_commandline.moc"
