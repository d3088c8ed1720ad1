// SPDX-License-Identifier: MIT
// The stream decoder against any byte stream, cut into reads at points the
// fuzzer picks. Whatever the cuts, it must return the same frames as for the
// stream in one piece; every frame must be a balanced JSON text no longer than
// the cap; it must never hold more than the cap; and once failed it stays failed.
#include "fuzzcheck.h"
#include "jsonframedecoder.h"

#include <QByteArray>
#include <QList>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <vector>

using Result = JsonFrameDecoder::Result;

namespace {

struct Item
{
    Result result;
    QByteArray frame;
    bool operator==(const Item &other) const
    {
        return result == other.result && frame == other.frame;
    }
};

// Counted independently of the decoder: brackets outside strings, escapes inside.
bool isBalanced(const QByteArray &frame, int maxDepth)
{
    if (frame.isEmpty() || (frame.front() != '{' && frame.front() != '['))
        return false;
    int depth = 0;
    bool inString = false;
    for (qsizetype i = 0; i < frame.size(); ++i) {
        const char c = frame.at(i);
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > maxDepth)
                return false;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return i == frame.size() - 1; // closes exactly at the end
        }
    }
    return false;
}

bool isFailure(Result result)
{
    return result == Result::FrameTooLarge || result == Result::NestingTooDeep;
}

// Takes everything complete out of the decoder, checking each item.
void drain(JsonFrameDecoder &decoder, int maxDepth, QList<Item> *items)
{
    for (;;) {
        QByteArray frame;
        const Result result = decoder.next(&frame);
        switch (result) {
        case Result::NeedMoreData:
            FUZZ_CHECK(!decoder.hasFailed());
            FUZZ_CHECK(decoder.bufferedBytes() <= decoder.maxFrameBytes());
            return;
        case Result::Frame:
            FUZZ_CHECK(frame.size() <= decoder.maxFrameBytes());
            FUZZ_CHECK(isBalanced(frame, maxDepth));
            break;
        case Result::Garbage:
            FUZZ_CHECK(frame.size() <= decoder.maxFrameBytes());
            FUZZ_CHECK(!frame.contains('\n'));
            break;
        case Result::FrameTooLarge:
        case Result::NestingTooDeep:
            FUZZ_CHECK(decoder.hasFailed());
            break;
        }
        items->append({ result, frame });
        if (isFailure(result))
            return;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Limits and cut points come from the end of the input, the stream from the front.
    FuzzedDataProvider provider(data, size);
    const qsizetype maxFrameBytes = provider.ConsumeIntegralInRange<qsizetype>(1, 300);
    const int maxDepth = provider.ConsumeIntegralInRange<int>(1, 70);
    std::vector<QByteArray> pieces;
    QByteArray stream;
    while (provider.remaining_bytes() > 0) {
        const size_t length = provider.ConsumeIntegralInRange<size_t>(0, 80);
        const std::vector<char> bytes = provider.ConsumeBytes<char>(length);
        pieces.emplace_back(bytes.data(), qsizetype(bytes.size()));
        stream += pieces.back();
    }

    JsonFrameDecoder whole(maxFrameBytes, maxDepth);
    whole.append(stream);
    QList<Item> expected;
    drain(whole, maxDepth, &expected);

    JsonFrameDecoder cut(maxFrameBytes, maxDepth);
    QList<Item> items;
    for (const QByteArray &piece : pieces) {
        if (cut.hasFailed()) {
            const qsizetype held = cut.bufferedBytes();
            cut.append(piece);
            QByteArray frame;
            FUZZ_CHECK(cut.next(&frame) == items.back().result);
            FUZZ_CHECK(cut.bufferedBytes() == held);
            continue;
        }
        cut.append(piece);
        drain(cut, maxDepth, &items);
    }
    FUZZ_CHECK(items == expected);

    // Frames come out of the stream in order, byte for byte.
    qsizetype position = 0;
    for (const Item &item : std::as_const(items)) {
        if (item.result != Result::Frame)
            continue;
        const qsizetype found = stream.indexOf(item.frame, position);
        FUZZ_CHECK(found >= position);
        position = found + item.frame.size();
    }
    return 0;
}
