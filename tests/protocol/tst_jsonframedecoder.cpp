// SPDX-License-Identifier: MIT
#include "jsonframedecoder.h"
#include "protocol.h"
#include "validation.h"

#include <QJsonDocument>
#include <QTest>

#include <algorithm>

using Result = JsonFrameDecoder::Result;

// Each decoded item is written as "frame:<bytes>" or "garbage:<bytes>" so a
// mismatch prints both lists readably.
static QByteArray frameItem(const QByteArray &bytes)
{
    return "frame:" + bytes;
}

static QByteArray garbageItem(const QByteArray &bytes)
{
    return "garbage:" + bytes;
}

// Takes every complete item out of the decoder; stops at NeedMoreData or a failure.
static Result drain(JsonFrameDecoder &decoder, QByteArrayList *items)
{
    for (;;) {
        QByteArray frame;
        const Result result = decoder.next(&frame);
        if (result == Result::Frame)
            items->append(frameItem(frame));
        else if (result == Result::Garbage)
            items->append(garbageItem(frame));
        else
            return result;
    }
}

// Messages as they travel: ours (compact, '\n'), and a Python seed peer's
// (json.dumps() with its ", " and ": " separators and \u escapes for non-ASCII).
static const QByteArray ourJoin = R"({"type":"join","data":"Alice","protocol":1})";
static const QByteArray seedJoin = R"({"type": "join", "data": "Zo\u00eb"})";
static const QByteArray seedEmoji =
    R"({"type": "chat", "data": "\ud83d\ude00 caf\u00e9 \u4f60\u597d \"q\" {x} [y] \\ end"})";
static const QByteArray rawUtf8 = "{\"type\":\"chat\",\"data\":\"\xf0\x9f\x98\x80 \xe4\xbd\xa0\xe5"
                                  "\xa5\xbd caf\xc3\xa9 \xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91"
                                  "\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\"}";
static const QByteArray tricky = R"({"type":"chat","data":"}{][ \"}\" \\\\\" C:\\ {\"type\":1}"})";
static const QByteArray endsInBackslash = R"({"type":"chat","data":"C:\\"})";
static const QByteArray welcome =
    R"({"type":"welcome","protocol":1,"name":"Alice","users":["Alice","Bob"],)"
    R"("history":[{"type":"message","id":1,"from":"Bob","data":"[hi]"},)"
    R"({"type":"message","id":2,"from":"Bob","data":"{}"}],"missed":0})";

static QByteArray longMessage()
{
    QString text;
    while (text.size() < 6000)
        text += QStringLiteral("Lorem {ipsum} \"dolor\" 你好世界 \U0001F600 \\ sit amet. ");
    return QJsonDocument(Protocol::chat(text)).toJson(QJsonDocument::Compact);
}

class TestJsonFrameDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void splitAtEveryByte_data();
    void splitAtEveryByte();
    void oneByteAtATime_data() { splitAtEveryByte_data(); }
    void oneByteAtATime();
    void receivedInPlace_data() { splitAtEveryByte_data(); }
    void receivedInPlace();
    void idleDecoderHoldsNoMemory();
    void framesAreTheMessagesSent();
    void longMessageAtEveryByte();
    void garbageDoesNotStopTheStream();
    void frameOfExactlyTheLimitIsAccepted();
    void frameOverTheLimitFailsAndStaysFailed_data();
    void frameOverTheLimitFailsAndStaysFailed();
    void nestingTooDeepFailsAndStaysFailed();
    void bracketsInStringsDoNotNest();
    void memoryStaysBoundedWhileAMessageGrows();
    void memoryStaysBoundedOverManyMessages();
};

void TestJsonFrameDecoder::splitAtEveryByte_data()
{
    QTest::addColumn<QByteArray>("stream");
    QTest::addColumn<QByteArrayList>("expected");

    QTest::newRow("ours, one line") << ourJoin + '\n' << QByteArrayList { frameItem(ourJoin) };
    QTest::newRow("seed join, no delimiter") << seedJoin << QByteArrayList { frameItem(seedJoin) };
    QTest::newRow("seed messages back to back")
        << seedJoin + seedEmoji + tricky
        << QByteArrayList { frameItem(seedJoin), frameItem(seedEmoji), frameItem(tricky) };
    QTest::newRow("newline delimited") << ourJoin + '\n' + rawUtf8 + '\n' + tricky
            + '\n' << QByteArrayList { frameItem(ourJoin), frameItem(rawUtf8), frameItem(tricky) };
    QTest::newRow("mixed, CRLF and blank lines")
        << seedJoin + ourJoin + "\r\n\r\n" + endsInBackslash + seedEmoji + "\n  \t" + welcome
        << QByteArrayList { frameItem(seedJoin), frameItem(ourJoin), frameItem(endsInBackslash),
                            frameItem(seedEmoji), frameItem(welcome) };
    QTest::newRow("raw UTF-8, emoji, ZWJ, CJK") << rawUtf8 << QByteArrayList { frameItem(rawUtf8) };
    QTest::newRow("string ends in a backslash")
        << endsInBackslash + endsInBackslash
        << QByteArrayList { frameItem(endsInBackslash), frameItem(endsInBackslash) };
    QTest::newRow("nested history") << welcome + '\n' << QByteArrayList { frameItem(welcome) };
    QTest::newRow("array at top level")
        << QByteArray("[1,[2,\"]\"],{}]") << QByteArrayList { frameItem("[1,[2,\"]\"],{}]") };
    QTest::newRow("garbage lines between messages")
        << "hello\n" + seedJoin + "42\n \"text\" \nnull\r\n}\n" + ourJoin + '\n'
        << QByteArrayList { garbageItem("hello"),    frameItem(seedJoin), garbageItem("42"),
                            garbageItem("\"text\""), garbageItem("null"), garbageItem("}"),
                            frameItem(ourJoin) };
}

void TestJsonFrameDecoder::splitAtEveryByte()
{
    QFETCH(QByteArray, stream);
    QFETCH(QByteArrayList, expected);

    for (qsizetype split = 0; split <= stream.size(); ++split) {
        JsonFrameDecoder decoder(Protocol::DefaultMaxFrameBytes);
        QByteArrayList items;
        decoder.append(QByteArrayView(stream).first(split));
        QCOMPARE(drain(decoder, &items), Result::NeedMoreData);
        decoder.append(QByteArrayView(stream).sliced(split));
        QCOMPARE(drain(decoder, &items), Result::NeedMoreData);
        if (items != expected)
            qWarning() << "split at byte" << split;
        QCOMPARE(items, expected);
        QCOMPARE(decoder.bufferedBytes(), 0);
    }
}

// The server receives straight into the decoder: each read is given more room
// than it fills, and failed or empty reads commit nothing.
void TestJsonFrameDecoder::receivedInPlace()
{
    QFETCH(QByteArray, stream);
    QFETCH(QByteArrayList, expected);

    const auto receive = [](JsonFrameDecoder &decoder, QByteArrayView bytes) {
        char *room = decoder.beginAppend(2048);
        std::copy(bytes.begin(), bytes.end(), room);
        decoder.commitAppend(bytes.size());
    };
    for (qsizetype split = 0; split <= stream.size(); ++split) {
        JsonFrameDecoder decoder(Protocol::DefaultMaxFrameBytes);
        QByteArrayList items;
        receive(decoder, QByteArrayView(stream).first(split));
        QCOMPARE(drain(decoder, &items), Result::NeedMoreData);
        decoder.beginAppend(2048);
        decoder.commitAppend(-1); // recv() failed: EAGAIN
        receive(decoder, QByteArrayView(stream).sliced(split));
        QCOMPARE(drain(decoder, &items), Result::NeedMoreData);
        if (items != expected)
            qWarning() << "split at byte" << split;
        QCOMPARE(items, expected);
        QCOMPARE(decoder.bufferedBytes(), 0);
    }
}

// A thread per client: the buffer of an idle connection must not linger.
void TestJsonFrameDecoder::idleDecoderHoldsNoMemory()
{
    JsonFrameDecoder decoder(Protocol::DefaultMaxFrameBytes);
    char *room = decoder.beginAppend(2048);
    const QByteArray line = ourJoin + '\n';
    std::copy(line.begin(), line.end(), room);
    decoder.commitAppend(line.size() - 10);
    QByteArray frame;
    QCOMPARE(decoder.next(&frame), Result::NeedMoreData);
    QVERIFY(decoder.bufferCapacity() >= 2048); // a message in progress keeps its room
    room = decoder.beginAppend(2048);
    std::copy(line.end() - 10, line.end(), room);
    decoder.commitAppend(10);
    QCOMPARE(decoder.next(&frame), Result::Frame);
    QCOMPARE(frame, ourJoin);
    QCOMPARE(decoder.next(&frame), Result::NeedMoreData);
    QCOMPARE(decoder.bufferCapacity(), 0);
    decoder.beginAppend(2048);
    decoder.commitAppend(0); // the peer closed
    QCOMPARE(decoder.bufferCapacity(), 0);
}

void TestJsonFrameDecoder::oneByteAtATime()
{
    QFETCH(QByteArray, stream);
    QFETCH(QByteArrayList, expected);

    JsonFrameDecoder decoder(Protocol::DefaultMaxFrameBytes);
    QByteArrayList items;
    for (const char c : stream) {
        decoder.append(QByteArrayView(&c, 1));
        QCOMPARE(drain(decoder, &items), Result::NeedMoreData);
    }
    QCOMPARE(items, expected);
}

// The frames are not only split right but carry what was sent, escapes decoded.
void TestJsonFrameDecoder::framesAreTheMessagesSent()
{
    JsonFrameDecoder decoder(Protocol::DefaultMaxFrameBytes);
    decoder.append(seedEmoji + rawUtf8 + tricky);
    QByteArray frame;

    QCOMPARE(decoder.next(&frame), Result::Frame);
    Validation::ParsedFrame parsed = Validation::parseFrame(frame);
    QVERIFY2(parsed.isValid(), qPrintable(parsed.errorText));
    QCOMPARE(parsed.object.value(u"data").toString(),
             QStringLiteral("\U0001F600 caf\u00e9 \u4f60\u597d \"q\" {x} [y] \\ end"));

    QCOMPARE(decoder.next(&frame), Result::Frame);
    parsed = Validation::parseFrame(frame);
    QVERIFY2(parsed.isValid(), qPrintable(parsed.errorText));
    QCOMPARE(parsed.object.value(u"data").toString(),
             QStringLiteral("\U0001F600 \u4f60\u597d caf\u00e9 "
                            "\U0001F468\u200D\U0001F469\u200D\U0001F467"));

    QCOMPARE(decoder.next(&frame), Result::Frame);
    parsed = Validation::parseFrame(frame);
    QVERIFY2(parsed.isValid(), qPrintable(parsed.errorText));
    QCOMPARE(parsed.object.value(u"data").toString(),
             QStringLiteral("}{][ \"}\" \\\\\" C:\\ {\"type\":1}"));

    QCOMPARE(decoder.next(&frame), Result::NeedMoreData);
}

void TestJsonFrameDecoder::longMessageAtEveryByte()
{
    const QByteArray message = longMessage();
    QVERIFY(message.size() > 5000);
    const QByteArray stream = message + message; // back to back, as a seed client would

    for (qsizetype split = 0; split <= stream.size(); split += 1) {
        JsonFrameDecoder decoder(Protocol::DefaultMaxFrameBytes);
        QByteArrayList items;
        decoder.append(QByteArrayView(stream).first(split));
        QCOMPARE(drain(decoder, &items), Result::NeedMoreData);
        decoder.append(QByteArrayView(stream).sliced(split));
        QCOMPARE(drain(decoder, &items), Result::NeedMoreData);
        QCOMPARE(items.size(), 2);
        QVERIFY(items.at(0) == frameItem(message));
        QVERIFY(items.at(1) == frameItem(message));
    }
    const Validation::ParsedFrame parsed = Validation::parseFrame(message);
    QVERIFY(parsed.isValid());
    QVERIFY(parsed.object.value(u"data").toString().size() >= 6000);
}

void TestJsonFrameDecoder::garbageDoesNotStopTheStream()
{
    JsonFrameDecoder decoder(1024);
    QByteArray frame;
    decoder.append("hello\n");
    QCOMPARE(decoder.next(&frame), Result::Garbage);
    QCOMPARE(frame, QByteArray("hello"));
    decoder.append("42\n");
    QCOMPARE(decoder.next(&frame), Result::Garbage);
    QCOMPARE(frame, QByteArray("42"));
    QVERIFY(!decoder.hasFailed());
    decoder.append(seedJoin);
    QCOMPARE(decoder.next(&frame), Result::Frame);
    QCOMPARE(frame, seedJoin);
    // A garbage line without its newline yet is held, not returned half-done.
    decoder.append("not json");
    QCOMPARE(decoder.next(&frame), Result::NeedMoreData);
    decoder.append(" at all\n");
    QCOMPARE(decoder.next(&frame), Result::Garbage);
    QCOMPARE(frame, QByteArray("not json at all"));
    QCOMPARE(decoder.bufferedBytes(), 0);
}

void TestJsonFrameDecoder::frameOfExactlyTheLimitIsAccepted()
{
    const QByteArray prefix = R"({"type":"chat","data":")";
    const QByteArray exact = prefix + QByteArray(100 - prefix.size() - 2, 'x') + "\"}";
    QCOMPARE(exact.size(), 100);
    JsonFrameDecoder decoder(100);
    decoder.append(exact + '\n' + exact);
    QByteArray frame;
    QCOMPARE(decoder.next(&frame), Result::Frame);
    QCOMPARE(frame, exact);
    QCOMPARE(decoder.next(&frame), Result::Frame);
    QCOMPARE(frame, exact);
    QVERIFY(!decoder.hasFailed());
}

void TestJsonFrameDecoder::frameOverTheLimitFailsAndStaysFailed_data()
{
    QTest::addColumn<QByteArray>("stream");
    const QByteArray prefix = R"({"type":"chat","data":")";
    QTest::newRow("one byte over, complete")
        << prefix + QByteArray(101 - prefix.size() - 2, 'x') + "\"}";
    QTest::newRow("never ends") << prefix + QByteArray(5000, 'x');
    QTest::newRow("garbage line never ends") << QByteArray(5000, 'x');
    QTest::newRow("after a good frame") << seedJoin + prefix + QByteArray(200, 'x') + "\"}";
}

void TestJsonFrameDecoder::frameOverTheLimitFailsAndStaysFailed()
{
    QFETCH(QByteArray, stream);
    JsonFrameDecoder decoder(100);
    decoder.append(stream);
    QByteArrayList items;
    QCOMPARE(drain(decoder, &items), Result::FrameTooLarge);
    QVERIFY(decoder.hasFailed());
    for (const QByteArray &item : std::as_const(items))
        QCOMPARE(item, frameItem(seedJoin));

    // Nothing after the failure is decoded: the stream cannot be resynchronised.
    decoder.append("\n" + seedJoin + '\n');
    QByteArray frame;
    QCOMPARE(decoder.next(&frame), Result::FrameTooLarge);
    QCOMPARE(decoder.next(&frame), Result::FrameTooLarge);
}

void TestJsonFrameDecoder::nestingTooDeepFailsAndStaysFailed()
{
    JsonFrameDecoder decoder(Protocol::DefaultMaxFrameBytes, 64);
    const QByteArray deepestAllowed = QByteArray(64, '[') + QByteArray(64, ']');
    decoder.append(deepestAllowed);
    QByteArray frame;
    QCOMPARE(decoder.next(&frame), Result::Frame);
    QCOMPARE(frame, deepestAllowed);

    decoder.append(R"({"type":"chat","data":)" + QByteArray(64, '[') + QByteArray(64, ']') + "}");
    QCOMPARE(decoder.next(&frame), Result::NestingTooDeep);
    QVERIFY(decoder.hasFailed());
    decoder.append("\n" + seedJoin);
    QCOMPARE(decoder.next(&frame), Result::NestingTooDeep);
}

void TestJsonFrameDecoder::bracketsInStringsDoNotNest()
{
    JsonFrameDecoder decoder(Protocol::DefaultMaxFrameBytes, 4);
    const QByteArray message =
        R"({"type":"chat","data":")" + QByteArray(500, '[') + QByteArray(500, '{') + "\"}";
    decoder.append(message);
    QByteArray frame;
    QCOMPARE(decoder.next(&frame), Result::Frame);
    QCOMPARE(frame, message);
}

void TestJsonFrameDecoder::memoryStaysBoundedWhileAMessageGrows()
{
    const qsizetype cap = 4096;
    const qsizetype chunk = 1000;
    JsonFrameDecoder decoder(cap);
    decoder.append(R"({"type":"chat","data":")");
    QByteArray frame;
    bool failed = false;
    for (int i = 0; i < 1000; ++i) {
        decoder.append(QByteArray(chunk, 'x'));
        const Result result = decoder.next(&frame);
        QVERIFY2(decoder.bufferedBytes() <= cap + chunk,
                 qPrintable(QString::number(decoder.bufferedBytes())));
        if (result == Result::FrameTooLarge)
            failed = true;
        else
            QCOMPARE(result, Result::NeedMoreData);
    }
    QVERIFY(failed);
}

void TestJsonFrameDecoder::memoryStaysBoundedOverManyMessages()
{
    JsonFrameDecoder decoder(Protocol::DefaultMaxFrameBytes);
    QByteArray stream;
    for (int i = 0; i < 2000; ++i)
        stream += (i % 2 ? seedEmoji : ourJoin + "\n\n   ");
    int frames = 0;
    qsizetype peak = 0;
    for (qsizetype offset = 0; offset < stream.size(); offset += 777) {
        decoder.append(
            QByteArrayView(stream).sliced(offset, qMin<qsizetype>(777, stream.size() - offset)));
        QByteArray frame;
        while (decoder.next(&frame) == Result::Frame)
            ++frames;
        peak = qMax(peak, decoder.bufferedBytes());
    }
    QCOMPARE(frames, 2000);
    QVERIFY2(peak < seedEmoji.size() + 777, qPrintable(QString::number(peak)));
    QCOMPARE(decoder.bufferedBytes(), 0);
}

QTEST_GUILESS_MAIN(TestJsonFrameDecoder)
#include "tst_jsonframedecoder.moc"
