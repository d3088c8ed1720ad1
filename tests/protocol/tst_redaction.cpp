// SPDX-License-Identifier: MIT
// Redaction: what the trace, the logs and the GUI's wire view show of a frame
// that carries a password or a token.
#include "protocol.h"
#include "redaction.h"
#include "wire.h"

#include <QJsonDocument>
#include <QTest>

class TestRedaction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void secretsAreMasked_data();
    void secretsAreMasked();
    void framesWithoutSecretsComeBackAsTheyWere_data();
    void framesWithoutSecretsComeBackAsTheyWere();
    void unreadableFrameNamingASecretIsWithheld();
    void newlineIsKept();
    void aSecretSplitAcrossReadsIsMaskedInEach();
    void readsWithoutSecretsComeBackAsTheyWere();
};

void TestRedaction::secretsAreMasked_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QByteArrayList>("secrets");
    QTest::addColumn<QStringList>("masked"); // fields that must read "***"
    QTest::newRow("password join")
        << Protocol::encode(
               Protocol::passwordJoin(QStringLiteral("alice"), QStringLiteral("hunter22"), true))
        << QByteArrayList { "hunter22" } << QStringList { QStringLiteral("password") };
    QTest::newRow("token join") << Protocol::encode(
        Protocol::tokenJoin(QStringLiteral("alice"), QStringLiteral("T0KEN")))
                                << QByteArrayList { "T0KEN" }
                                << QStringList { QStringLiteral("token") };
    Wire::Welcome welcome;
    welcome.name = QStringLiteral("alice");
    welcome.account = true;
    welcome.token = QStringLiteral("W3LCOME");
    QTest::newRow("welcome") << Wire::encode(welcome) << QByteArrayList { "W3LCOME" }
                             << QStringList { QStringLiteral("token") };
    QTest::newRow("password change")
        << Wire::encode(Wire::Password { QStringLiteral("n3w-one"), QStringLiteral("0ld-one") })
        << QByteArrayList { "n3w-one", "0ld-one" }
        << QStringList { QStringLiteral("data"), QStringLiteral("old") };
    QTest::newRow("password changed")
        << Wire::encode(Wire::PasswordChanged { QStringLiteral("N3WTOKEN") })
        << QByteArrayList { "N3WTOKEN" } << QStringList { QStringLiteral("token") };
    // The same key spelt with escapes is the same key to a JSON reader.
    QTest::newRow("escaped key") << QByteArray(
        R"({"type":"join","data":"a","protocol":1,"p\u0061ssword":"esc4ped"})")
                                 << QByteArrayList { "esc4ped" }
                                 << QStringList { QStringLiteral("password") };
}

void TestRedaction::secretsAreMasked()
{
    QFETCH(QByteArray, frame);
    QFETCH(QByteArrayList, secrets);
    QFETCH(QStringList, masked);
    const QByteArray shown = Redaction::redactFrame(frame);
    for (const QByteArray &secret : secrets) {
        QVERIFY2(frame.contains(secret), secret.constData());
        QVERIFY2(!shown.contains(secret), shown.constData());
    }
    const QJsonObject object = QJsonDocument::fromJson(shown).object();
    for (const QString &field : masked)
        QCOMPARE(object.value(field).toString(), QStringLiteral("***"));
    // The rest is left to read: the type, and who.
    QCOMPARE(object.value(QStringLiteral("type")),
             QJsonDocument::fromJson(frame).object().value(QStringLiteral("type")));
    // The object form gives the same.
    QCOMPARE(Redaction::redact(QJsonDocument::fromJson(frame).object()), object);
}

void TestRedaction::framesWithoutSecretsComeBackAsTheyWere_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::newRow("seed join") << QByteArray(R"({"type":"join","data":"Seed"})");
    QTest::newRow("guest welcome") << Wire::encode(Wire::Welcome {});
    // A chat that talks about passwords is only a chat.
    QTest::newRow("chat") << QByteArray(R"({"type":"chat","data":"my \"password\" is hunter2"})");
    QTest::newRow("message with token field")
        << QByteArray(R"({"type":"message","from":"a","data":"x","token":"kept"})");
    QTest::newRow("not json") << QByteArray("hello\n");
    QTest::newRow("odd spacing") << QByteArray("{ \"type\" : \"join\" , \"data\" : \"A\" }");
}

void TestRedaction::framesWithoutSecretsComeBackAsTheyWere()
{
    QFETCH(QByteArray, frame);
    QCOMPARE(Redaction::redactFrame(frame), frame); // byte for byte
}

void TestRedaction::unreadableFrameNamingASecretIsWithheld()
{
    const QByteArray broken(R"({"type":"join","data":"a","password":"hunter22",)");
    const QByteArray shown = Redaction::redactFrame(broken);
    QVERIFY(!shown.contains("hunter22"));
    QVERIFY(!shown.isEmpty());
}

void TestRedaction::newlineIsKept()
{
    const QByteArray frame =
        Protocol::encode(Protocol::passwordJoin(QStringLiteral("a"), QStringLiteral("pw-12345")));
    QVERIFY(frame.endsWith('\n'));
    QVERIFY(Redaction::redactFrame(frame).endsWith('\n'));
    QVERIFY(!Redaction::redactFrame(frame.chopped(1)).endsWith('\n'));
}

// A read may end anywhere: inside the field's name, its value or after it.
void TestRedaction::aSecretSplitAcrossReadsIsMaskedInEach()
{
    const QByteArray token("Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eA");
    const QByteArray stream = R"({"type":"welcome","name":"a","token":")" + token
        + R"(","users":["a"]})"
          "\n"
          R"({"type":"password","token":")"
        + token + "\"}\n";
    for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
        const QByteArray first = stream.left(cut);
        const QByteArray second = stream.mid(cut);
        const QByteArray shown = Redaction::redactRead({}, first)
            + Redaction::redactRead(first.right(Redaction::ContextBytes), second);
        QCOMPARE(shown.size(), stream.size());
        for (qsizetype length = 4; length <= token.size(); ++length) {
            for (qsizetype at = 0; at + length <= token.size(); at += length)
                QVERIFY2(
                    !shown.contains(token.mid(at, length)),
                    qPrintable(
                        QStringLiteral("cut at %1: %2").arg(cut).arg(QString::fromUtf8(shown))));
        }
        QVERIFY(shown.contains(R"("users":["a"]})"));
    }
}

void TestRedaction::readsWithoutSecretsComeBackAsTheyWere()
{
    const QByteArray read(R"({"type":"message","from":"a","data":"my password is \"old\""})");
    QCOMPARE(Redaction::redactRead({}, read), read);
}

QTEST_APPLESS_MAIN(TestRedaction)
#include "tst_redaction.moc"
