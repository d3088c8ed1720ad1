// SPDX-License-Identifier: MIT
// Accounts over real sockets against a real pynet-server: register, log in,
// refusals, throttling, tokens, the `account` command, and secrets kept out
// of the log and the database.
#include "postgrescluster.h"
#include "protocol.h"
#include "rawclient.h"
#include "serverprocess.h"
#include "servertest.h"
#include "wire.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QNetworkInterface>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <memory>

using namespace ServerTest;

namespace {

// Hashes this cheap keep the tests fast; one test hashes at the defaults.
const QStringList FastHashing { QStringLiteral("--hash-memory-kib"), QStringLiteral("64"),
                                QStringLiteral("--hash-passes"), QStringLiteral("1") };

const QString AlicePassword = QStringLiteral("correct horse battery");

QString codeOf(const QJsonObject &object)
{
    return stringOf(object, "code");
}

qint64 median(QList<qint64> values)
{
    std::sort(values.begin(), values.end());
    return values.at(values.size() / 2);
}

} // namespace

class TestServerAccounts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void registerThenLogInFromAnotherConnection_data() { backends(); }
    void registerThenLogInFromAnotherConnection();
    void wrongPasswordAndUnknownAccountLookAlike();
    void registeredNameRefusedToGuestsAndSeedClients();
    void guestsDenied();
    void closedRegistrationAndTheAccountCommand_data() { backends(); }
    void closedRegistrationAndTheAccountCommand();
    void failedLoginsAreThrottled();
    void tokenLoginAndRevocation();
    void secondLoginReplacesTheFirst();
    void roomsComeBackAtTheNextLogin_data() { backends(); }
    void roomsComeBackAtTheNextLogin();
    void weakPasswordsAndWhoMayChangeOne();
    void plainLoginsDeniedAndLoopbackAllowed();
    void plainLoginFromAnotherHostRefused();
    void noAccountsWithoutADatabase();
    void secretsNeitherLoggedNorStoredInClear();

private:
    static void backends();
    std::unique_ptr<ServerProcess> startServer(const QStringList &extra = {});
    // Sends a join and returns the welcome or error that answers it.
    static QJsonObject answerTo(RawClient &client, const QJsonObject &join);
    static QJsonObject connectAndJoin(quint16 port, RawClient &client, const QJsonObject &join);
    // `pynet-server account ...` on this test's database; returns the exit code.
    int account(const QStringList &arguments, const QString &password = {},
                QString *output = nullptr);

    PostgresCluster m_postgres;
    bool m_postgresStarted = false;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_database;
    int m_databases = 0;
};

void TestServerAccounts::backends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

void TestServerAccounts::initTestCase()
{
    QString error;
    m_postgresStarted = m_postgres.start(&error);
    QVERIFY2(m_postgresStarted, qPrintable(error));
}

void TestServerAccounts::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_database = QStringLiteral("sqlite:%1/pynet.db").arg(m_dir->path());
    if (QTest::currentDataTag()
        && QLatin1StringView(QTest::currentDataTag()) == QLatin1StringView("postgresql")) {
        const QString name = QStringLiteral("accounts%1").arg(++m_databases);
        QString error;
        QVERIFY2(m_postgres.createDatabase(name, &error), qPrintable(error));
        m_database = m_postgres.url(name);
    }
}

std::unique_ptr<ServerProcess> TestServerAccounts::startServer(const QStringList &extra)
{
    QStringList arguments { QStringLiteral("--database"), m_database };
    if (!extra.contains(QStringLiteral("--hash-memory-kib")))
        arguments += FastHashing;
    auto server = std::make_unique<ServerProcess>(arguments + extra);
    if (!server->start()) {
        qWarning().noquote() << server->output();
        return nullptr;
    }
    return server;
}

QJsonObject TestServerAccounts::answerTo(RawClient &client, const QJsonObject &join)
{
    client.sendObject(join);
    for (QJsonObject object = client.waitFor({}); !object.isEmpty(); object = client.waitFor({})) {
        const QString type = stringOf(object, "type");
        if (type == QLatin1StringView("welcome") || type == QLatin1StringView("error")
            || type == QLatin1StringView("notice"))
            return object;
    }
    return {};
}

QJsonObject TestServerAccounts::connectAndJoin(quint16 port, RawClient &client,
                                               const QJsonObject &join)
{
    if (!client.connectTo(port))
        return {};
    return answerTo(client, join);
}

int TestServerAccounts::account(const QStringList &arguments, const QString &password,
                                QString *output)
{
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("PYNET_PASSWORD"));
    if (!password.isNull())
        environment.insert(QStringLiteral("PYNET_PASSWORD"), password);
    process.setProcessEnvironment(environment);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral(PYNET_SERVER_BINARY),
                  QStringList { QStringLiteral("account") } + arguments
                      + QStringList { QStringLiteral("--database"), m_database } + FastHashing);
    process.closeWriteChannel(); // not a terminal: the password comes from the environment
    if (!process.waitForFinished(10000))
        return -1;
    if (output)
        *output = QString::fromUtf8(process.readAll());
    return process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
}

void TestServerAccounts::registerThenLogInFromAnotherConnection()
{
    auto server = startServer();
    QVERIFY(server);
    RawClient first;
    const QJsonObject welcome =
        connectAndJoin(server->port(), first,
                       Protocol::passwordJoin(QStringLiteral("Alice"), AlicePassword, true));
    QCOMPARE(stringOf(welcome, "type"), QStringLiteral("welcome"));
    QCOMPARE(welcome.value(QStringLiteral("account")).toBool(), true);
    QCOMPARE(stringOf(welcome, "name"), QStringLiteral("Alice"));
    const QString token = stringOf(welcome, "token");
    QCOMPARE(token.size(), 43); // 32 bytes, base64url
    first.socket().disconnectFromHost();
    QVERIFY(first.waitForClosed());

    // Another connection, the name in other letters: the account's spelling comes back.
    RawClient second;
    const QJsonObject again = connectAndJoin(
        server->port(), second, Protocol::passwordJoin(QStringLiteral("ALICE"), AlicePassword));
    QCOMPARE(stringOf(again, "type"), QStringLiteral("welcome"));
    QCOMPARE(again.value(QStringLiteral("account")).toBool(), true);
    QCOMPARE(stringOf(again, "name"), QStringLiteral("Alice"));
    QVERIFY(stringOf(again, "token") != token);

    // A guest's welcome is as it was before accounts.
    RawClient guest;
    const QJsonObject guestWelcome =
        connectAndJoin(server->port(), guest, Protocol::richJoin(QStringLiteral("Bob"), {}, 0, {}));
    QCOMPARE(stringOf(guestWelcome, "type"), QStringLiteral("welcome"));
    QVERIFY(!guestWelcome.contains(QStringLiteral("account")));
    QVERIFY(!guestWelcome.contains(QStringLiteral("token")));

    // Registering a name that is registered already is an ordinary login.
    RawClient third;
    const QJsonObject registeredAgain = connectAndJoin(
        server->port(), third,
        Protocol::passwordJoin(QStringLiteral("alice"), QStringLiteral("not it!"), true));
    QCOMPARE(codeOf(registeredAgain), QStringLiteral("auth_failed"));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::wrongPasswordAndUnknownAccountLookAlike()
{
    // At the default hash parameters, so that the times compared are real ones.
    auto server = startServer({ QStringLiteral("--hash-memory-kib"), QStringLiteral("19456"),
                                QStringLiteral("--hash-passes"), QStringLiteral("2"),
                                QStringLiteral("--login-failures"), QStringLiteral("0") });
    QVERIFY(server);
    RawClient alice;
    QCOMPARE(stringOf(connectAndJoin(
                          server->port(), alice,
                          Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword, true)),
                      "type"),
             QStringLiteral("welcome"));

    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, server->port());
    QVERIFY(socket.waitForConnected(5000));
    const auto attempt = [&socket](const QString &name, qint64 *ms) {
        const QByteArray join =
            Protocol::encode(Protocol::passwordJoin(name, QStringLiteral("wrong password 1")));
        QElapsedTimer timer;
        timer.start();
        socket.write(join);
        QByteArray answer;
        while (!answer.endsWith('\n') && socket.waitForReadyRead(5000))
            answer += socket.readAll();
        *ms = timer.nsecsElapsed() / 1000;
        return answer;
    };
    constexpr int Tries = 7;
    QList<qint64> wrongPassword;
    QList<qint64> unknownAccount;
    QByteArray wrongAnswer;
    QByteArray unknownAnswer;
    for (int i = 0; i < Tries; ++i) {
        qint64 us = 0;
        const QByteArray wrong = attempt(QStringLiteral("alice"), &us);
        wrongPassword.append(us);
        const QByteArray unknown = attempt(QStringLiteral("nobody%1").arg(i), &us);
        unknownAccount.append(us);
        if (i == 0) {
            wrongAnswer = wrong;
            unknownAnswer = unknown;
        }
        QCOMPARE(wrong, wrongAnswer);
        QCOMPARE(unknown, unknownAnswer);
    }
    QVERIFY(wrongAnswer.contains("\"code\":\"auth_failed\""));
    QCOMPARE(unknownAnswer, wrongAnswer); // byte for byte
    const qint64 wrongMedian = median(wrongPassword);
    const qint64 unknownMedian = median(unknownAccount);
    qInfo("median answer: wrong password %lld us, unknown account %lld us", wrongMedian,
          unknownMedian);
    // Both verify one hash; an answer without one would take well under a tenth.
    QVERIFY2(unknownMedian * 2 > wrongMedian && wrongMedian * 2 > unknownMedian,
             qPrintable(QStringLiteral("%1 us against %2 us").arg(wrongMedian).arg(unknownMedian)));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::registeredNameRefusedToGuestsAndSeedClients()
{
    auto server = startServer();
    QVERIFY(server);
    RawClient owner;
    QCOMPARE(stringOf(connectAndJoin(
                          server->port(), owner,
                          Protocol::passwordJoin(QStringLiteral("Alice"), AlicePassword, true)),
                      "type"),
             QStringLiteral("welcome"));
    owner.socket().disconnectFromHost();
    QVERIFY(owner.waitForClosed());

    // Offline, the name is still hers: for a rich guest...
    RawClient guest;
    const QJsonObject refused = connectAndJoin(
        server->port(), guest, Protocol::richJoin(QStringLiteral("alice"), {}, 0, {}));
    QCOMPARE(codeOf(refused), QStringLiteral("name_registered"));
    QVERIFY(stringOf(refused, "data").contains(QStringLiteral("registered")));
    // ...who may pick another name on the same connection.
    QCOMPARE(
        stringOf(answerTo(guest, Protocol::richJoin(QStringLiteral("Carol"), {}, 0, {})), "type"),
        QStringLiteral("welcome"));

    // ...and for a seed client, as one error object with text for people.
    RawClient seed;
    const QJsonObject seedRefused =
        connectAndJoin(server->port(), seed, Protocol::join(QStringLiteral("ALICE")));
    QCOMPARE(stringOf(seedRefused, "type"), QStringLiteral("error"));
    QCOMPARE(codeOf(seedRefused), QStringLiteral("name_registered"));
    QCOMPARE(stringOf(seedRefused, "data"),
             QStringLiteral("The name Alice is registered. Log in with its password, or pick "
                            "another name."));
    QCOMPARE(stringOf(answerTo(seed, Protocol::join(QStringLiteral("Dave"))), "type"),
             QStringLiteral("notice"));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::guestsDenied()
{
    auto server = startServer({ QStringLiteral("--guests"), QStringLiteral("deny") });
    QVERIFY(server);
    RawClient guest;
    QCOMPARE(codeOf(connectAndJoin(server->port(), guest,
                                   Protocol::richJoin(QStringLiteral("Bob"), {}, 0, {}))),
             QStringLiteral("guests_denied"));
    RawClient seed;
    QCOMPARE(codeOf(connectAndJoin(server->port(), seed, Protocol::join(QStringLiteral("Bob")))),
             QStringLiteral("guests_denied"));
    // An account still may, on the connection that was refused as a guest.
    QCOMPARE(stringOf(answerTo(guest,
                               Protocol::passwordJoin(QStringLiteral("Bob"), AlicePassword, true)),
                      "type"),
             QStringLiteral("welcome"));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::closedRegistrationAndTheAccountCommand()
{
    auto server = startServer({ QStringLiteral("--registration"), QStringLiteral("closed") });
    QVERIFY(server);
    const QString password = QStringLiteral("given by the operator");
    RawClient client;
    QCOMPARE(
        codeOf(connectAndJoin(server->port(), client,
                              Protocol::passwordJoin(QStringLiteral("carol"), password, true))),
        QStringLiteral("registration_closed"));

    // The operator adds her while the server runs on the same database.
    QString output;
    QCOMPARE(account({ QStringLiteral("add"), QStringLiteral("Carol") }, password, &output), 0);
    QVERIFY2(!output.contains(password), qPrintable(output));
    QCOMPARE(stringOf(answerTo(client, Protocol::passwordJoin(QStringLiteral("carol"), password)),
                      "type"),
             QStringLiteral("welcome"));
    QCOMPARE(account({ QStringLiteral("add"), QStringLiteral("carol") }, password), 2);
    QCOMPARE(account({ QStringLiteral("list") }, {}, &output), 0);
    QVERIFY2(output.startsWith(QStringLiteral("Carol\t")), qPrintable(output));
    QVERIFY2(output.contains(QString::number(QDate::currentDate().year())), qPrintable(output));
    // No password, no terminal: usage, and nothing added.
    QCOMPARE(account({ QStringLiteral("add"), QStringLiteral("dave") }), 1);
    QCOMPARE(account({ QStringLiteral("add"), QStringLiteral("dave") }, QStringLiteral("short")),
             1);
    QCOMPARE(account({ QStringLiteral("passwd"), QStringLiteral("dave") }, password), 2);
    QCOMPARE(account({ QStringLiteral("frobnicate") }), 1);

    // Removed: her name is free, her password opens nothing.
    QCOMPARE(account({ QStringLiteral("remove"), QStringLiteral("carol") }), 0);
    QCOMPARE(account({ QStringLiteral("remove"), QStringLiteral("carol") }), 2);
    RawClient after;
    QCOMPARE(codeOf(connectAndJoin(server->port(), after,
                                   Protocol::passwordJoin(QStringLiteral("carol"), password))),
             QStringLiteral("auth_failed"));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::failedLoginsAreThrottled()
{
    constexpr int PerMinute = 5;
    constexpr int Extra = 4;
    auto server = startServer({ QStringLiteral("--login-failures"), QString::number(PerMinute) });
    QVERIFY(server);
    RawClient alice;
    const QString token = stringOf(
        connectAndJoin(server->port(), alice,
                       Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword, true)),
        "token");
    QVERIFY(!token.isEmpty());

    RawClient guesser;
    QVERIFY(guesser.connectTo(server->port()));
    QElapsedTimer timer;
    timer.start();
    int checked = 0;
    int throttled = 0;
    QString throttledText;
    for (int i = 0; i < PerMinute + Extra; ++i) {
        const QJsonObject answer = answerTo(
            guesser,
            Protocol::passwordJoin(QStringLiteral("alice"), QStringLiteral("guess %1").arg(i)));
        if (codeOf(answer) == QLatin1StringView("auth_failed")) {
            ++checked;
        } else {
            QCOMPARE(codeOf(answer), QStringLiteral("login_throttled"));
            throttledText = stringOf(answer, "data");
            ++throttled;
        }
    }
    qInfo("%d guesses in %lld ms: %d checked, %d throttled", PerMinute + Extra, timer.elapsed(),
          checked, throttled);
    QCOMPARE(checked, PerMinute);
    QCOMPARE(throttled, Extra);
    QVERIFY2(
        QRegularExpression(QStringLiteral("try again in \\d+ s")).match(throttledText).hasMatch(),
        qPrintable(throttledText));
    // Throttled by name: the right password waits too...
    RawClient owner;
    QCOMPARE(codeOf(connectAndJoin(server->port(), owner,
                                   Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword))),
             QStringLiteral("login_throttled"));
    // ...and by address: another name from the same address as well.
    RawClient other;
    QCOMPARE(
        codeOf(connectAndJoin(server->port(), other,
                              Protocol::passwordJoin(QStringLiteral("bob"), AlicePassword, true))),
        QStringLiteral("login_throttled"));
    // A token login is not a guess, and still works.
    RawClient withToken;
    QCOMPARE(stringOf(connectAndJoin(server->port(), withToken,
                                     Protocol::tokenJoin(QStringLiteral("alice"), token)),
                      "type"),
             QStringLiteral("welcome"));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::tokenLoginAndRevocation()
{
    auto server = startServer();
    QVERIFY(server);
    RawClient first;
    const QJsonObject welcome =
        connectAndJoin(server->port(), first,
                       Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword, true));
    const QString token = stringOf(welcome, "token");
    QVERIFY(!token.isEmpty());

    // A reconnect with the token: the same token back, no password.
    RawClient second;
    const QJsonObject byToken =
        connectAndJoin(server->port(), second, Protocol::tokenJoin(QStringLiteral("alice"), token));
    QCOMPARE(stringOf(byToken, "type"), QStringLiteral("welcome"));
    QCOMPARE(byToken.value(QStringLiteral("account")).toBool(), true);
    QCOMPARE(stringOf(byToken, "token"), token);
    // A token opens only its own account.
    RawClient other;
    QCOMPARE(codeOf(connectAndJoin(server->port(), other,
                                   Protocol::tokenJoin(QStringLiteral("bob"), token))),
             QStringLiteral("token_invalid"));
    QCOMPARE(codeOf(answerTo(
                 other, Protocol::tokenJoin(QStringLiteral("alice"), QStringLiteral("made-up")))),
             QStringLiteral("token_invalid"));

    // A password change answers a new token and revokes the old one.
    const QString fresh = QStringLiteral("a new password, longer");
    second.sendObject(Wire::Password { fresh, QStringLiteral("wrong old one") }.toJson());
    QCOMPARE(codeOf(second.waitFor(QStringLiteral("error"))), QStringLiteral("auth_failed"));
    second.sendObject(Wire::Password { fresh, AlicePassword }.toJson());
    const QJsonObject changed = second.waitFor(QStringLiteral("password"));
    const QString newToken = stringOf(changed, "token");
    QVERIFY(!newToken.isEmpty());
    QVERIFY(newToken != token);

    RawClient stale;
    QCOMPARE(codeOf(connectAndJoin(server->port(), stale,
                                   Protocol::tokenJoin(QStringLiteral("alice"), token))),
             QStringLiteral("token_invalid"));
    QCOMPARE(
        codeOf(answerTo(stale, Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword))),
        QStringLiteral("auth_failed"));
    QCOMPARE(
        stringOf(answerTo(stale, Protocol::tokenJoin(QStringLiteral("alice"), newToken)), "type"),
        QStringLiteral("welcome"));

    // `account passwd` revokes them too.
    QCOMPARE(account({ QStringLiteral("passwd"), QStringLiteral("alice") },
                     QStringLiteral("set by the operator")),
             0);
    RawClient afterPasswd;
    QCOMPARE(codeOf(connectAndJoin(server->port(), afterPasswd,
                                   Protocol::tokenJoin(QStringLiteral("alice"), newToken))),
             QStringLiteral("token_invalid"));
    QCOMPARE(stringOf(answerTo(afterPasswd,
                               Protocol::passwordJoin(QStringLiteral("alice"),
                                                      QStringLiteral("set by the operator"))),
                      "type"),
             QStringLiteral("welcome"));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::secondLoginReplacesTheFirst()
{
    auto server = startServer();
    QVERIFY(server);
    RawClient first;
    QCOMPARE(stringOf(connectAndJoin(
                          server->port(), first,
                          Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword, true)),
                      "type"),
             QStringLiteral("welcome"));
    RawClient second;
    QCOMPARE(
        stringOf(connectAndJoin(server->port(), second,
                                Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword)),
                 "type"),
        QStringLiteral("welcome"));
    QCOMPARE(codeOf(first.waitFor(QStringLiteral("error"))), QStringLiteral("replaced"));
    QVERIFY(first.waitForClosed());
    // The name is the new connection's: it chats on.
    QVERIFY(barrier(second));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::roomsComeBackAtTheNextLogin()
{
    auto server = startServer();
    QVERIFY(server);
    RawClient first;
    QCOMPARE(stringOf(connectAndJoin(
                          server->port(), first,
                          Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword, true)),
                      "type"),
             QStringLiteral("welcome"));
    for (const QString &room : { QStringLiteral("#dev"), QStringLiteral("#Ops") }) {
        first.sendObject(Protocol::enter(room));
        QCOMPARE(stringOf(first.waitFor(Wire::RoomState::Type), "room"), room);
    }
    first.sendObject(Wire::Leave { QStringLiteral("#ops") }.toJson());
    QVERIFY(barrier(first));
    // A guest's rooms are not kept: it has no account to keep them in.
    RawClient guest;
    QCOMPARE(stringOf(connectAndJoin(server->port(), guest,
                                     Protocol::richJoin(QStringLiteral("bob"), {}, 0, {})),
                      "type"),
             QStringLiteral("welcome"));
    guest.sendObject(Protocol::enter(QStringLiteral("#guests")));
    QVERIFY(guest.waitFor(Wire::RoomState::Type).size() > 0);
    first.socket().disconnectFromHost();
    guest.socket().disconnectFromHost();
    QVERIFY(first.waitForClosed());
    QCOMPARE(server->stop(), 0);

    // Across a restart, and by the password (a token login is a reconnect:
    // that client enters its rooms itself).
    server = startServer();
    QVERIFY(server);
    RawClient again;
    QCOMPARE(
        stringOf(connectAndJoin(server->port(), again,
                                Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword)),
                 "type"),
        QStringLiteral("welcome"));
    QList<QJsonObject> arrived;
    QVERIFY(barrier(again, &arrived));
    QStringList rooms;
    for (const QJsonObject &object : arrived) {
        if (stringOf(object, "type") == Wire::RoomState::Type)
            rooms.append(stringOf(object, "room"));
    }
    QCOMPARE(rooms, QStringList { QStringLiteral("#dev") });
    RawClient guestAgain;
    QCOMPARE(stringOf(connectAndJoin(server->port(), guestAgain,
                                     Protocol::richJoin(QStringLiteral("bob"), {}, 0, {})),
                      "type"),
             QStringLiteral("welcome"));
    arrived.clear();
    QVERIFY(barrier(guestAgain, &arrived));
    QVERIFY(std::none_of(arrived.cbegin(), arrived.cend(), [](const QJsonObject &object) {
        return stringOf(object, "type") == Wire::RoomState::Type;
    }));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::weakPasswordsAndWhoMayChangeOne()
{
    auto server = startServer({ QStringLiteral("--min-password-length"), QStringLiteral("10") });
    QVERIFY(server);
    RawClient client;
    QCOMPARE(codeOf(connectAndJoin(server->port(), client,
                                   Protocol::passwordJoin(QStringLiteral("alice"),
                                                          QStringLiteral("ninechars"), true))),
             QStringLiteral("weak_password"));
    QCOMPARE(codeOf(answerTo(client,
                             Protocol::passwordJoin(QStringLiteral("alice"),
                                                    QString(1025, QLatin1Char('x')), true))),
             QStringLiteral("weak_password"));
    // Ten code points, not bytes.
    QCOMPARE(
        stringOf(answerTo(client,
                          Protocol::passwordJoin(QStringLiteral("alice"),
                                                 QStringLiteral("\u00e9\u00e9\u00e9\u00e9\u00e9"
                                                                "\u00e9\u00e9\u00e9\u00e9\u00e9"),
                                                 true)),
                 "type"),
        QStringLiteral("welcome"));
    client.sendObject(Wire::Password { QStringLiteral("short"),
                                       QStringLiteral("\u00e9\u00e9\u00e9\u00e9\u00e9"
                                                      "\u00e9\u00e9\u00e9\u00e9\u00e9") }
                          .toJson());
    QCOMPARE(codeOf(client.waitFor(QStringLiteral("error"))), QStringLiteral("weak_password"));

    RawClient guest;
    QVERIFY(guest.joinAs(server->port(), QStringLiteral("Bob")));
    guest.sendObject(Wire::Password { QStringLiteral("long enough now"), {} }.toJson());
    QCOMPARE(codeOf(guest.waitFor(QStringLiteral("error"))), QStringLiteral("not_logged_in"));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::plainLoginsDeniedAndLoopbackAllowed()
{
    {
        auto server = startServer({ QStringLiteral("--plain-logins"), QStringLiteral("deny") });
        QVERIFY(server);
        RawClient client;
        const QJsonObject refused =
            connectAndJoin(server->port(), client,
                           Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword, true));
        QCOMPARE(codeOf(refused), QStringLiteral("insecure_login"));
        // Guests are not asked for a password, so they may.
        QCOMPARE(stringOf(answerTo(client, Protocol::richJoin(QStringLiteral("bob"), {}, 0, {})),
                          "type"),
                 QStringLiteral("welcome"));
        QCOMPARE(server->stop(), 0);
    }
    // By default (loopback) a password login from this host is fine; the
    // other tests all log in so.
    auto server = startServer();
    QVERIFY(server);
    RawClient client;
    QCOMPARE(stringOf(connectAndJoin(
                          server->port(), client,
                          Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword, true)),
                      "type"),
             QStringLiteral("welcome"));
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::plainLoginFromAnotherHostRefused()
{
    // A peer that is not loopback: this host's own non-loopback address.
    QHostAddress external;
    for (const QHostAddress &address : QNetworkInterface::allAddresses()) {
        if (!address.isLoopback() && address.protocol() == QAbstractSocket::IPv4Protocol) {
            external = address;
            break;
        }
    }
    if (external.isNull())
        QSKIP("this host has no address but loopback");
    auto server = startServer({ QStringLiteral("--host"), external.toString() });
    QVERIFY(server);
    QTcpSocket socket;
    socket.connectToHost(external, server->port());
    QVERIFY(socket.waitForConnected(5000));
    socket.write(
        Protocol::encode(Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword, true)));
    QByteArray answer;
    while (!answer.endsWith('\n') && socket.waitForReadyRead(5000))
        answer += socket.readAll();
    const QJsonObject refused = QJsonDocument::fromJson(answer).object();
    QCOMPARE(codeOf(refused), QStringLiteral("insecure_login"));
    socket.disconnectFromHost();
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::noAccountsWithoutADatabase()
{
    m_database = QStringLiteral("none");
    auto server = startServer();
    QVERIFY(server);
    RawClient client;
    QCOMPARE(codeOf(connectAndJoin(
                 server->port(), client,
                 Protocol::passwordJoin(QStringLiteral("alice"), AlicePassword, true))),
             QStringLiteral("accounts_unavailable"));
    QCOMPARE(
        stringOf(answerTo(client, Protocol::richJoin(QStringLiteral("alice"), {}, 0, {})), "type"),
        QStringLiteral("welcome"));
    QCOMPARE(account({ QStringLiteral("list") }), 1);
    QCOMPARE(server->stop(), 0);
}

void TestServerAccounts::secretsNeitherLoggedNorStoredInClear()
{
    auto server = startServer({ QStringLiteral("--trace") });
    QVERIFY(server);
    const QString first = QStringLiteral("first-Secret-4711");
    const QString second = QStringLiteral("second-Secret-0815");
    const QString third = QStringLiteral("third-Secret-2342");
    RawClient client;
    const QJsonObject welcome = connectAndJoin(
        server->port(), client, Protocol::passwordJoin(QStringLiteral("alice"), first, true));
    const QString token = stringOf(welcome, "token");
    QVERIFY(!token.isEmpty());
    client.sendObject(Wire::Password { second, first }.toJson());
    const QString newToken = stringOf(client.waitFor(QStringLiteral("password")), "token");
    QVERIFY(!newToken.isEmpty());
    RawClient wrong; // a failed login is logged, with its name
    QCOMPARE(codeOf(connectAndJoin(server->port(), wrong,
                                   Protocol::passwordJoin(QStringLiteral("alice"), third))),
             QStringLiteral("auth_failed"));
    RawClient byToken;
    QCOMPARE(stringOf(connectAndJoin(server->port(), byToken,
                                     Protocol::tokenJoin(QStringLiteral("alice"), newToken)),
                      "type"),
             QStringLiteral("welcome"));
    QCOMPARE(account({ QStringLiteral("passwd"), QStringLiteral("alice") }, third), 0);
    QCOMPARE(server->stop(), 0);

    const QString log = server->output();
    QVERIFY2(log.contains(QStringLiteral("join as alice refused: auth_failed")), qPrintable(log));
    QVERIFY(log.contains(QStringLiteral("\"password\":\"***\"")));
    for (const QString &secret : { first, second, third, token, newToken })
        QVERIFY2(!log.contains(secret), qPrintable(secret));

    // The database file and its log, byte for byte.
    QByteArray stored;
    for (const QString &suffix : { QString(), QStringLiteral("-wal") }) {
        QFile file(m_database.mid(7) + suffix);
        if (file.open(QIODevice::ReadOnly))
            stored += file.readAll();
    }
    QVERIFY(stored.contains("$argon2id$")); // the hashes are there...
    for (const QString &secret : { first, second, third, token, newToken })
        QVERIFY2(!stored.contains(secret.toUtf8()), qPrintable(secret)); // ...the secrets not
}

QTEST_GUILESS_MAIN(TestServerAccounts)
#include "tst_serveraccounts.moc"
