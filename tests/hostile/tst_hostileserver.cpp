// SPDX-License-Identifier: MIT
// A fake server (a QTcpServer in this test) feeds the shared ChatClient session
// every kind of hostile input a server could send. The session must never
// crash, must report what it cannot accept, and nothing it hands to the front
// ends may carry a control character once DisplayText has neutralised it.
#include "chatclient.h"
#include "displaytext.h"
#include "protocol.h"
#include "servercorpus.h"

#include <QElapsedTimer>
#include <QMap>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace Protocol;
using ServerCorpus::Expect;
using ServerCorpus::message;
using ServerCorpus::quoted;
using ServerCorpus::ServerInput;

namespace {

// Everything the session reported, as a front end would receive it.
class Recorder : public QObject
{
    Q_OBJECT
public:
    explicit Recorder(ChatClient *client)
    {
        connect(client, &ChatClient::messageReceived, this, [this](const ChatMessage &message) {
            messages.append(message);
            shown(message.from);
            shown(message.to);
            shownMultiLine(message.text);
        });
        connect(client, &ChatClient::userJoined, this, &Recorder::shown);
        connect(client, &ChatClient::userLeft, this, &Recorder::shown);
        connect(client, &ChatClient::usersChanged, this, [this](const QStringList &users) {
            for (const QString &user : users)
                shown(user);
        });
        connect(client, &ChatClient::noticeReceived, this, &Recorder::shownMultiLine);
        connect(client, &ChatClient::errorReceived, this,
                [this](const QString &code, const QString &text) {
                    errorCodes.append(code);
                    shown(code);
                    shownMultiLine(text);
                });
        connect(client, &ChatClient::nameRefused, this, &Recorder::shownMultiLine);
        connect(client, &ChatClient::connectionError, this,
                [this](ChatClient::ConnectionError, const QString &text) {
                    connectionErrors.append(text);
                    shownMultiLine(text);
                });
        connect(client, &ChatClient::disconnected, this, [this] { ++disconnects; });
        connect(client, &ChatClient::joined, this, [this, client] {
            ++joins;
            shown(client->name());
            shown(client->serverName());
            shown(client->serverVersion());
        });
    }

    void shown(const QString &text) { checkShown(DisplayText::neutralized(text), false); }
    void shownMultiLine(const QString &text)
    {
        checkShown(DisplayText::neutralized(text, true), true);
    }

    bool hasMessage(const QString &text) const
    {
        for (const ChatMessage &message : messages) {
            if (message.text == text)
                return true;
        }
        return false;
    }

    QList<ChatMessage> messages;
    QStringList errorCodes;
    QStringList connectionErrors;
    QStringList unsafe; // what would have reached a screen unneutralised
    int strings = 0;
    int disconnects = 0;
    int joins = 0;

private:
    // What a terminal or a text widget must never be given.
    void checkShown(const QString &text, bool keepNewlines)
    {
        ++strings;
        for (qsizetype i = 0; i < text.size(); ++i) {
            char32_t c = text.at(i).unicode();
            if (text.at(i).isHighSurrogate() && i + 1 < text.size()
                && text.at(i + 1).isLowSurrogate()) {
                c = QChar::surrogateToUcs4(text.at(i), text.at(i + 1));
                ++i;
            }
            if (keepNewlines && (c == u'\n' || c == u'\t'))
                continue;
            const QChar::Category category = QChar::category(c);
            const bool joiner = c == 0x200C || c == 0x200D;
            if (category == QChar::Other_Control || category == QChar::Other_Surrogate
                || category == QChar::Separator_Line || category == QChar::Separator_Paragraph
                || (category == QChar::Other_Format && !joiner)) {
                unsafe.append(QStringLiteral("U+%1 in \"%2\"")
                                  .arg(uint(c), 4, 16, QLatin1Char('0'))
                                  .arg(text.left(60)));
            }
        }
    }
};

const char *expectName(Expect expect)
{
    switch (expect) {
    case Expect::Error:
        return "error";
    case Expect::Shown:
        return "shown";
    case Expect::Drop:
        return "drop";
    case Expect::Truncated:
        return "truncated";
    }
    return "?";
}

} // namespace

class TestHostileServer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void hostileCorpus();
};

void TestHostileServer::hostileCorpus()
{
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost));
    const QList<ServerInput> inputs = ServerCorpus::inputs();
    QVERIFY2(inputs.size() >= 400, QByteArray::number(inputs.size()));

    QMap<QByteArray, int> perKind;
    QMap<QByteArray, int> perOutcome;
    int strings = 0;
    QElapsedTimer clock;
    clock.start();
    for (qsizetype i = 0; i < inputs.size(); ++i) {
        const ServerInput &input = inputs.at(i);
        const QByteArray what = input.kind + " #" + QByteArray::number(i) + " ("
            + expectName(input.expect)
            + "): " + input.bytes.left(100).toPercentEncoding(" {}[]\":,_\\");
        ++perKind[input.kind];

        ChatClient client;
        client.setAutoReconnect(false);
        client.setKeepAliveInterval(0);
        Recorder recorder(&client);
        client.connectToServer(QStringLiteral("127.0.0.1"), fake.serverPort(),
                               QStringLiteral("Alice"));
        QTRY_VERIFY(fake.hasPendingConnections());
        std::unique_ptr<QTcpSocket> peer(fake.nextPendingConnection());
        QByteArray joinBytes;
        QTRY_VERIFY((joinBytes += peer->readAll()).contains('\n'));

        if (input.welcomeFirst) {
            peer->write(R"({"type":"welcome","protocol":1,"server":"Fake","version":"0",)"
                        R"("name":"Alice","session":"s","users":["Alice"],"history":[]})"
                        "\n");
            QTRY_COMPARE(recorder.joins, 1);
        }
        peer->write(input.bytes);

        switch (input.expect) {
        case Expect::Drop:
            QTRY_VERIFY2_WITH_TIMEOUT(recorder.disconnects == 1, what.constData(), 15000);
            QVERIFY2(recorder.connectionErrors.size() == 1, what.constData());
            QVERIFY2(client.status() == ChatClient::Status::Disconnected, what.constData());
            break;
        case Expect::Truncated:
            peer->disconnectFromHost();
            QTRY_VERIFY2(recorder.disconnects == 1, what.constData());
            QVERIFY2(recorder.connectionErrors.size() == 1, what.constData());
            QVERIFY2(recorder.messages.isEmpty(), what.constData());
            break;
        case Expect::Error:
        case Expect::Shown: {
            // The stream goes on: the next honest message still arrives.
            const QString sentinel = QStringLiteral("sentinel %1").arg(i);
            peer->write("\n" + message(quoted("Fake"), quoted(sentinel.toUtf8())));
            QTRY_VERIFY2(recorder.hasMessage(sentinel), what.constData());
            QVERIFY2(client.status() == ChatClient::Status::Joined, what.constData());
            QVERIFY2(recorder.connectionErrors.isEmpty(), what.constData());
            if (input.expect == Expect::Error)
                QVERIFY2(!recorder.errorCodes.isEmpty(), what.constData());
            for (const QString &user : client.users())
                recorder.shown(user);
            break;
        }
        }
        QVERIFY2(recorder.unsafe.isEmpty(),
                 (what + " shows " + recorder.unsafe.join(u'|').toUtf8()).constData());
        ++perOutcome[expectName(input.expect)];
        strings += recorder.strings;
    }

    QStringList kinds;
    for (auto it = perKind.cbegin(); it != perKind.cend(); ++it)
        kinds.append(QStringLiteral("%1 %2").arg(QString::fromUtf8(it.key())).arg(it.value()));
    qInfo().noquote() << QStringLiteral("hostile server: %1 inputs (%2)")
                             .arg(inputs.size())
                             .arg(kinds.join(QStringLiteral(", ")));
    qInfo().noquote()
        << QStringLiteral("hostile server: %1 reported with errorReceived and survived, %2 "
                          "shown safely and survived, %3 dropped with connectionError, %4 cut "
                          "short and reported; %5 strings handed to the front ends, 0 with a "
                          "control, bidi or format character after DisplayText; 0 crashes; %6 ms")
               .arg(perOutcome.value("error"))
               .arg(perOutcome.value("shown"))
               .arg(perOutcome.value("drop"))
               .arg(perOutcome.value("truncated"))
               .arg(strings)
               .arg(clock.elapsed());
}

QTEST_GUILESS_MAIN(TestHostileServer)
#include "tst_hostileserver.moc"
