// SPDX-License-Identifier: MIT
#include "chatclient.h"
#include "connectdialog.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

class TestConnectDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void defaultsWhenNothingIsRemembered();
    void connectNeedsHostAndName();
    void refusesInvalidValues_data();
    void refusesInvalidValues();
    void requestsNormalisedValuesAndLocksFields();
    void errorStaysUntilTheUserEdits();
    void remembersValuesThatWorked();
    void takesAListOfServers();
    void saysWhichServerItTries();

private:
    QTemporaryDir m_settingsDir;
};

void TestConnectDialog::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("PyNetTest"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_guiconnectdialog"));
}

void TestConnectDialog::init()
{
    QSettings().clear();
}

void TestConnectDialog::defaultsWhenNothingIsRemembered()
{
    qputenv("USER", "tester");
    ConnectDialog dialog;
    QCOMPARE(dialog.host(), QStringLiteral("127.0.0.1"));
    QCOMPARE(dialog.port(), quint16(5050));
    QCOMPARE(dialog.name(), QStringLiteral("tester"));
    QCOMPARE(dialog.connectTimeoutMs(), ChatClient::DefaultConnectTimeoutMs);
    QVERIFY(dialog.errorText().isEmpty());
}

void TestConnectDialog::connectNeedsHostAndName()
{
    ConnectDialog dialog;
    dialog.show();
    QPushButton *connectButton = dialog.buttons()->button(QDialogButtonBox::Ok);
    dialog.nameEdit()->clear();
    QTest::keyClicks(dialog.nameEdit(), QStringLiteral("   "));
    QVERIFY(!connectButton->isEnabled());
    QTest::keyClicks(dialog.nameEdit(), QStringLiteral("Ann"));
    QVERIFY(connectButton->isEnabled());
    dialog.hostEdit()->clear();
    QTest::keyClick(dialog.hostEdit(), Qt::Key_Space); // edits go through textEdited
    QTest::keyClick(dialog.hostEdit(), Qt::Key_Backspace);
    QVERIFY(!connectButton->isEnabled());
}

void TestConnectDialog::refusesInvalidValues_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expectedError");
    QTest::addColumn<bool>("nameField");

    QTest::newRow("control character") << QStringLiteral("127.0.0.1") << QStringLiteral("a\u0007b")
                                       << QStringLiteral("control") << true;
    QTest::newRow("bidi override")
        << QStringLiteral("127.0.0.1") << QStringLiteral("eve\u202Etxt") << QString() << true;
    QTest::newRow("33 characters")
        << QStringLiteral("127.0.0.1") << QString(33, u'x') << QStringLiteral("32") << true;
    QTest::newRow("space in host") << QStringLiteral("chat example.org") << QStringLiteral("Ann")
                                   << QStringLiteral("space") << false;
    QTest::newRow("empty entry in a list")
        << QStringLiteral("a:5050,,b:5050") << QStringLiteral("Ann")
        << QStringLiteral("Not a server list: an empty entry") << false;
    QTest::newRow("bad port in a list")
        << QStringLiteral("a:5050, b:99999") << QStringLiteral("Ann")
        << QStringLiteral("\"99999\" is not a port") << false;
    QTest::newRow("IPv6 port without brackets")
        << QStringLiteral("fe80::1::2:5050") << QStringLiteral("Ann")
        << QStringLiteral("[::1]:5050") << false;
}

void TestConnectDialog::refusesInvalidValues()
{
    QFETCH(QString, host);
    QFETCH(QString, name);
    QFETCH(QString, expectedError);
    QFETCH(bool, nameField);

    ConnectDialog dialog;
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    dialog.setValues(host, 5050, name);
    QSignalSpy requested(&dialog, &ConnectDialog::connectRequested);
    dialog.accept();

    QCOMPARE(requested.size(), 0);
    QVERIFY(dialog.isVisible());
    QVERIFY(!dialog.isBusy());
    QVERIFY2(!dialog.errorText().isEmpty(), "the dialog must say what is wrong");
    QVERIFY2(dialog.errorText().contains(expectedError, Qt::CaseInsensitive),
             qPrintable(dialog.errorText()));
    QCOMPARE(dialog.focusWidget(),
             nameField ? static_cast<QWidget *>(dialog.nameEdit())
                       : static_cast<QWidget *>(dialog.hostEdit()));
}

void TestConnectDialog::requestsNormalisedValuesAndLocksFields()
{
    ConnectDialog dialog;
    dialog.show();
    dialog.setValues(QStringLiteral(" localhost "), 6000, QStringLiteral("  Zoe  "));
    QSignalSpy requested(&dialog, &ConnectDialog::connectRequested);
    QTest::keyClick(dialog.nameEdit(), Qt::Key_Return);

    QCOMPARE(requested.size(), 1);
    QCOMPARE(requested.at(0).at(0).toString(), QStringLiteral("localhost"));
    QCOMPARE(requested.at(0).at(1).value<quint16>(), quint16(6000));
    QCOMPARE(requested.at(0).at(2).toString(), QStringLiteral("Zoe"));
    QVERIFY(dialog.isBusy());
    QVERIFY(!dialog.nameEdit()->isEnabled());
    QVERIFY(!dialog.connectTimeoutEdit()->isEnabled());
    QVERIFY(!dialog.buttons()->button(QDialogButtonBox::Ok)->isEnabled());

    // A second Enter while connecting does not start a second attempt.
    dialog.accept();
    QCOMPARE(requested.size(), 1);
}

void TestConnectDialog::errorStaysUntilTheUserEdits()
{
    ConnectDialog dialog;
    dialog.show();
    dialog.setValues(QStringLiteral("127.0.0.1"), 5050, QStringLiteral("Ann"));
    dialog.setBusy(true);
    dialog.showError(QStringLiteral("The name \"Ann\" is already in use."),
                     ConnectDialog::Field::Name);
    QVERIFY(!dialog.isBusy());
    QVERIFY(dialog.nameEdit()->isEnabled());
    QCOMPARE(dialog.errorText(), QStringLiteral("The name \"Ann\" is already in use."));
    QCOMPARE(dialog.nameEdit()->selectedText(), QStringLiteral("Ann"));

    QTest::keyClicks(dialog.nameEdit(), QStringLiteral("Bea"));
    QVERIFY(dialog.errorText().isEmpty());
    QCOMPARE(dialog.name(), QStringLiteral("Bea"));
}

void TestConnectDialog::remembersValuesThatWorked()
{
    {
        ConnectDialog dialog;
        dialog.setValues(QStringLiteral("chat.example.org"), 6060, QStringLiteral("Remy"));
        // Typed as a person does: over the selected value.
        dialog.connectTimeoutEdit()->selectAll();
        QTest::keyClicks(dialog.connectTimeoutEdit(), QStringLiteral("2.5"));
        dialog.accept();
        dialog.succeed();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }
    ConnectDialog next;
    QCOMPARE(next.host(), QStringLiteral("chat.example.org"));
    QCOMPARE(next.port(), quint16(6060));
    QCOMPARE(next.name(), QStringLiteral("Remy"));
    QCOMPARE(next.connectTimeoutMs(), 2500);
    QCOMPARE(ConnectDialog::rememberedConnectTimeoutMs(), 2500);
}

void TestConnectDialog::takesAListOfServers()
{
    {
        ConnectDialog dialog;
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.setValues(QString(), 6000, QStringLiteral("Ann"));
        // Typed as a person would: edits go through textEdited.
        QTest::keyClicks(dialog.hostEdit(), QStringLiteral("a.example.org:5050, [::1], b"));
        QVERIFY(dialog.buttons()->button(QDialogButtonBox::Ok)->isEnabled());
        QCOMPARE(dialog.servers(),
                 QList<ServerEndpoint>({ { QStringLiteral("a.example.org"), 5050 },
                                         { QStringLiteral("::1"), 6000 },
                                         { QStringLiteral("b"), 6000 } }));
        QSignalSpy requested(&dialog, &ConnectDialog::connectRequested);
        QTest::keyClick(dialog.nameEdit(), Qt::Key_Return);
        QCOMPARE(requested.size(), 1);
        QCOMPARE(requested.at(0).at(0).toString(), QStringLiteral("a.example.org:5050, [::1], b"));
        QCOMPARE(requested.at(0).at(1).value<quint16>(), quint16(6000));
        dialog.succeed();
    }
    ConnectDialog next; // remembered as typed, like a single host
    QCOMPARE(next.host(), QStringLiteral("a.example.org:5050, [::1], b"));
    QCOMPARE(next.servers().size(), 3);
}

void TestConnectDialog::saysWhichServerItTries()
{
    ConnectDialog dialog;
    dialog.show();
    dialog.setValues(QStringLiteral("a:5050,b:5060"), 5050, QStringLiteral("Ann"));
    dialog.accept();
    QVERIFY(dialog.isBusy());
    QVERIFY(!dialog.hostEdit()->isEnabled());
    const QList<QLabel *> labels = dialog.findChildren<QLabel *>();
    const auto shows = [&labels](const QString &text) {
        return std::any_of(labels.cbegin(), labels.cend(), [&text](const QLabel *label) {
            return label->isVisible() && label->text() == text;
        });
    };
    QVERIFY(shows(QStringLiteral("Connecting to a:5050…")));
    dialog.showConnecting(QStringLiteral("b:5060"));
    QVERIFY(shows(QStringLiteral("Connecting to b:5060…")));
    dialog.showError(QStringLiteral("a:5050: Connection refused; b:5060: Connection refused."),
                     ConnectDialog::Field::Host);
    dialog.showConnecting(QStringLiteral("a:5050")); // only while busy
    QVERIFY(dialog.errorText().contains(QStringLiteral("b:5060: Connection refused")));
}

QTEST_MAIN(TestConnectDialog)
#include "tst_connectdialog.moc"
