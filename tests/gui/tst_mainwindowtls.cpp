// SPDX-License-Identifier: MIT
#include "connectdialog.h"
#include "knownservers.h"
#include "mainwindow.h"
#include "serverprocess.h"
#include "testcertificate.h"

#include <QAction>
#include <QCheckBox>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace Qt::StringLiterals;

// The window over TLS: the dialog's checkbox, the trust question as a message
// box, the lock and the certificate it shows.
class TestMainWindowTls : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void checkboxMovesThePortAndIsRemembered();
    void trustQuestionThenLock();
    void answeringNoConnectsNot();

private:
    void connectWithDialog(ConnectDialog **dialog);

    QTemporaryDir m_settingsDir;
    std::unique_ptr<TestCertificate> m_certificate;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindowTls::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(u"PyNetTest"_s);
    QCoreApplication::setApplicationName(u"tst_guimainwindowtls"_s);
    qputenv("XDG_DATA_HOME", m_settingsDir.path().toUtf8());
    m_certificate = std::make_unique<TestCertificate>(u"gui-test"_s);
    QVERIFY2(m_certificate->isValid(), qPrintable(m_certificate->error()));
}

void TestMainWindowTls::init()
{
    QFile::remove(KnownServers::defaultPath());
    m_server = std::make_unique<ServerProcess>(
        QStringList { u"--tls-cert"_s, m_certificate->certificatePath(), u"--tls-key"_s,
                      m_certificate->keyPath(), u"--tls-port"_s, u"0"_s });
    QVERIFY2(m_server->start(), qPrintable(m_server->output()));
    m_window = std::make_unique<MainWindow>();
    m_window->client()->setKeepAliveInterval(0);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestMainWindowTls::cleanup()
{
    m_window.reset();
    m_server.reset();
}

void TestMainWindowTls::checkboxMovesThePortAndIsRemembered()
{
    ConnectDialog dialog;
    dialog.setValues(u"127.0.0.1"_s, 5050, u"Ann"_s);
    dialog.tlsBox()->setChecked(true);
    QCOMPARE(dialog.port(), quint16(5051));
    dialog.tlsBox()->setChecked(false);
    QCOMPARE(dialog.port(), quint16(5050));
    dialog.portEdit()->setValue(7000); // a port of one's own stays
    dialog.tlsBox()->setChecked(true);
    QCOMPARE(dialog.port(), quint16(7000));
    dialog.succeed();
    QVERIFY(ConnectDialog::rememberedTls());
    ConnectDialog next;
    QVERIFY(next.tls());
    QCOMPARE(next.port(), quint16(7000));
    ConnectDialog::rememberTls(false);
}

void TestMainWindowTls::connectWithDialog(ConnectDialog **dialog)
{
    m_window->openConnectDialog();
    *dialog = m_window->connectDialog();
    QVERIFY(*dialog);
    QVERIFY(QTest::qWaitForWindowExposed(*dialog));
    (*dialog)->setValues(u"127.0.0.1"_s, m_server->tlsPort(), u"Ann"_s);
    (*dialog)->tlsBox()->setChecked(true);
    QCOMPARE((*dialog)->port(), m_server->tlsPort());
    (*dialog)->accept();
    QTRY_VERIFY(m_window->trustPrompt());
}

void TestMainWindowTls::trustQuestionThenLock()
{
    ConnectDialog *dialog = nullptr;
    connectWithDialog(&dialog);
    QMessageBox *prompt = m_window->trustPrompt();
    QVERIFY(prompt->informativeText().contains(m_certificate->sha256()));
    QVERIFY(prompt->informativeText().contains(u"Subject: gui-test"_s));
    QCOMPARE(prompt->defaultButton(), prompt->button(QMessageBox::No));
    QVERIFY(!m_window->lockButton()->isVisible());
    prompt->button(QMessageBox::Yes)->click();

    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), ChatClient::Status::Joined, 10000);
    QTRY_VERIFY(m_window->lockButton()->isVisible());
    QVERIFY(m_window->certificateAction()->isEnabled());
    QCOMPARE(KnownServers().fingerprint(u"127.0.0.1"_s, m_server->tlsPort()),
             m_certificate->sha256());
    QVERIFY(ConnectDialog::rememberedTls());

    m_window->lockButton()->click();
    QMessageBox *shown = nullptr;
    QTRY_VERIFY((shown = m_window->findChild<QMessageBox *>()) && shown->isVisible());
    QVERIFY(shown->informativeText().contains(m_certificate->sha256()));
    QVERIFY(shown->informativeText().contains(u"Issuer: gui-test"_s));
    shown->close();

    // Back to plain: the lock goes.
    m_window->client()->setTls(false);
    m_window->connectTo(u"127.0.0.1"_s, m_server->port(), u"Ann"_s);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->client()->status(), ChatClient::Status::Joined, 10000);
    QVERIFY(!m_window->lockButton()->isVisible());
    QVERIFY(!m_window->certificateAction()->isEnabled());
    ConnectDialog::rememberTls(false);
}

void TestMainWindowTls::answeringNoConnectsNot()
{
    ConnectDialog *dialog = nullptr;
    connectWithDialog(&dialog);
    m_window->trustPrompt()->button(QMessageBox::No)->click();
    QTRY_COMPARE(m_window->client()->status(), ChatClient::Status::Disconnected);
    QTRY_VERIFY(dialog->errorText().contains(u"was not trusted"_s));
    QCOMPARE(m_window->client()->error(), ChatClient::ConnectionError::CertificateRejected);
    // Declined is no alarm: no "certificate changed" box.
    QVERIFY(!m_window->findChild<QMessageBox *>(QString(), Qt::FindDirectChildrenOnly)
            || !m_window->findChild<QMessageBox *>()->isVisible());
    QVERIFY(KnownServers().fingerprint(u"127.0.0.1"_s, m_server->tlsPort()).isEmpty());
}

QTEST_MAIN(TestMainWindowTls)
#include "tst_mainwindowtls.moc"
