// SPDX-License-Identifier: MIT
// The PyNet Chat wire protocol: names of message types, fields and error codes,
// and the builders that turn a message into the bytes we put on the wire.
// docs/PROTOCOL.md describes every message with an example.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QString>

namespace Protocol {

// Version of the richer protocol. A client opts in by putting this number in the
// "protocol" field of its join; a join without it is treated as a seed client.
inline constexpr int Version = 1;

inline constexpr quint16 DefaultPort = 5050;
// TLS beside it, as IRC has 6697 beside 6667 (IANA lists nothing for either).
inline constexpr quint16 DefaultTlsPort = 5051;

// Limits that both sides must agree on.
inline constexpr int MaxNameLength = 32; // code points, after trimming
inline constexpr int DefaultMaxTextLength = 8000; // code points of one chat message
inline constexpr qsizetype DefaultMaxFrameBytes = 64 * 1024; // what a server accepts
inline constexpr qsizetype ClientMaxFrameBytes = 16 * 1024 * 1024; // a welcome carries history
inline constexpr int MaxRoomNameLength = 32; // code points after the '#'
inline constexpr qsizetype MaxPasswordBytes = 1024; // UTF-8; longer is weak_password

// The room every client is in after its join, and the only one a seed client knows.
inline constexpr QLatin1StringView DefaultRoom("#general");

namespace Type {
inline constexpr QLatin1StringView Join("join");
inline constexpr QLatin1StringView Chat("chat");
inline constexpr QLatin1StringView Private("private");
inline constexpr QLatin1StringView Users("users");
inline constexpr QLatin1StringView Ping("ping");
inline constexpr QLatin1StringView Pong("pong");
inline constexpr QLatin1StringView Message("message");
inline constexpr QLatin1StringView Welcome("welcome");
inline constexpr QLatin1StringView Presence("presence");
inline constexpr QLatin1StringView Notice("notice");
inline constexpr QLatin1StringView Error("error");
inline constexpr QLatin1StringView Enter("enter");
inline constexpr QLatin1StringView Leave("leave");
inline constexpr QLatin1StringView Rooms("rooms");
inline constexpr QLatin1StringView Room("room");
inline constexpr QLatin1StringView Topic("topic");
inline constexpr QLatin1StringView History("history");
inline constexpr QLatin1StringView Password("password");
inline constexpr QLatin1StringView Moderate("moderate");
inline constexpr QLatin1StringView Moderation("moderation");
inline constexpr QLatin1StringView Conversation("conversation");
} // namespace Type

namespace Field {
inline constexpr QLatin1StringView Type("type");
inline constexpr QLatin1StringView Data("data");
inline constexpr QLatin1StringView From("from");
inline constexpr QLatin1StringView To("to");
inline constexpr QLatin1StringView Id("id");
inline constexpr QLatin1StringView Time("time");
inline constexpr QLatin1StringView Action("action");
inline constexpr QLatin1StringView Protocol("protocol");
inline constexpr QLatin1StringView Client("client");
inline constexpr QLatin1StringView Since("since");
inline constexpr QLatin1StringView Resume("resume");
inline constexpr QLatin1StringView Session("session");
inline constexpr QLatin1StringView Run("run");
inline constexpr QLatin1StringView Server("server");
inline constexpr QLatin1StringView Version("version");
inline constexpr QLatin1StringView Name("name");
inline constexpr QLatin1StringView Users("users");
inline constexpr QLatin1StringView UserCount("userCount");
inline constexpr QLatin1StringView History("history");
inline constexpr QLatin1StringView Missed("missed");
inline constexpr QLatin1StringView Event("event");
inline constexpr QLatin1StringView Code("code");
inline constexpr QLatin1StringView Room("room");
inline constexpr QLatin1StringView Rooms("rooms");
inline constexpr QLatin1StringView Topic("topic");
inline constexpr QLatin1StringView By("by");
inline constexpr QLatin1StringView Before("before");
inline constexpr QLatin1StringView Limit("limit");
inline constexpr QLatin1StringView More("more");
inline constexpr QLatin1StringView Password("password");
inline constexpr QLatin1StringView Register("register");
inline constexpr QLatin1StringView Token("token");
inline constexpr QLatin1StringView Account("account");
inline constexpr QLatin1StringView Old("old");
inline constexpr QLatin1StringView Target("target");
inline constexpr QLatin1StringView Reason("reason");
inline constexpr QLatin1StringView Owner("owner");
inline constexpr QLatin1StringView Operators("operators");
inline constexpr QLatin1StringView InviteOnly("inviteOnly");
inline constexpr QLatin1StringView TopicLocked("topicLocked");
inline constexpr QLatin1StringView Admin("admin");
inline constexpr QLatin1StringView With("with");
inline constexpr QLatin1StringView PrivateId("privateId");
inline constexpr QLatin1StringView Echo("echo");
} // namespace Field

// The "action" of a moderate message (docs/PROTOCOL.md, "Moderation").
namespace Moderation {
inline constexpr QLatin1StringView Kick("kick");
inline constexpr QLatin1StringView Ban("ban");
inline constexpr QLatin1StringView Unban("unban");
inline constexpr QLatin1StringView Mute("mute");
inline constexpr QLatin1StringView Unmute("unmute");
inline constexpr QLatin1StringView Op("op");
inline constexpr QLatin1StringView Deop("deop");
inline constexpr QLatin1StringView Invite("invite");
inline constexpr QLatin1StringView LockTopic("lock_topic");
inline constexpr QLatin1StringView UnlockTopic("unlock_topic");
inline constexpr QLatin1StringView InviteOnly("invite_only");
inline constexpr QLatin1StringView Open("open");
// Every action, and whether it names a target.
bool isAction(const QString &action);
bool takesTarget(const QString &action);
} // namespace Moderation

// Machine-readable "code" of an error or notice; "data" always carries the text for people.
namespace Code {
inline constexpr QLatin1StringView BadJson("bad_json");
inline constexpr QLatin1StringView BadUtf8("bad_utf8");
inline constexpr QLatin1StringView NotObject("not_object");
inline constexpr QLatin1StringView BadField("bad_field");
inline constexpr QLatin1StringView UnknownType("unknown_type");
inline constexpr QLatin1StringView FrameTooLarge("frame_too_large");
inline constexpr QLatin1StringView NestingTooDeep("nesting_too_deep");
inline constexpr QLatin1StringView NotJoined("not_joined");
inline constexpr QLatin1StringView AlreadyJoined("already_joined");
inline constexpr QLatin1StringView InvalidName("invalid_name");
inline constexpr QLatin1StringView NameTaken("name_taken");
inline constexpr QLatin1StringView InvalidText("invalid_text");
inline constexpr QLatin1StringView NoSuchUser("no_such_user");
inline constexpr QLatin1StringView RateLimited("rate_limited");
inline constexpr QLatin1StringView ServerFull("server_full");
inline constexpr QLatin1StringView JoinTimeout("join_timeout");
inline constexpr QLatin1StringView IdleTimeout("idle_timeout");
inline constexpr QLatin1StringView Replaced("replaced");
inline constexpr QLatin1StringView Shutdown("shutdown");
inline constexpr QLatin1StringView InvalidRoom("invalid_room");
inline constexpr QLatin1StringView NotInRoom("not_in_room");
inline constexpr QLatin1StringView TooManyRooms("too_many_rooms");
inline constexpr QLatin1StringView StorageFailed("storage_failed");
// Accounts: see docs/PROTOCOL.md, "Accounts".
inline constexpr QLatin1StringView AuthFailed("auth_failed");
inline constexpr QLatin1StringView TokenInvalid("token_invalid");
inline constexpr QLatin1StringView NameRegistered("name_registered");
inline constexpr QLatin1StringView RegistrationClosed("registration_closed");
inline constexpr QLatin1StringView GuestsDenied("guests_denied");
inline constexpr QLatin1StringView InsecureLogin("insecure_login");
inline constexpr QLatin1StringView LoginThrottled("login_throttled");
inline constexpr QLatin1StringView WeakPassword("weak_password");
inline constexpr QLatin1StringView AccountsUnavailable("accounts_unavailable");
inline constexpr QLatin1StringView NotLoggedIn("not_logged_in");
// Moderation: see docs/PROTOCOL.md, "Moderation".
inline constexpr QLatin1StringView NotOperator("not_operator");
inline constexpr QLatin1StringView Banned("banned");
inline constexpr QLatin1StringView InviteOnly("invite_only");
inline constexpr QLatin1StringView Muted("muted");
inline constexpr QLatin1StringView TopicLocked("topic_locked");
inline constexpr QLatin1StringView TooManyRules("too_many_rules");
} // namespace Code

namespace Event {
inline constexpr QLatin1StringView Joined("join");
inline constexpr QLatin1StringView Left("leave");
} // namespace Event

// One compact JSON object followed by '\n': the only way we write a message.
QByteArray encode(const QJsonObject &message);

// The current time as the protocol writes it: ISO 8601, UTC, milliseconds.
QString timestampNow();

// Shorthands for the message types of wire.h, for tools and tests that write
// raw objects. Each returns the object; pass it to encode().
QJsonObject join(const QString &name); // exactly the seed's join
// since and run: the last room message id seen and the server run it belongs to
// (ids start again at 1 when a server restarts, so an id alone is ambiguous).
QJsonObject richJoin(const QString &name, const QString &clientName, qint64 since,
                     const QString &resumeToken, const QString &run = {});
// A rich join that logs in to an account: with the password (registering the
// name first when asked to and it is free), or with a token of an earlier welcome.
QJsonObject passwordJoin(const QString &name, const QString &password, bool registerName = false);
QJsonObject tokenJoin(const QString &name, const QString &token);
QJsonObject chat(const QString &text, bool action = false);
QJsonObject roomChat(const QString &room, const QString &text);
QJsonObject enter(const QString &room, qint64 since = 0);
QJsonObject privateMessage(const QString &to, const QString &text);
QJsonObject usersRequest();
QJsonObject ping(qint64 id);
QJsonObject pong(qint64 id);
QJsonObject error(QLatin1StringView code, const QString &text);
QJsonObject notice(const QString &text, QLatin1StringView code = {});

} // namespace Protocol
