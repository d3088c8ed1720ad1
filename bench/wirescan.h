// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string_view>

// Just enough parsing of server output to measure it, fast enough to keep up
// with a million lines a second. The server writes compact JSON (no spaces
// between tokens), one object per line; IRC lines are RFC 1459.
namespace WireScan {

// What a measured chat text carries: "b <sender> <sequence> <monotonic ns> <padding>".
struct Stamp
{
    uint32_t sender = 0;
    uint32_t sequence = 0;
    int64_t sentNs = 0;
};

bool parseStamp(std::string_view text, Stamp *stamp);

// The string value of a key of the outermost object ("" if absent). Objects
// without arrays take a direct search; others are scanned so that a "type"
// inside welcome's history does not count.
std::string_view topLevelString(std::string_view line, std::string_view key);

// The integer value of a key of a flat object, or fallback.
int64_t integerField(std::string_view line, std::string_view key, int64_t fallback);

// The text after "data":" when it begins with the measured "b " stamp marker.
std::string_view stampedData(std::string_view line);

struct IrcLine
{
    std::string_view nick; // prefix up to '!', or the server name
    std::string_view command;
    std::string_view firstParameter;
    std::string_view trailing; // after " :"
};

IrcLine parseIrc(std::string_view line);

} // namespace WireScan
