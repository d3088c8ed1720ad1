// SPDX-License-Identifier: MIT
// One frame as the server or a client receives it: parseFrame, then reading it
// as a relayed chat message, decoding it as either side's wire types and
// redacting it. A frame is either refused with one of the documented codes or
// is an object with a string "type"; whatever we accept survives being written
// out with Protocol::encode and read back, and shows no secret once redacted.
#include "chatmessage.h"
#include "fuzzcheck.h"
#include "jsonframedecoder.h"
#include "protocol.h"
#include "redaction.h"
#include "validation.h"
#include "wire.h"

#include <QByteArrayView>
#include <QJsonDocument>

#include <cstdint>

namespace {

bool isDocumentedParseError(QLatin1StringView code)
{
    return code == Protocol::Code::BadUtf8 || code == Protocol::Code::BadJson
        || code == Protocol::Code::NotObject || code == Protocol::Code::BadField;
}

// Our own encoding of object must come back as one frame and the same object.
void checkRoundTrip(const QJsonObject &object)
{
    const QByteArray bytes = Protocol::encode(object);
    FUZZ_CHECK(bytes.endsWith('\n'));
    FUZZ_CHECK(bytes.count('\n') == 1); // one message, one line
    JsonFrameDecoder decoder(bytes.size() + 1, 1 << 20);
    decoder.append(bytes);
    QByteArray frame;
    FUZZ_CHECK(decoder.next(&frame) == JsonFrameDecoder::Result::Frame);
    FUZZ_CHECK(frame.size() == bytes.size() - 1);
    FUZZ_CHECK(decoder.next(&frame) == JsonFrameDecoder::Result::NeedMoreData);
    FUZZ_CHECK(decoder.bufferedBytes() == 0);
    const Validation::ParsedFrame again = Validation::parseFrame(bytes.chopped(1));
    FUZZ_CHECK(again.isValid());
    // Qt may rewrite a number on the first pass (1e400 becomes null); after that it is stable.
    FUZZ_CHECK(Protocol::encode(again.object) == bytes);
}

// What either side decodes: a message of the type named, or a reason; and
// what it decodes to writes a frame that decodes again to the same type.
template<typename Messages> void checkDecode(const QJsonObject &object)
{
    const auto decoded = Wire::decode<Messages>(object);
    FUZZ_CHECK(decoded.type == object.value(Protocol::Field::Type).toString());
    if (decoded.status == Wire::Decoded<Messages>::Status::BadField)
        FUZZ_CHECK(!decoded.reason.isEmpty());
    if (!decoded.isValid())
        return;
    std::visit(
        [&](const auto &message) {
            const QJsonObject written = message.toJson();
            checkRoundTrip(written);
            const auto again = Wire::decode<Messages>(written);
            FUZZ_CHECK(again.isValid());
            FUZZ_CHECK(again.message.index() == decoded.message.index());
        },
        decoded.message);
}

void checkChatMessage(const QJsonObject &object)
{
    ChatMessage message;
    QString reason;
    const bool ok = ChatMessage::fromJson(object, &message, &reason);
    FUZZ_CHECK(ok
               == (object.value(Protocol::Field::From).isString()
                   && object.value(Protocol::Field::Data).isString()));
    if (!ok) {
        FUZZ_CHECK(!reason.isEmpty());
        return;
    }
    FUZZ_CHECK(message.from == object.value(Protocol::Field::From).toString());
    FUZZ_CHECK(message.text == object.value(Protocol::Field::Data).toString());

    ChatMessage copy;
    FUZZ_CHECK(ChatMessage::fromJson(message.toJson(), &copy, &reason));
    FUZZ_CHECK(copy.from == message.from);
    FUZZ_CHECK(copy.text == message.text);
    FUZZ_CHECK(copy.to == message.to);
    FUZZ_CHECK(copy.action == message.action);
    FUZZ_CHECK(copy.id == (message.id > 0 ? message.id : 0));
    FUZZ_CHECK(copy.privateId == (message.privateId > 0 ? message.privateId : 0));
    const int year = message.time.date().year();
    if (message.time.isValid() && year >= 1 && year <= 9999)
        FUZZ_CHECK(copy.time == message.time);
    checkRoundTrip(message.toJson());
}

// Whatever a frame is, the secrets of an account message never survive Redaction.
void checkRedaction(const QByteArray &frame, const QJsonObject &object)
{
    const QString type = object.value(Protocol::Field::Type).toString();
    if (type != Protocol::Type::Join && type != Protocol::Type::Welcome
        && type != Protocol::Type::Password)
        return;
    const QJsonObject shown = QJsonDocument::fromJson(Redaction::redactFrame(frame)).object();
    for (const QLatin1StringView field :
         { Protocol::Field::Password, Protocol::Field::Old, Protocol::Field::Token }) {
        if (object.contains(field))
            FUZZ_CHECK(shown.value(field) == QJsonValue(Redaction::Mask));
    }
    if (type == Protocol::Type::Password && object.contains(Protocol::Field::Data))
        FUZZ_CHECK(shown.value(Protocol::Field::Data) == QJsonValue(Redaction::Mask));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray frame(reinterpret_cast<const char *>(data), qsizetype(size));
    const Validation::ParsedFrame parsed = Validation::parseFrame(frame);
    if (!parsed.isValid()) {
        FUZZ_CHECK(isDocumentedParseError(parsed.errorCode));
        FUZZ_CHECK(!parsed.errorText.isEmpty());
        FUZZ_CHECK((parsed.errorCode == Protocol::Code::BadUtf8)
                   == !QByteArrayView(frame).isValidUtf8());
        return 0;
    }
    FUZZ_CHECK(QByteArrayView(frame).isValidUtf8());
    FUZZ_CHECK(parsed.object.value(Protocol::Field::Type).isString());

    QString value;
    QString reason;
    for (const QLatin1StringView field :
         { Protocol::Field::Data, Protocol::Field::From, Protocol::Field::To }) {
        const bool ok = Validation::stringField(parsed.object, field, &value, &reason);
        FUZZ_CHECK(ok == parsed.object.value(field).isString());
        FUZZ_CHECK(ok || !reason.isEmpty());
    }

    checkRoundTrip(parsed.object);
    checkChatMessage(parsed.object);
    checkDecode<Wire::ToServer>(parsed.object);
    checkDecode<Wire::ToClient>(parsed.object);
    checkRedaction(frame, parsed.object);
    return 0;
}
