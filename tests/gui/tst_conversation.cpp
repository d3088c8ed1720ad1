// SPDX-License-Identifier: MIT
#include "conversation.h"
#include "conversationview.h"
#include "namecolor.h"

#include <QElapsedTimer>
#include <QPalette>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>
#include <QTextCursor>
#include <QToolButton>

using Kind = Conversation::Kind;

static Conversation::Entry message(const QString &sender, const QString &text, bool own = false)
{
    Conversation::Entry entry;
    entry.kind = Kind::Message;
    entry.time = QDateTime::currentDateTime();
    entry.sender = sender;
    entry.text = text;
    entry.own = own;
    return entry;
}

// The character format at the first occurrence of text in the view.
static QTextCharFormat formatOf(ConversationView &view, const QString &text)
{
    QTextCursor cursor = view.document()->find(text);
    if (cursor.isNull())
        return {};
    cursor.setPosition(cursor.selectionStart() + 1);
    return cursor.charFormat();
}

class TestConversation : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void markupIsShownLiterally();
    void linksAreFound_data();
    void linksAreFound();
    void linksBecomeAnchors();
    void clickingALinkActivatesIt();
    void mentions_data();
    void mentions();
    void unreadCountsOnlyWhatOthersWrote();
    void privateAndMentionsHighlight();
    void dayChangeGetsASeparator();
    void namesKeepTheirColour();
    void scrollbackIsBounded();
    void unsentLinesStayLast();
    void followsNewLinesUnlessScrolledUp();
    void newPaletteRecoloursTheText();
};

void TestConversation::markupIsShownLiterally()
{
    Conversation conversation;
    ConversationView view(&conversation);
    conversation.append(message(QStringLiteral("Bob"),
                                QStringLiteral("<b>x</b> &amp; <a href=\"http://evil\">y</a>")));
    const QString shown = view.toPlainText();
    QVERIFY2(shown.contains(QStringLiteral("<b>x</b> &amp; <a href=\"http://evil\">y</a>")),
             qPrintable(shown));
    QCOMPARE(formatOf(view, QStringLiteral("x</b>")).fontWeight(), int(QFont::Normal));
    QVERIFY(!formatOf(view, QStringLiteral("y</a>")).isAnchor());
}

void TestConversation::linksAreFound_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("links");
    QTest::newRow("plain") << QStringLiteral("see https://example.org/a?b=1 now")
                           << QStringList { QStringLiteral("https://example.org/a?b=1") };
    QTest::newRow("sentence end") << QStringLiteral("read http://x.org/page.")
                                  << QStringList { QStringLiteral("http://x.org/page") };
    QTest::newRow("in parentheses") << QStringLiteral("(see https://x.org/a)")
                                    << QStringList { QStringLiteral("https://x.org/a") };
    QTest::newRow("wikipedia") << QStringLiteral("https://en.wikipedia.org/wiki/Qt_(software)!")
                               << QStringList { QStringLiteral(
                                      "https://en.wikipedia.org/wiki/Qt_(software)") };
    QTest::newRow("www") << QStringLiteral("www.qt.io, then")
                         << QStringList { QStringLiteral("www.qt.io") };
    QTest::newRow("two") << QStringLiteral("a http://a.org b https://b.org")
                         << QStringList { QStringLiteral("http://a.org"),
                                          QStringLiteral("https://b.org") };
    QTest::newRow("not a scheme we open")
        << QStringLiteral("javascript:alert(1) file:///etc/passwd") << QStringList();
    QTest::newRow("no host") << QStringLiteral("http:// nothing") << QStringList();
}

void TestConversation::linksAreFound()
{
    QFETCH(QString, text);
    QFETCH(QStringList, links);
    QStringList found;
    for (const auto &[start, length] : ConversationView::findLinks(text))
        found.append(text.mid(start, length));
    QCOMPARE(found, links);
}

void TestConversation::linksBecomeAnchors()
{
    Conversation conversation;
    ConversationView view(&conversation);
    conversation.append(
        message(QStringLiteral("Carol"), QStringLiteral("release: www.example.org/r and more")));
    const QTextCharFormat link = formatOf(view, QStringLiteral("www.example.org/r"));
    QVERIFY(link.isAnchor());
    QCOMPARE(link.anchorHref(), QStringLiteral("http://www.example.org/r"));
    QVERIFY(!formatOf(view, QStringLiteral("and more")).isAnchor());
}

void TestConversation::clickingALinkActivatesIt()
{
    Conversation conversation;
    ConversationView view(&conversation);
    view.resize(600, 200);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    conversation.append(
        message(QStringLiteral("Carol"), QStringLiteral("see https://qt.io/x now")));
    QSignalSpy activated(&view, &ConversationView::linkActivated);

    QTextCursor text = view.document()->find(QStringLiteral("now"));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.cursorRect(text).center());
    QCOMPARE(activated.size(), 0);

    QTextCursor link = view.document()->find(QStringLiteral("qt.io/x"));
    link.setPosition(link.selectionStart() + 2);
    const QPoint onLink = view.cursorRect(link).center();
    QCOMPARE(view.anchorAt(onLink), QStringLiteral("https://qt.io/x"));
    QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, onLink);
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated.at(0).at(0).toUrl(), QUrl(QStringLiteral("https://qt.io/x")));
}

void TestConversation::mentions_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("mentioned");
    QTest::newRow("start") << QStringLiteral("alice: lunch?") << QStringLiteral("Alice") << true;
    QTest::newRow("end") << QStringLiteral("thanks ALICE") << QStringLiteral("Alice") << true;
    QTest::newRow("punctuation") << QStringLiteral("@Alice!") << QStringLiteral("Alice") << true;
    QTest::newRow("inside a word")
        << QStringLiteral("malice aforethought") << QStringLiteral("Alice") << false;
    QTest::newRow("prefix of a word")
        << QStringLiteral("Alicelike") << QStringLiteral("Alice") << false;
    QTest::newRow("second occurrence")
        << QStringLiteral("malice, Alice") << QStringLiteral("Alice") << true;
    QTest::newRow("name with space")
        << QStringLiteral("hi Ann Lee.") << QStringLiteral("Ann Lee") << true;
    QTest::newRow("accented") << QStringLiteral("Zoë's turn") << QStringLiteral("Zoë") << true;
    QTest::newRow("empty name") << QStringLiteral("anything") << QString() << false;
}

void TestConversation::mentions()
{
    QFETCH(QString, text);
    QFETCH(QString, name);
    QFETCH(bool, mentioned);
    QCOMPARE(Conversation::mentions(text, name), mentioned);
}

void TestConversation::unreadCountsOnlyWhatOthersWrote()
{
    Conversation conversation;
    QSignalSpy changed(&conversation, &Conversation::unreadChanged);
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("one")));
    conversation.append(message(QStringLiteral("Me"), QStringLiteral("mine"), true));
    conversation.appendNotice(QStringLiteral("Carol joined the chat."));
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("old history")), false);
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("two")));
    QCOMPARE(conversation.unreadCount(), 2);
    QVERIFY(!conversation.hasUnreadHighlight());

    conversation.setActive(true);
    QCOMPARE(conversation.unreadCount(), 0);
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("seen at once")));
    QCOMPARE(conversation.unreadCount(), 0);
    QCOMPARE(changed.size(), 3);
}

void TestConversation::privateAndMentionsHighlight()
{
    Conversation room;
    Conversation::Entry mention = message(QStringLiteral("Bob"), QStringLiteral("Me, look"));
    mention.mention = true;
    room.append(message(QStringLiteral("Bob"), QStringLiteral("plain")));
    QVERIFY(!room.hasUnreadHighlight());
    room.append(mention);
    QVERIFY(room.hasUnreadHighlight());

    Conversation withBob(QStringLiteral("Bob"));
    QVERIFY(withBob.isPrivate());
    withBob.append(message(QStringLiteral("Bob"), QStringLiteral("psst")));
    QVERIFY(withBob.hasUnreadHighlight());
    withBob.setActive(true);
    QVERIFY(!withBob.hasUnreadHighlight());
}

void TestConversation::dayChangeGetsASeparator()
{
    Conversation conversation;
    ConversationView view(&conversation);
    Conversation::Entry yesterday = message(QStringLiteral("Bob"), QStringLiteral("late"));
    yesterday.time = QDateTime::currentDateTime().addDays(-1);
    conversation.append(yesterday);
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("early")));
    QCOMPARE(conversation.entries().size(), 3);
    QCOMPARE(conversation.entries().at(1).kind, Kind::DayChange);
    QVERIFY(
        view.toPlainText().contains(QLocale().toString(QDate::currentDate(), QLocale::LongFormat)));
    QCOMPARE(view.document()->blockCount(), 3);
}

void TestConversation::namesKeepTheirColour()
{
    const QPalette light(Qt::black, Qt::white, Qt::white, Qt::black, Qt::gray, Qt::black,
                         Qt::white);
    QCOMPARE(NameColor::forName(QStringLiteral("Bob"), light),
             NameColor::forName(QStringLiteral("BOB"), light));
    QCOMPARE(NameColor::forName(QStringLiteral("Bob"), light),
             NameColor::forName(QStringLiteral("Bob"), light));
    // Not all the same colour: eight names give at least four hues.
    QSet<QRgb> colours;
    for (const char *name : { "Ann", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi" })
        colours.insert(NameColor::forName(QString::fromLatin1(name), light).rgb());
    QVERIFY(colours.size() >= 4);
    // Readable: dark names on light paper.
    QVERIFY(NameColor::forName(QStringLiteral("Bob"), light).lightness() < 128);
}

// A line typed while connecting shows at once, but the history the join brings
// and anything else said before it goes out comes before it, as on the server.
void TestConversation::unsentLinesStayLast()
{
    Conversation conversation;
    ConversationView view(&conversation);
    Conversation::Entry typed = message(QStringLiteral("Zed"), QStringLiteral("typed early"), true);
    typed.pending = true;
    typed.sendId = 7;
    conversation.append(typed);
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("said before")));
    conversation.appendNotice(QStringLiteral("Connected."));

    QStringList order;
    for (const Conversation::Entry &entry : conversation.entries())
        order.append(entry.text);
    QCOMPARE(order,
             (QStringList { QStringLiteral("said before"), QStringLiteral("Connected."),
                            QStringLiteral("typed early") }));
    QVERIFY(view.document()->find(QStringLiteral("said before")).position()
            < view.document()->find(QStringLiteral("typed early")).position());

    QVERIFY(conversation.confirmSent(7));
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("said after")));
    QCOMPARE(conversation.entries().constLast().text, QStringLiteral("said after"));
    QVERIFY(view.document()->find(QStringLiteral("typed early")).position()
            < view.document()->find(QStringLiteral("said after")).position());
}

void TestConversation::scrollbackIsBounded()
{
    Conversation conversation;
    QCOMPARE(conversation.scrollbackLimit(), Conversation::DefaultScrollbackLimit);
    ConversationView view(&conversation);
    view.resize(700, 500);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    const int lines = Conversation::DefaultScrollbackLimit + 2000;
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < lines; ++i) {
        conversation.append(message(i % 3 ? QStringLiteral("Bob") : QStringLiteral("Carol"),
                                    QStringLiteral("line %1 with a link https://example.org/%1 "
                                                   "and some words to wrap")
                                        .arg(i)));
        if (i % 500 == 0)
            QCoreApplication::processEvents(); // the view repaints as a user would see it
    }
    QCoreApplication::processEvents();
    const qint64 elapsed = timer.elapsed();
    qInfo("%d lines appended and shown in %lld ms", lines, elapsed);

    QCOMPARE(conversation.entries().size(), Conversation::DefaultScrollbackLimit);
    QCOMPARE(view.document()->blockCount(), Conversation::DefaultScrollbackLimit);
    QVERIFY(view.document()->firstBlock().text().contains(QStringLiteral("line 2000 ")));
    QVERIFY(
        view.document()->lastBlock().text().contains(QStringLiteral("line %1 ").arg(lines - 1)));
    QVERIFY(view.isAtBottom());
    // Generous for a debug build on a busy machine; a view that re-lays out
    // everything per line takes minutes.
    QVERIFY2(elapsed < 20000, qPrintable(QStringLiteral("%1 ms").arg(elapsed)));

    // What a user feels: one more line arriving in a full view, painted.
    qint64 slowest = 0;
    qint64 slowestAppend = 0;
    for (int i = 0; i < 100; ++i) {
        timer.restart();
        conversation.append(message(QStringLiteral("Dave"), QStringLiteral("live %1").arg(i)));
        slowestAppend = qMax(slowestAppend, timer.nsecsElapsed());
        view.viewport()->repaint();
        slowest = qMax(slowest, timer.nsecsElapsed());
    }
    qInfo("one line into a full view: slowest of 100 appends %.2f ms, with the repaint %.2f ms",
          slowestAppend / 1e6, slowest / 1e6);
    QVERIFY(view.document()->lastBlock().text().endsWith(QStringLiteral("live 99")));
    QVERIFY2(slowest < 100 * 1000 * 1000, "a frame at 10 fps would stutter");

    timer.restart();
    view.resize(500, 400);
    QCoreApplication::processEvents();
    view.verticalScrollBar()->setValue(0);
    QCoreApplication::processEvents();
    qInfo("resize and jump to the top of %d lines: %lld ms", Conversation::DefaultScrollbackLimit,
          timer.elapsed());

    // A theme switch redoes every line's colours.
    QPalette dark = view.palette();
    dark.setColor(QPalette::Base, QColor(0x20, 0x20, 0x20));
    dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
    timer.restart();
    view.setPalette(dark);
    QCoreApplication::processEvents();
    qInfo("palette change over %d lines: %lld ms", Conversation::DefaultScrollbackLimit,
          timer.elapsed());
    QCOMPARE(view.document()->blockCount(), Conversation::DefaultScrollbackLimit);
}

void TestConversation::followsNewLinesUnlessScrolledUp()
{
    Conversation conversation;
    ConversationView view(&conversation);
    view.resize(400, 200);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    for (int i = 0; i < 200; ++i)
        conversation.append(message(QStringLiteral("Bob"), QStringLiteral("line %1").arg(i)));
    QCoreApplication::processEvents();
    QScrollBar *bar = view.verticalScrollBar();
    QVERIFY(bar->maximum() > 0);
    QVERIFY(view.isAtBottom());

    QVERIFY(!view.jumpButton()->isVisible());
    bar->setValue(10); // the user scrolls up to read
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("new")));
    conversation.appendNotice(QStringLiteral("Carol joined the chat."));
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("newer")));
    QCoreApplication::processEvents();
    QCOMPARE(bar->value(), 10);
    // ...and is told that something arrived below.
    QVERIFY(view.jumpButton()->isVisible());
    QCOMPARE(view.newLinesBelow(), 2);
    QVERIFY(view.jumpButton()->text().contains(QStringLiteral("2 new")));

    QTest::mouseClick(view.jumpButton(), Qt::LeftButton);
    QVERIFY(view.isAtBottom());
    QVERIFY(!view.jumpButton()->isVisible());
    QCOMPARE(view.newLinesBelow(), 0);
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("newest")));
    QCoreApplication::processEvents();
    QVERIFY(view.isAtBottom());
    QVERIFY(!view.jumpButton()->isVisible());
}

void TestConversation::newPaletteRecoloursTheText()
{
    Conversation conversation;
    ConversationView view(&conversation);
    conversation.append(message(QStringLiteral("Bob"), QStringLiteral("hello")));
    QPalette light = view.palette();
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, Qt::black);
    view.setPalette(light);
    const QColor onLight = formatOf(view, QStringLiteral("hello")).foreground().color();
    const QColor nameOnLight = formatOf(view, QStringLiteral("Bob")).foreground().color();

    QPalette dark = light;
    dark.setColor(QPalette::Base, QColor(0x20, 0x20, 0x20));
    dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
    view.setPalette(dark);
    const QColor onDark = formatOf(view, QStringLiteral("hello")).foreground().color();
    const QColor nameOnDark = formatOf(view, QStringLiteral("Bob")).foreground().color();

    QCOMPARE(onLight, QColor(Qt::black));
    QCOMPARE(onDark, QColor(0xee, 0xee, 0xee));
    QVERIFY(nameOnLight.lightness() < 128);
    QVERIFY(nameOnDark.lightness() > 128);
    QVERIFY(view.toPlainText().contains(QStringLiteral("hello")));
}

QTEST_MAIN(TestConversation)
#include "tst_conversation.moc"
