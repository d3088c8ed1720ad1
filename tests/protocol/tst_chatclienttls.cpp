// SPDX-License-Identifier: MIT
#include "chatclient.h"
#include "knownservers.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "testcertificate.h"

#include <QFile>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

// ChatClient over TLS against a real server: trust on first use, the join
// after the handshake, reconnects with the remembered certificate, and a
// certificate that changed refused at a reconnect without a question.
class TestChatClientTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void trustedOnFirstUseThenReconnects();
    void verifiedByCaNeedsNoQuestion();
    void caFileErrors();
    void eachServerOfAListIsTrustedOnItsOwn();

private:
    static quint16 freePort();
    QStringList serverArguments(const TestCertificate &certificate, quint16 tlsPort) const;

    QTemporaryDir m_dataHome;
    std::unique_ptr<TestCertificate> m_first;
    std::unique_ptr<TestCertificate> m_second;
};

void TestChatClientTls::initTestCase()
{
    QVERIFY(m_dataHome.isValid());
    qputenv("XDG_DATA_HOME", m_dataHome.path().toUtf8());
    m_first = std::make_unique<TestCertificate>(u"first"_s);
    QVERIFY2(m_first->isValid(), qPrintable(m_first->error()));
    m_second = std::make_unique<TestCertificate>(u"second"_s);
    QVERIFY2(m_second->isValid(), qPrintable(m_second->error()));
}

void TestChatClientTls::init()
{
    QFile::remove(KnownServers::defaultPath());
}

quint16 TestChatClientTls::freePort()
{
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

QStringList TestChatClientTls::serverArguments(const TestCertificate &certificate,
                                               quint16 tlsPort) const
{
    return { u"--tls-cert"_s, certificate.certificatePath(), u"--tls-key"_s, certificate.keyPath(),
             u"--tls-port"_s, QString::number(tlsPort) };
}

void TestChatClientTls::trustedOnFirstUseThenReconnects()
{
    QCOMPARE(KnownServers::defaultPath(), m_dataHome.filePath(u"pynet/known-servers"_s));
    const quint16 tlsPort = freePort();
    QVERIFY(tlsPort != 0);
    auto server = std::make_unique<ServerProcess>(serverArguments(*m_first, tlsPort));
    QVERIFY2(server->start(), qPrintable(server->output()));

    ChatClient client;
    client.setTls(true);
    client.setReconnectDelays(100, 200);
    QSignalSpy asked(&client, &ChatClient::certificateNeedsTrust);
    QSignalSpy joined(&client, &ChatClient::joined);
    QSignalSpy errors(&client, &ChatClient::connectionError);
    client.connectToServer(u"127.0.0.1"_s, tlsPort, u"Alice"_s);
    QVERIFY(asked.wait());
    QCOMPARE(asked.first().at(0).toString(), m_first->sha256());
    QCOMPARE(asked.first().at(1).value<QSslCertificate>().subjectDisplayName(), u"first"_s);
    QVERIFY2(asked.first().at(2).toString().contains(u"self-signed"_s),
             qPrintable(asked.first().at(2).toString()));
    QVERIFY(!client.isEncrypted());
    QCOMPARE(client.status(), ChatClient::Status::Connecting);
    QVERIFY(errors.isEmpty()); // a question, not a failure

    client.trustCertificate(true);
    QVERIFY(joined.wait());
    QVERIFY(client.isEncrypted());
    QCOMPARE(KnownServers::fingerprintOf(client.peerCertificate()), m_first->sha256());
    QCOMPARE(KnownServers().fingerprint(u"127.0.0.1"_s, tlsPort), m_first->sha256());
    RawClient bob;
    QVERIFY(bob.joinAs(server->port(), u"Bob"_s));
    QSignalSpy received(&client, &ChatClient::messageReceived);
    bob.sendObject(Protocol::chat(u"over to TLS"_s));
    QTRY_COMPARE(received.size(), 1);
    QCOMPARE(received.first().at(0).value<ChatMessage>().text, u"over to TLS"_s);

    // The server restarts with the same certificate: back without a question.
    server->kill();
    server = std::make_unique<ServerProcess>(serverArguments(*m_first, tlsPort));
    QVERIFY2(server->start(), qPrintable(server->output()));
    QTRY_COMPARE_WITH_TIMEOUT(joined.size(), 2, 10000);
    QCOMPARE(joined.last().at(0).toBool(), true);
    QCOMPARE(asked.size(), 1);

    // Then with another one: refused, loudly, and no more attempts.
    QSignalSpy disconnected(&client, &ChatClient::disconnected);
    server->kill();
    server = std::make_unique<ServerProcess>(serverArguments(*m_second, tlsPort));
    QVERIFY2(server->start(), qPrintable(server->output()));
    QVERIFY(disconnected.wait(10000));
    QCOMPARE(client.error(), ChatClient::ConnectionError::CertificateRejected);
    QVERIFY(client.errorString().contains(u"CHANGED"_s));
    QVERIFY(client.errorString().contains(m_first->sha256()));
    QVERIFY(client.errorString().contains(m_second->sha256()));
    QCOMPARE(asked.size(), 1);
    QCOMPARE(client.status(), ChatClient::Status::Disconnected);
    QCOMPARE(client.reconnectRemainingMs(), -1);
    QVERIFY(!server->output().contains(u"joined as Alice"_s));
}

void TestChatClientTls::verifiedByCaNeedsNoQuestion()
{
    ServerProcess server({ u"--tls-cert"_s, m_first->certificatePath(), u"--tls-key"_s,
                           m_first->keyPath(), u"--tls-port"_s, u"0"_s });
    QVERIFY2(server.start(), qPrintable(server.output()));
    ChatClient client;
    client.setTls(true);
    QString error;
    QVERIFY2(client.setCaFile(m_first->certificatePath(), &error), qPrintable(error));
    QSignalSpy asked(&client, &ChatClient::certificateNeedsTrust);
    QSignalSpy joined(&client, &ChatClient::joined);
    client.connectToServer(u"127.0.0.1"_s, server.tlsPort(), u"Alice"_s);
    QVERIFY(joined.wait());
    QVERIFY(asked.isEmpty());
    QVERIFY(client.isEncrypted());
    QVERIFY(!QFile::exists(KnownServers::defaultPath()));
}

void TestChatClientTls::caFileErrors()
{
    ChatClient client;
    QString error;
    QVERIFY(!client.setCaFile(m_dataHome.filePath(u"missing.pem"_s), &error));
    QVERIFY2(error.contains(u"cannot read the CA file"_s), qPrintable(error));
    QVERIFY(!client.setCaFile(m_first->keyPath(), &error));
    QVERIFY2(error.contains(u"holds no PEM certificate"_s), qPrintable(error));
    QVERIFY(client.setCaFile({}, &error));
}

// Two nodes with one certificate: trust is per host:port all the same, so the
// second is asked about when the session fails over to it. By name, so that
// the address tried is not what the certificate is checked against.
void TestChatClientTls::eachServerOfAListIsTrustedOnItsOwn()
{
    const quint16 firstPort = freePort();
    auto first = std::make_unique<ServerProcess>(serverArguments(*m_first, firstPort));
    QVERIFY2(first->start(), qPrintable(first->output()));
    const quint16 secondPort = freePort();
    ServerProcess second(serverArguments(*m_first, secondPort));
    QVERIFY2(second.start(), qPrintable(second.output()));

    ChatClient client;
    client.setTls(true);
    client.setReconnectDelays(100, 200);
    client.setKeepAliveInterval(0);
    QSignalSpy asked(&client, &ChatClient::certificateNeedsTrust);
    QSignalSpy joined(&client, &ChatClient::joined);
    client.connectToServer({ { u"localhost"_s, firstPort }, { u"localhost"_s, secondPort } },
                           u"Ann"_s);
    QVERIFY(asked.wait(10000));
    QCOMPARE(asked.at(0).at(0).toString(), m_first->sha256());
    QCOMPARE(client.port(), firstPort);
    client.trustCertificate(true);
    QVERIFY(joined.wait(10000));
    QVERIFY(client.isEncrypted());
    const KnownServers known;
    QCOMPARE(known.fingerprint(u"localhost"_s, firstPort), m_first->sha256());
    QVERIFY(known.fingerprint(u"localhost"_s, secondPort).isEmpty());

    first->kill();
    QVERIFY(asked.wait(10000)); // not taken on the first one's word
    QCOMPARE(client.port(), secondPort);
    QCOMPARE(joined.size(), 1);
    client.trustCertificate(true);
    QVERIFY(joined.wait(10000));
    QCOMPARE(joined.last().at(0).toBool(), true);
    QCOMPARE(client.server(), ServerEndpoint({ u"localhost"_s, secondPort }));
    QCOMPARE(known.fingerprint(u"localhost"_s, secondPort), m_first->sha256());
}

QTEST_GUILESS_MAIN(TestChatClientTls)
#include "tst_chatclienttls.moc"
