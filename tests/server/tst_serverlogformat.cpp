// SPDX-License-Identifier: MIT
#include "rawclient.h"
#include "serverprocess.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

// --log-format json: one JSON object a line, for log collectors; the default
// stays the human form.
class TestServerLogFormat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void humanByDefault();
    void json();
};

// Connects, joins with a client name that needs escaping in JSON, and leaves.
static void chatBriefly(ServerProcess &server)
{
    RawClient client;
    QVERIFY(client.connectTo(server.port()));
    client.sendObject({ { QStringLiteral("type"), QStringLiteral("join") },
                        { QStringLiteral("data"), QStringLiteral("Alice") },
                        { QStringLiteral("protocol"), 1 },
                        { QStringLiteral("client"), QStringLiteral("say \"hi\" \\ o/") } });
    QVERIFY(!client.waitFor(QStringLiteral("welcome")).isEmpty());
    client.socket().disconnectFromHost();
    QVERIFY(server.waitForOutput(QStringLiteral("left")));
}

void TestServerLogFormat::humanByDefault()
{
    ServerProcess server;
    QVERIFY2(server.start(), qPrintable(server.output()));
    chatBriefly(server);
    QCOMPARE(server.stop(), 0);
    const QStringList lines = server.output().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(!lines.isEmpty());
    for (const QString &line : lines) {
        QVERIFY2(!line.startsWith(QLatin1Char('{')), qPrintable(line));
        QVERIFY2(line.size() > 24 && line.at(10) == QLatin1Char('T'), qPrintable(line));
    }
}

void TestServerLogFormat::json()
{
    ServerProcess server({ QStringLiteral("--log-format"), QStringLiteral("json") });
    QVERIFY2(server.start(), qPrintable(server.output()));
    chatBriefly(server);
    QCOMPARE(server.stop(), 0);

    const QByteArray log = server.output().toUtf8();
    QVERIFY(log.endsWith('\n'));
    bool sawListening = false;
    bool sawClient = false;
    for (const QByteArray &line : log.split('\n')) {
        if (line.isEmpty())
            continue;
        QJsonParseError error {};
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        QVERIFY2(error.error == QJsonParseError::NoError && document.isObject(), line.constData());
        const QJsonObject object = document.object();
        QCOMPARE(object.keys(),
                 (QStringList { QStringLiteral("category"), QStringLiteral("level"),
                                QStringLiteral("message"), QStringLiteral("time") }));
        const QString time = object.value(QStringLiteral("time")).toString();
        QVERIFY2(time.size() == 24 && time.at(10) == QLatin1Char('T')
                     && time.endsWith(QLatin1Char('Z')),
                 qPrintable(time));
        const QString message = object.value(QStringLiteral("message")).toString();
        if (message.contains(QStringLiteral("listening on"))) {
            sawListening = true;
            QCOMPARE(object.value(QStringLiteral("level")).toString(), QStringLiteral("info"));
            QCOMPARE(object.value(QStringLiteral("category")).toString(),
                     QStringLiteral("pynet.server"));
        }
        if (message.contains(QStringLiteral("joined as Alice"))) {
            sawClient = true;
            QCOMPARE(object.value(QStringLiteral("category")).toString(),
                     QStringLiteral("pynet.connection"));
            QVERIFY2(message.contains(QStringLiteral("(say \"hi\" \\ o/)")), qPrintable(message));
        }
    }
    QVERIFY2(sawListening, log.constData());
    QVERIFY2(sawClient, log.constData());
}

QTEST_GUILESS_MAIN(TestServerLogFormat)
#include "tst_serverlogformat.moc"
