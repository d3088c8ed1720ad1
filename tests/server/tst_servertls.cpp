// SPDX-License-Identifier: MIT
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "servertest.h"
#include "testcertificate.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSslCipher>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/socket.h>

using namespace ServerTest;

// --tls-cert, --tls-key, --tls-port and --no-plain over real loopback sockets,
// with certificates that openssl makes for each run.
class TestServerTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tlsAndPlainChat_data();
    void tlsAndPlainChat();
    void tlsOnly();
    void plainBytesToTlsPortClosed();
    void unfinishedHandshakeClosedAtJoinTimeout_data();
    void unfinishedHandshakeClosedAtJoinTimeout();
    void badCertificateExits_data();
    void badCertificateExits();
    void sighupReloadsCertificate();
    void tlsReaderThatStopsIsCutOff();

private:
    QStringList tlsArguments(const TestCertificate &certificate) const;
    static QString fingerprintOf(const QSslSocket &socket);

    std::unique_ptr<TestCertificate> m_ec;
    std::unique_ptr<TestCertificate> m_rsa;
};

void TestServerTls::initTestCase()
{
    m_ec = std::make_unique<TestCertificate>(QStringLiteral("pynet-ec"));
    QVERIFY2(m_ec->isValid(), qPrintable(m_ec->error()));
    m_rsa = std::make_unique<TestCertificate>(QStringLiteral("pynet-rsa"),
                                              TestCertificate::KeyType::Rsa);
    QVERIFY2(m_rsa->isValid(), qPrintable(m_rsa->error()));
}

QStringList TestServerTls::tlsArguments(const TestCertificate &certificate) const
{
    return { QStringLiteral("--tls-cert"), certificate.certificatePath(),
             QStringLiteral("--tls-key"),  certificate.keyPath(),
             QStringLiteral("--tls-port"), QStringLiteral("0") };
}

QString TestServerTls::fingerprintOf(const QSslSocket &socket)
{
    return QString::fromLatin1(
        socket.peerCertificate().digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

void TestServerTls::tlsAndPlainChat_data()
{
    QTest::addColumn<bool>("rsa");
    QTest::newRow("ec key") << false;
    QTest::newRow("rsa key") << true;
}

// A TLS client and a plain one in the same room, each reading the other.
void TestServerTls::tlsAndPlainChat()
{
    QFETCH(bool, rsa);
    const TestCertificate &certificate = rsa ? *m_rsa : *m_ec;
    ServerProcess server(tlsArguments(certificate));
    QVERIFY2(server.start(), qPrintable(server.output()));
    QVERIFY(server.tlsPort() != 0);
    QVERIFY(server.tlsPort() != server.port());

    RawClient secure;
    QVERIFY2(secure.connectEncrypted(server.tlsPort()), qPrintable(secure.socket().errorString()));
    QCOMPARE(fingerprintOf(secure.socket()), certificate.sha256());
    const QSsl::SslProtocol protocol = secure.socket().sessionProtocol();
    QVERIFY2(protocol == QSsl::TlsV1_2 || protocol == QSsl::TlsV1_3,
             qPrintable(secure.socket().sessionCipher().protocolString()));
    QVERIFY(secure.joinAs(server.tlsPort(), QStringLiteral("Secure")));
    RawClient plain;
    QVERIFY(plain.joinAs(server.port(), QStringLiteral("Plain")));
    QVERIFY(!waitForMatch(secure, QStringLiteral("presence"), QStringLiteral("name"),
                          QStringLiteral("Plain"))
                 .isEmpty());

    secure.sendObject(Protocol::chat(QStringLiteral("over TLS")));
    const QJsonObject there = waitForMatch(plain, QStringLiteral("message"), QStringLiteral("data"),
                                           QStringLiteral("over TLS"));
    QCOMPARE(stringOf(there, "from"), QStringLiteral("Secure"));
    plain.sendObject(Protocol::chat(QStringLiteral("in the clear")));
    const QJsonObject back = waitForMatch(secure, QStringLiteral("message"), QStringLiteral("data"),
                                          QStringLiteral("in the clear"));
    QCOMPARE(stringOf(back, "from"), QStringLiteral("Plain"));
    // A seed client on the plain port, as ever.
    RawClient seed;
    QVERIFY(seed.joinAs(server.port(), QStringLiteral("Seed"), false));
    secure.sendObject(Protocol::chat(QStringLiteral("to the seed")));
    QCOMPARE(stringOf(waitForMatch(seed, QStringLiteral("message"), QStringLiteral("data"),
                                   QStringLiteral("to the seed")),
                      "from"),
             QStringLiteral("Secure"));
    QCOMPARE(server.stop(), 0);
}

void TestServerTls::tlsOnly()
{
    QStringList arguments = tlsArguments(*m_ec);
    arguments << QStringLiteral("--no-plain");
    ServerProcess server(arguments);
    QVERIFY2(server.start(), qPrintable(server.output()));
    QVERIFY(server.output().contains(QStringLiteral("(TLS only)")));
    RawClient secure;
    QVERIFY(secure.connectEncrypted(server.tlsPort()));
    QVERIFY(secure.joinAs(server.tlsPort(), QStringLiteral("Secure")));
    QVERIFY(barrier(secure));
    QCOMPARE(server.stop(), 0);
}

// A seed client's join sent to the TLS port: closed (a FIN, no reset), logged,
// and nothing else disturbed.
void TestServerTls::plainBytesToTlsPortClosed()
{
    ServerProcess server(tlsArguments(*m_ec));
    QVERIFY2(server.start(), qPrintable(server.output()));
    ChatPair pair;
    QVERIFY(pair.join(server.port()));

    RawClient lost;
    QVERIFY(lost.connectTo(server.tlsPort()));
    lost.sendObject(Protocol::join(QStringLiteral("Lost")));
    QVERIFY(lost.waitForClosed());
    QCOMPARE(lost.socket().error(), QAbstractSocket::RemoteHostClosedError);
    QVERIFY(lost.received().isEmpty());
    QVERIFY(server.waitForOutput(QStringLiteral("sent plain bytes to the TLS port")));

    QString why;
    QVERIFY2(pair.stillChats(&why), qPrintable(why));
    RawClient secure;
    QVERIFY(secure.connectEncrypted(server.tlsPort()));
    QVERIFY(secure.joinAs(server.tlsPort(), QStringLiteral("Secure")));
    QCOMPARE(server.stop(), 0);
}

void TestServerTls::unfinishedHandshakeClosedAtJoinTimeout_data()
{
    QTest::addColumn<QByteArray>("sent");
    QTest::newRow("silent") << QByteArray();
    // A record header announcing a ClientHello that never comes.
    QTest::newRow("half a hello") << QByteArray::fromHex("160301020000");
}

void TestServerTls::unfinishedHandshakeClosedAtJoinTimeout()
{
    QFETCH(QByteArray, sent);
    QStringList arguments = tlsArguments(*m_ec);
    arguments << QStringLiteral("--join-timeout") << QStringLiteral("1");
    ServerProcess server(arguments);
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient stuck;
    QVERIFY(stuck.connectTo(server.tlsPort()));
    QElapsedTimer elapsed;
    elapsed.start();
    if (!sent.isEmpty())
        stuck.send(sent);
    QVERIFY(stuck.waitForClosed(5000));
    QVERIFY2(elapsed.elapsed() >= 900, qPrintable(QString::number(elapsed.elapsed())));
    QVERIFY(server.waitForOutput(QStringLiteral("No successful join within 1 seconds")));
    RawClient secure;
    QVERIFY(secure.connectEncrypted(server.tlsPort()));
    QVERIFY(secure.joinAs(server.tlsPort(), QStringLiteral("Secure")));
    QCOMPARE(server.stop(), 0);
}

void TestServerTls::badCertificateExits_data()
{
    QTest::addColumn<QString>("problem");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    QTest::newRow("missing certificate")
        << "missing-cert" << 4 << "cannot read the TLS certificate";
    QTest::newRow("missing key") << "missing-key" << 4 << "cannot read the TLS key";
    QTest::newRow("not a certificate") << "garbage-cert" << 4 << "holds no PEM certificate";
    QTest::newRow("not a key") << "garbage-key" << 4 << "holds no unencrypted PEM private key";
    QTest::newRow("key of another certificate") << "mismatch" << 4 << "does not fit";
    QTest::newRow("certificate without key") << "no-key-option" << 2 << "go together";
    QTest::newRow("no plain without TLS") << "no-plain-alone" << 2 << "--no-plain needs";
}

// Asked for TLS and unable to serve it: a clear error and a non-zero exit,
// never a server that listens without TLS.
void TestServerTls::badCertificateExits()
{
    QFETCH(QString, problem);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const QString garbage = dir.filePath(QStringLiteral("garbage.pem"));
    QFile file(garbage);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("-----BEGIN NOTHING-----\nnot base64\n");
    file.close();
    const QString missing = dir.filePath(QStringLiteral("missing.pem"));
    QString certificate = m_ec->certificatePath();
    QString key = m_ec->keyPath();
    QStringList extra;
    if (problem == QLatin1StringView("missing-cert"))
        certificate = missing;
    else if (problem == QLatin1StringView("missing-key"))
        key = missing;
    else if (problem == QLatin1StringView("garbage-cert"))
        certificate = garbage;
    else if (problem == QLatin1StringView("garbage-key"))
        key = garbage;
    else if (problem == QLatin1StringView("mismatch"))
        key = m_rsa->keyPath();
    QStringList arguments = { QStringLiteral("--port"),     QStringLiteral("0"),
                              QStringLiteral("--database"), QStringLiteral("none"),
                              QStringLiteral("--tls-port"), QStringLiteral("0") };
    if (problem == QLatin1StringView("no-key-option"))
        arguments << QStringLiteral("--tls-cert") << certificate;
    else if (problem == QLatin1StringView("no-plain-alone"))
        arguments << QStringLiteral("--no-plain");
    else
        arguments << QStringLiteral("--tls-cert") << certificate << QStringLiteral("--tls-key")
                  << key;
    QProcess process;
    process.start(QStringLiteral(PYNET_SERVER_BINARY), arguments);
    QVERIFY(process.waitForFinished(15000));
    const QString errors = QString::fromUtf8(process.readAllStandardError());
    const QString output = QString::fromUtf8(process.readAllStandardOutput()) + errors;
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), exitCode);
    QVERIFY2(errors.contains(message), qPrintable(errors));
    QVERIFY2(!output.contains(QStringLiteral("listening on")), qPrintable(output));
    // The key's contents are never shown, whatever went wrong.
    QVERIFY(!output.contains(QStringLiteral("PRIVATE KEY")));
}

// A renewed certificate in the same files: SIGHUP, and new connections get it
// while connected clients chat on; a broken one leaves the last good one serving.
void TestServerTls::sighupReloadsCertificate()
{
    QTemporaryDir dir;
    const QString certificatePath = dir.filePath(QStringLiteral("server.pem"));
    const QString keyPath = dir.filePath(QStringLiteral("server.key"));
    QVERIFY(m_ec->copyTo(certificatePath, keyPath));
    ServerProcess server({ QStringLiteral("--tls-cert"), certificatePath,
                           QStringLiteral("--tls-key"), keyPath, QStringLiteral("--tls-port"),
                           QStringLiteral("0") });
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient before;
    QVERIFY(before.connectEncrypted(server.tlsPort()));
    QCOMPARE(fingerprintOf(before.socket()), m_ec->sha256());
    QVERIFY(before.joinAs(server.tlsPort(), QStringLiteral("Before")));

    QVERIFY(m_rsa->copyTo(certificatePath, keyPath));
    ::kill(pid_t(server.pid()), SIGHUP);
    QVERIFY(server.waitForOutput(QStringLiteral("reloaded: TLS certificate pynet-rsa")));
    RawClient after;
    QVERIFY(after.connectEncrypted(server.tlsPort()));
    QCOMPARE(fingerprintOf(after.socket()), m_rsa->sha256());
    QVERIFY(after.joinAs(server.tlsPort(), QStringLiteral("After")));
    before.sendObject(Protocol::chat(QStringLiteral("still here")));
    QVERIFY(!waitForMatch(after, QStringLiteral("message"), QStringLiteral("data"),
                          QStringLiteral("still here"))
                 .isEmpty());

    // A half-written renewal: the old pair keeps serving.
    QFile broken(certificatePath);
    QVERIFY(broken.open(QIODevice::WriteOnly | QIODevice::Truncate));
    broken.write("-----BEGIN CERTIFICATE-----\n");
    broken.close();
    ::kill(pid_t(server.pid()), SIGHUP);
    QVERIFY(server.waitForOutput(QStringLiteral("still serving the old one")));
    RawClient third;
    QVERIFY(third.connectEncrypted(server.tlsPort()));
    QCOMPARE(fingerprintOf(third.socket()), m_rsa->sha256());
    QVERIFY(third.joinAs(server.tlsPort(), QStringLiteral("Third")));
    QCOMPARE(server.stop(), 0);
}

// A TLS client that stops reading is cut off at --max-unsent-bytes like a
// plain one, what sits in the encrypting socket counted too, while a TLS
// reader in the same room gets every message.
void TestServerTls::tlsReaderThatStopsIsCutOff()
{
    QStringList arguments = tlsArguments(*m_ec);
    arguments << QStringLiteral("--max-unsent-bytes") << QStringLiteral("65536")
              << QStringLiteral("--max-text") << QStringLiteral("60000") << QStringLiteral("--rate")
              << QStringLiteral("100000") << QStringLiteral("--burst") << QStringLiteral("100000");
    ServerProcess server(arguments);
    QVERIFY2(server.start(), qPrintable(server.output()));
    RawClient reader;
    QVERIFY(reader.connectEncrypted(server.tlsPort()));
    QVERIFY(reader.joinAs(server.tlsPort(), QStringLiteral("Reader")));
    // Never read: Qt must not read on its behalf either (no event loop runs here).
    RawClient stalled;
    stalled.socket().setReadBufferSize(1024);
    QVERIFY(stalled.connectEncrypted(server.tlsPort()));
    QVERIFY(stalled.joinAs(server.tlsPort(), QStringLiteral("Stalled")));
    QVERIFY(!waitForMatch(reader, QStringLiteral("presence"), QStringLiteral("name"),
                          QStringLiteral("Stalled"))
                 .isEmpty());
    RawClient flooder;
    QVERIFY(flooder.joinAs(server.port(), QStringLiteral("Flooder")));

    // The kernel buffers take a few megabytes before the server queues anything.
    constexpr int MaxMessages = 600;
    int sent = 0;
    bool dropped = false;
    while (sent < MaxMessages && !dropped) {
        const QString text =
            QStringLiteral("%1 ").arg(sent, 4, 10, QLatin1Char('0')) + QString(60000 - 5, u'z');
        flooder.sendObject(Protocol::chat(text));
        const QJsonObject message = reader.waitFor(QStringLiteral("message"));
        QVERIFY2(stringOf(message, "data") == text,
                 qPrintable(QStringLiteral("message %1 lost").arg(sent)));
        ++sent;
        dropped = server.output().contains(QStringLiteral("Stalled dropped: does not read"));
    }
    QVERIFY2(dropped,
             qPrintable(QStringLiteral("not dropped after %1 messages\n%2")
                            .arg(sent)
                            .arg(server.output().right(2000))));
    QVERIFY(server.waitForOutput(QStringLiteral(" closed: slow reader")));
    const QJsonObject left = waitForMatch(reader, QStringLiteral("presence"),
                                          QStringLiteral("name"), QStringLiteral("Stalled"));
    QCOMPARE(stringOf(left, "event"), QStringLiteral("leave"));
    flooder.sendObject(Protocol::chat(QStringLiteral("after")));
    QCOMPARE(stringOf(reader.waitFor(QStringLiteral("message")), "data"), QStringLiteral("after"));
    stalled.socket().setReadBufferSize(0);
    QVERIFY(stalled.waitForClosed(10000));
    QCOMPARE(server.stop(), 0);
}

QTEST_GUILESS_MAIN(TestServerTls)
#include "tst_servertls.moc"
