// SPDX-License-Identifier: MIT
#include "servercorpus.h"

#include "hostilecorpus.h"
#include "protocol.h"

using namespace Protocol;

namespace ServerCorpus {

QByteArray quoted(const QByteArray &inner)
{
    return '"' + inner + '"';
}

QByteArray message(const QByteArray &from, const QByteArray &data, const QByteArray &extra)
{
    return R"({"type":"message","id":1,"from":)" + from + R"(,"data":)" + data + extra + "}\n";
}

QList<ServerInput> inputs()
{
    QList<ServerInput> inputs;
    const auto add = [&inputs](const char *kind, const QByteArray &bytes, Expect expect,
                               bool welcomeFirst = true) {
        inputs.append({ kind, bytes, expect, welcomeFirst });
    };

    // Not JSON, not UTF-8, not an object, no type.
    for (const char *line :
         { "hello", "42", "true", "null", "\"str\"", "GET / HTTP/1.1", "}", "]]]", "'x'",
           "\x7f"
           "ELF" })
        add("malformed", QByteArray(line) + '\n', Expect::Error);
    add("malformed", QByteArray("\0\0\0\n", 4), Expect::Error);
    for (const QByteArray &attack : HostileCorpus::terminalAttacks())
        add("malformed", attack + '\n', Expect::Error);
    for (const QByteArray &sequence : HostileCorpus::invalidUtf8()) {
        add("malformed", message(quoted("Eve"), quoted("hi " + sequence)), Expect::Error);
        add("malformed", message(quoted("E" + sequence), quoted("hi")), Expect::Error);
    }
    for (const char *text : { "[]", "[1,2,3]", R"([{"type":"message","from":"x","data":"y"}])",
                              "{}", R"({"type":1})", R"({"type":null})", R"({"type":["message"]})",
                              R"({"data":"x"})", R"({"type":"message","data":"x","from":"a",})",
                              R"({"type":"message" "from":"a"})", R"({type:"message"})" })
        add("malformed", QByteArray(text) + '\n', Expect::Error);

    // A message whose fields have the wrong type.
    for (const QByteArray &value :
         { QByteArray("7"), QByteArray("null"), QByteArray("[]"), QByteArray("{}"),
           QByteArray("true"), QByteArray("[\"Eve\"]") }) {
        add("wrong types", message(value, quoted("hi")), Expect::Error);
        add("wrong types", message(quoted("Eve"), value), Expect::Error);
    }
    add("wrong types",
        R"({"type":"message","data":"no sender"})"
        "\n",
        Expect::Error);
    add("wrong types",
        R"({"type":"message","from":"Eve"})"
        "\n",
        Expect::Error);
    // Wrong types where the session has a safe default: no harm, nothing to show.
    for (
        const char *text :
        { R"({"type":"message","id":"x","time":5,"from":"Eve","data":"hi","to":[],"action":"yes"})",
          R"({"type":"presence","event":5,"name":[1]})", R"({"type":"presence"})",
          R"({"type":"users","users":[1,null,{"a":1},"Bob"]})", R"({"type":"users","users":3})",
          R"({"type":"error"})", R"({"type":"error","code":5,"data":[]})",
          R"({"type":"notice","data":{"x":1}})", R"({"type":"ping","id":{"x":1}})",
          R"({"type":"ping","id":1e400})", R"({"type":"welcome","protocol":"x","users":7})" })
        add("wrong types", QByteArray(text) + '\n', Expect::Shown);

    // Legal messages with hostile content, in every field a front end shows.
    QList<QByteArray> attacks;
    for (const char32_t c : HostileCorpus::controlCharacters())
        attacks.append(HostileCorpus::jsonEscape(c));
    for (const char32_t c : HostileCorpus::invisibleFormatting())
        attacks.append(HostileCorpus::jsonEscape(c));
    for (const QByteArray &attack : HostileCorpus::terminalAttacks()) {
        QByteArray escaped;
        for (const char c : attack)
            escaped += HostileCorpus::jsonEscape(char32_t(uchar(c)));
        attacks.append(escaped);
    }
    attacks.append("\\ud800");
    attacks.append("\\udfff\\ud83d");
    for (const QByteArray &attack : attacks) {
        add("hostile text", message(quoted("Eve" + attack), quoted("hi " + attack + " there")),
            Expect::Shown);
        add("hostile text",
            message(quoted("Eve"), quoted(attack), R"(,"to":")" + attack + R"(","action":true)"),
            Expect::Shown);
    }
    for (const QByteArray &attack : attacks.mid(0, 40)) {
        add("hostile text",
            R"({"type":"presence","event":"join","name":")" + attack + R"(x","data":")" + attack
                + "\"}\n",
            Expect::Shown);
        add("hostile text", R"({"type":"notice","data":")" + attack + "\"}\n", Expect::Shown);
        add("hostile text",
            R"({"type":"error","code":")" + attack + R"(","data":")" + attack + "\"}\n",
            Expect::Shown);
        add("hostile text", R"({"type":"users","users":["Alice",")" + attack + "\"]}\n",
            Expect::Shown);
    }
    add("hostile welcome",
        R"({"type":"welcome","protocol":1,"server":"\u001b[2J\u001b]0;x\u0007","version":"\u202e1",)"
        R"("name":"Al\u0007ice\u009b","session":"\u0000","users":["\u001b[31mBob",5,null],)"
        R"("history":[{"type":"message","id":3,"from":"\u001b[31m","data":"\u009b2J\u202e"},7,"x",)"
        R"({"from":1}],"missed":"many"})"
        "\n",
        Expect::Shown, false);
    add("hostile welcome",
        R"({"type":"welcome","protocol":1,"name":"","users":{},"history":{"a":1}})"
        "\n",
        Expect::Shown, false);

    // Types no server of ours sends.
    for (const char *type : { "dance", "MESSAGE", "", "join", "chat", "\\u001b[2J" })
        add("unknown types",
            R"({"type":")" + QByteArray(type)
                + R"(","data":"x"})"
                  "\n",
            Expect::Shown);

    // Too deep or too large to trust the stream any further.
    for (const int depth : { 65, 200, 100000 }) {
        add("deep nesting", HostileCorpus::nested(depth, '['), Expect::Drop);
        add("deep nesting", HostileCorpus::nested(depth, '{'), Expect::Drop);
    }
    add("too large",
        R"({"type":"message","from":"x","data":")" + QByteArray(ClientMaxFrameBytes, 'x'),
        Expect::Drop);
    add("too large", QByteArray(ClientMaxFrameBytes + 1, 'g'), Expect::Drop);

    // The server goes away in the middle of a message.
    const QByteArray whole = message(quoted("Eve"), quoted("a whole message"));
    for (qsizetype length = 1; length < whole.size() - 1; length += 2)
        add("truncated", whole.left(length), Expect::Truncated);
    return inputs;
}

} // namespace ServerCorpus
