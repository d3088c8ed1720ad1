// SPDX-License-Identifier: MIT
#include "wirescan.h"

#include <cstring>

namespace WireScan {

namespace {

bool readNumber(std::string_view text, size_t *position, uint64_t *value)
{
    size_t i = *position;
    uint64_t result = 0;
    const size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
        result = result * 10 + uint64_t(text[i++] - '0');
    if (i == start)
        return false;
    *value = result;
    *position = i;
    return true;
}

// Finds "key":" preceded by '{' or ',' in a line known to hold no nested values.
size_t findKey(std::string_view line, std::string_view key, char valueStart)
{
    char pattern[64];
    if (key.size() + 4 > sizeof pattern)
        return std::string_view::npos;
    size_t length = 0;
    pattern[length++] = '"';
    std::memcpy(pattern + length, key.data(), key.size());
    length += key.size();
    pattern[length++] = '"';
    pattern[length++] = ':';
    if (valueStart)
        pattern[length++] = valueStart;
    const char *begin = line.data();
    const char *end = begin + line.size();
    const char *at = begin;
    while (at < end) {
        const void *hit = memmem(at, size_t(end - at), pattern, length);
        if (!hit)
            return std::string_view::npos;
        const char *found = static_cast<const char *>(hit);
        if (found > begin && (found[-1] == '{' || found[-1] == ','))
            return size_t(found - begin) + length;
        at = found + 1;
    }
    return std::string_view::npos;
}

std::string_view stringAt(std::string_view line, size_t start)
{
    size_t end = start;
    while (end < line.size() && line[end] != '"') {
        if (line[end] == '\\')
            ++end;
        ++end;
    }
    return end <= line.size() ? line.substr(start, end - start) : std::string_view();
}

} // namespace

bool parseStamp(std::string_view text, Stamp *stamp)
{
    if (text.size() < 8 || text[0] != 'b' || text[1] != ' ')
        return false;
    size_t i = 2;
    uint64_t sender = 0;
    uint64_t sequence = 0;
    uint64_t sentNs = 0;
    if (!readNumber(text, &i, &sender) || i >= text.size() || text[i++] != ' ')
        return false;
    if (!readNumber(text, &i, &sequence) || i >= text.size() || text[i++] != ' ')
        return false;
    if (!readNumber(text, &i, &sentNs))
        return false;
    stamp->sender = uint32_t(sender);
    stamp->sequence = uint32_t(sequence);
    stamp->sentNs = int64_t(sentNs);
    return true;
}

std::string_view topLevelString(std::string_view line, std::string_view key)
{
    if (!std::memchr(line.data(), '[', line.size())) {
        const size_t start = findKey(line, key, '"');
        return start == std::string_view::npos ? std::string_view() : stringAt(line, start);
    }
    int depth = 0;
    bool expectKey = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"') {
            const std::string_view text = stringAt(line, i + 1);
            const size_t after = i + 1 + text.size() + 1;
            if (depth == 1 && expectKey) {
                expectKey = false;
                if (text == key && after + 1 < line.size() && line[after] == ':'
                    && line[after + 1] == '"') {
                    return stringAt(line, after + 2);
                }
            }
            i = after - 1;
        } else if (c == '{' || c == '[') {
            ++depth;
            expectKey = c == '{' && depth == 1;
        } else if (c == '}' || c == ']') {
            --depth;
        } else if (c == ',' && depth == 1) {
            expectKey = true;
        }
    }
    return {};
}

int64_t integerField(std::string_view line, std::string_view key, int64_t fallback)
{
    size_t start = findKey(line, key, '\0');
    if (start == std::string_view::npos)
        return fallback;
    const bool negative = start < line.size() && line[start] == '-';
    if (negative)
        ++start;
    uint64_t value = 0;
    if (!readNumber(line, &start, &value))
        return fallback;
    return negative ? -int64_t(value) : int64_t(value);
}

std::string_view stampedData(std::string_view line)
{
    const size_t start = findKey(line, "data", '"');
    if (start == std::string_view::npos || start + 2 > line.size() || line[start] != 'b'
        || line[start + 1] != ' ') {
        return {};
    }
    return stringAt(line, start);
}

IrcLine parseIrc(std::string_view line)
{
    IrcLine parsed;
    size_t i = 0;
    if (!line.empty() && line[0] == ':') {
        const size_t space = line.find(' ');
        if (space == std::string_view::npos)
            return parsed;
        const std::string_view prefix = line.substr(1, space - 1);
        parsed.nick = prefix.substr(0, prefix.find('!'));
        i = space + 1;
    }
    const size_t commandEnd = line.find(' ', i);
    parsed.command =
        line.substr(i, commandEnd == std::string_view::npos ? line.npos : commandEnd - i);
    if (commandEnd == std::string_view::npos)
        return parsed;
    const std::string_view rest = line.substr(commandEnd + 1);
    if (rest.empty())
        return parsed;
    const size_t trailing = rest[0] == ':' ? 0 : rest.find(" :");
    if (trailing == 0) {
        parsed.trailing = rest.substr(1);
        return parsed;
    }
    const std::string_view middle = rest.substr(0, trailing);
    parsed.firstParameter = middle.substr(0, middle.find(' '));
    if (trailing != std::string_view::npos)
        parsed.trailing = rest.substr(trailing + 2);
    return parsed;
}

} // namespace WireScan
