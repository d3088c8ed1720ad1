// SPDX-License-Identifier: MIT
#include "displaytext.h"

#include <QTest>

class TestDisplayText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void neutralized_data();
    void neutralized();
};

void TestDisplayText::neutralized_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("keepNewlines");
    QTest::addColumn<QString>("shown");

    const QString replacement = QStringLiteral("\ufffd");
    const QString family = QStringLiteral("\U0001F468\u200d\U0001F469\u200d\U0001F467");

    QTest::newRow("plain") << QStringLiteral("Hello World!") << false
                           << QStringLiteral("Hello World!");
    QTest::newRow("CJK, accents, combining marks")
        << QStringLiteral("\u4f60\u597d caf\u00e9 Zoe\u0308") << false
        << QStringLiteral("\u4f60\u597d caf\u00e9 Zoe\u0308");
    QTest::newRow("emoji") << QStringLiteral("\U0001F600\U0001F44D\U0001F3FD") << false
                           << QStringLiteral("\U0001F600\U0001F44D\U0001F3FD");
    QTest::newRow("ZWJ family kept") << family << false << family;
    QTest::newRow("ZWNJ kept") << QStringLiteral("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")
                               << false
                               << QStringLiteral(
                                      "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645");
    // Subdivision flags are a black flag followed by invisible tag characters.
    QTest::newRow("flag of England kept")
        << QStringLiteral("\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F!")
        << false
        << QStringLiteral(
               "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F!");
    QTest::newRow("tags hidden in text") << QStringLiteral("hi\U000E0041\U000E0042") << false
                                         << QStringLiteral("hi") + replacement + replacement;
    QTest::newRow("tags after a finished flag")
        << QStringLiteral("\U0001F3F4\U000E0067\U000E007F\U000E0041") << false
        << QStringLiteral("\U0001F3F4\U000E0067\U000E007F") + replacement;
    QTest::newRow("colour escape") << QStringLiteral("\u001b[31mred\u001b[0m") << false
                                   << QStringLiteral("\u241b[31mred\u241b[0m");
    QTest::newRow("clear screen") << QStringLiteral("\u001b[2J\u001b[H") << false
                                  << QStringLiteral("\u241b[2J\u241b[H");
    QTest::newRow("OSC title with BEL") << QStringLiteral("\u001b]0;pwned\u0007") << false
                                        << QStringLiteral("\u241b]0;pwned\u2407");
    QTest::newRow("C1 CSI U+009B")
        << QStringLiteral("\u009b31mred") << false << replacement + QStringLiteral("31mred");
    QTest::newRow("C1 NEL U+0085") << QStringLiteral("a\u0085b") << false
                                   << QStringLiteral("a") + replacement + QStringLiteral("b");
    QTest::newRow("NUL and DEL") << QStringLiteral("a") + QChar(0) + QStringLiteral("b\u007f")
                                 << false << QStringLiteral("a\u2400b\u2421");
    QTest::newRow("carriage return")
        << QStringLiteral("safe\rEVIL") << true << QStringLiteral("safe\u240dEVIL");
    QTest::newRow("bidi override RLO")
        << QStringLiteral("file\u202egnp.exe") << false
        << QStringLiteral("file") + replacement + QStringLiteral("gnp.exe");
    QTest::newRow("bidi embedding and pop") << QStringLiteral("\u202bx\u202c") << false
                                            << replacement + QStringLiteral("x") + replacement;
    QTest::newRow("bidi isolates") << QStringLiteral("\u2066a\u2067b\u2068c\u2069") << false
                                   << replacement + QStringLiteral("a") + replacement
            + QStringLiteral("b") + replacement + QStringLiteral("c") + replacement;
    QTest::newRow("marks LRM RLM")
        << QStringLiteral("a\u200eb\u200f") << false
        << QStringLiteral("a") + replacement + QStringLiteral("b") + replacement;
    QTest::newRow("zero-width space") << QStringLiteral("Ali\u200bce") << false
                                      << QStringLiteral("Ali") + replacement + QStringLiteral("ce");
    QTest::newRow("line separator") << QStringLiteral("a\u2028b") << true
                                    << QStringLiteral("a") + replacement + QStringLiteral("b");
    QTest::newRow("lone high surrogate")
        << QStringLiteral("ab") + QChar(0xd83d) << false << QStringLiteral("ab") + replacement;
    QTest::newRow("lone low surrogate")
        << QChar(0xde00) + QStringLiteral("ab") << false << replacement + QStringLiteral("ab");
    QTest::newRow("high surrogate before a letter") << QChar(0xd83d)
            + QStringLiteral("x\U0001F600") << false << replacement + QStringLiteral("x\U0001F600");
    QTest::newRow("newline, one line")
        << QStringLiteral("one\ntwo\tthree") << false << QStringLiteral("one\u240atwo\u2409three");
    QTest::newRow("newline, multi-line")
        << QStringLiteral("one\ntwo\tthree") << true << QStringLiteral("one\ntwo\tthree");
    QTest::newRow("ESC kept out of multi-line")
        << QStringLiteral("a\n\u001b[1Ab") << true << QStringLiteral("a\n\u241b[1Ab");
    QTest::newRow("empty") << QString() << false << QString();
}

void TestDisplayText::neutralized()
{
    QFETCH(QString, text);
    QFETCH(bool, keepNewlines);
    QFETCH(QString, shown);

    const QString result = DisplayText::neutralized(text, keepNewlines);
    QCOMPARE(result, shown);
    QCOMPARE(DisplayText::needsNeutralizing(text, keepNewlines), shown != text);
    // What is shown is safe to show again unchanged.
    QVERIFY(!DisplayText::needsNeutralizing(result, keepNewlines));
    QCOMPARE(DisplayText::neutralized(result, keepNewlines), result);
    QVERIFY(result.isValidUtf16());
    // Nothing a terminal or a bidi algorithm acts on is left.
    for (const QChar c : result) {
        QVERIFY(c.unicode() >= 0x20 || (keepNewlines && (c == u'\n' || c == u'\t')));
        QVERIFY(c.unicode() < 0x7f || c.unicode() > 0x9f);
        QVERIFY(c.unicode() < 0x202a || c.unicode() > 0x202e);
        QVERIFY(c.unicode() < 0x2066 || c.unicode() > 0x2069);
    }
}

QTEST_GUILESS_MAIN(TestDisplayText)
#include "tst_displaytext.moc"
