// SPDX-License-Identifier: MIT
#include "cliprocess.h"
#include "protocol.h"
#include "ptyprocess.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "testcertificate.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// pynet-cli --tls against a server with a self-signed certificate: verified
// with --ca, trusted on first use in a terminal or by --trust-fingerprint,
// refused without a terminal, and refused loudly once it has changed.
class TestCliTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void verifiedByCaChatsWithPlainClient();
    void unknownCertificateRefusedInPipeMode();
    void trustFingerprintIsRemembered();
    void changedCertificateRefused();
    void terminalAsksAndRemembers();
    void terminalAnswerNoRefuses();

private:
    QStringList tlsServerArguments(const TestCertificate &certificate) const;
    QStringList cliArguments(quint16 port, const QString &name) const;
    QString knownServersFile() const;

    QTemporaryDir m_dataHome;
    std::unique_ptr<TestCertificate> m_first;
    std::unique_ptr<TestCertificate> m_second;
};

void TestCliTls::initTestCase()
{
    QVERIFY(m_dataHome.isValid());
    // Every client this test starts keeps its known servers here, not in ~.
    qputenv("XDG_DATA_HOME", m_dataHome.path().toUtf8());
    m_first = std::make_unique<TestCertificate>(u"first"_s);
    QVERIFY2(m_first->isValid(), qPrintable(m_first->error()));
    m_second = std::make_unique<TestCertificate>(u"second"_s);
    QVERIFY2(m_second->isValid(), qPrintable(m_second->error()));
}

void TestCliTls::init()
{
    QFile::remove(knownServersFile());
}

QString TestCliTls::knownServersFile() const
{
    return m_dataHome.filePath(u"pynet/known-servers"_s);
}

QStringList TestCliTls::tlsServerArguments(const TestCertificate &certificate) const
{
    return { u"--tls-cert"_s, certificate.certificatePath(),
             u"--tls-key"_s,  certificate.keyPath(),
             u"--tls-port"_s, u"0"_s };
}

QStringList TestCliTls::cliArguments(quint16 port, const QString &name) const
{
    return { u"--tls"_s,  u"--host"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(port),
             u"--name"_s, name };
}

void TestCliTls::verifiedByCaChatsWithPlainClient()
{
    ServerProcess server(tlsServerArguments(*m_first));
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient plain;
    QVERIFY(plain.joinAs(server.port(), u"Plain"_s));

    CliProcess cli;
    cli.start(cliArguments(server.tlsPort(), u"Secure"_s)
              << u"--ca"_s << m_first->certificatePath());
    const QJsonObject joined = plain.waitFor(u"presence"_s);
    QCOMPARE(joined.value("name"_L1).toString(), u"Secure"_s);
    cli.write("hello over TLS\n");
    QCOMPARE(plain.waitFor(u"message"_s).value("data"_L1).toString(), u"hello over TLS"_s);
    plain.sendObject(Protocol::chat(u"hello in the clear"_s));
    QVERIFY2(cli.waitForOutput("<Plain> hello in the clear"), cli.standardError().constData());
    cli.closeInput();
    QCOMPARE(cli.waitForExit(), 0);
    // A CA vouched for it: nothing to remember, nothing asked.
    QVERIFY(!QFile::exists(knownServersFile()));
}

void TestCliTls::unknownCertificateRefusedInPipeMode()
{
    ServerProcess server(tlsServerArguments(*m_first));
    QVERIFY2(server.start(), qPrintable(server.output()));
    CliProcess cli;
    cli.start(cliArguments(server.tlsPort(), u"Secure"_s));
    cli.write("never sent\n");
    QCOMPARE(cli.waitForExit(), 7);
    const QString errors = QString::fromUtf8(cli.standardError());
    QVERIFY2(errors.contains(m_first->sha256()), qPrintable(errors));
    QVERIFY2(errors.contains(u"REFUSED: no terminal to ask"_s), qPrintable(errors));
    QVERIFY2(errors.contains(u"--trust-fingerprint"_s), qPrintable(errors));
    QVERIFY(!server.output().contains(u"joined as Secure"_s));
    QVERIFY(!QFile::exists(knownServersFile()));
}

void TestCliTls::trustFingerprintIsRemembered()
{
    ServerProcess server(tlsServerArguments(*m_first));
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient plain;
    QVERIFY(plain.joinAs(server.port(), u"Plain"_s));
    {
        CliProcess cli;
        // As a person may paste it: lower case, no colons.
        cli.start(cliArguments(server.tlsPort(), u"Bot"_s)
                  << u"--trust-fingerprint"_s << m_first->sha256().remove(u':').toLower());
        cli.write("first run\n");
        cli.closeInput();
        QCOMPARE(plain.waitFor(u"message"_s).value("data"_L1).toString(), u"first run"_s);
        QCOMPARE(cli.waitForExit(), 0);
    }
    QFile known(knownServersFile());
    QVERIFY(known.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(known.readAll()),
             u"127.0.0.1:%1 %2\n"_s.arg(server.tlsPort()).arg(m_first->sha256()));
    // Remembered: the next run needs no flag.
    CliProcess again;
    again.start(cliArguments(server.tlsPort(), u"Bot"_s));
    again.write("second run\n");
    again.closeInput();
    QCOMPARE(plain.waitFor(u"message"_s).value("data"_L1).toString(), u"second run"_s);
    QCOMPARE(again.waitForExit(), 0);
}

void TestCliTls::changedCertificateRefused()
{
    ServerProcess server(tlsServerArguments(*m_second));
    QVERIFY2(server.start(), qPrintable(server.output()));
    // This host:port was trusted with the first certificate; it now shows the second.
    QDir().mkpath(m_dataHome.filePath(u"pynet"_s));
    QFile known(knownServersFile());
    QVERIFY(known.open(QIODevice::WriteOnly));
    known.write(u"127.0.0.1:%1 %2\n"_s.arg(server.tlsPort()).arg(m_first->sha256()).toUtf8());
    known.close();
    for (const bool withFlag : { false, true }) {
        CliProcess cli;
        QStringList arguments = cliArguments(server.tlsPort(), u"Secure"_s);
        // Not even a matching --trust-fingerprint overrides a changed certificate.
        if (withFlag)
            arguments << u"--trust-fingerprint"_s << m_second->sha256();
        cli.start(arguments);
        QCOMPARE(cli.waitForExit(), 7);
        const QString errors = QString::fromUtf8(cli.standardError());
        QVERIFY2(errors.contains(u"has CHANGED"_s), qPrintable(errors));
        QVERIFY2(errors.contains(m_first->sha256()), qPrintable(errors));
        QVERIFY2(errors.contains(m_second->sha256()), qPrintable(errors));
        QVERIFY(!errors.contains(u"[y/N]"_s));
    }
    QVERIFY(!server.output().contains(u"joined as Secure"_s));
}

void TestCliTls::terminalAsksAndRemembers()
{
    ServerProcess server(tlsServerArguments(*m_first));
    QVERIFY2(server.start(), qPrintable(server.output()));
    {
        PtyProcess cli;
        QVERIFY(cli.start(cliArguments(server.tlsPort(), u"Alice"_s)));
        QVERIFY2(cli.waitForOutput("[y/N]"), qPrintable(cli.text()));
        QVERIFY(cli.text().contains(m_first->sha256()));
        QVERIFY(cli.text().contains(u"subject: first"_s));
        cli.write("y\r");
        QVERIFY2(cli.waitFor([&] { return cli.currentLine() == u"Alice #general> "_s; }),
                 qPrintable(cli.text()));
        cli.write("/quit\r");
        QCOMPARE(cli.waitForExit(), 0);
    }
    PtyProcess again;
    QVERIFY(again.start(cliArguments(server.tlsPort(), u"Alice"_s)));
    QVERIFY2(again.waitFor([&] { return again.currentLine() == u"Alice #general> "_s; }),
             qPrintable(again.text()));
    QVERIFY(!again.text().contains(u"[y/N]"_s));
    again.write("/quit\r");
    QCOMPARE(again.waitForExit(), 0);
}

void TestCliTls::terminalAnswerNoRefuses()
{
    ServerProcess server(tlsServerArguments(*m_first));
    QVERIFY2(server.start(), qPrintable(server.output()));
    PtyProcess cli;
    QVERIFY(cli.start(cliArguments(server.tlsPort(), u"Alice"_s)));
    QVERIFY2(cli.waitForOutput("[y/N]"), qPrintable(cli.text()));
    cli.write("\r"); // the default is no
    QCOMPARE(cli.waitForExit(), 7);
    QVERIFY2(cli.text().contains(u"was not trusted"_s), qPrintable(cli.text()));
    QVERIFY(!QFile::exists(knownServersFile()));
}

QTEST_MAIN(TestCliTls)
#include "tst_clitls.moc"
