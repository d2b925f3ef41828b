// SPDX-License-Identifier: MIT
#include "output.hpp"

#include "report.hpp"

#include <tokend/proto/wipe.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace tok::cli {
namespace {

struct utf8_char {
    std::size_t length = 0; // 0: not a valid UTF-8 sequence
    std::uint32_t code_point = 0;
};

// The UTF-8 sequence starting at s[i] (s[i] >= 0x80); rejects overlong forms, surrogates and
// code points past U+10FFFF, as RFC 3629 does.
utf8_char decode_utf8(std::string_view s, std::size_t i)
{
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char lead = byte(i);
    std::size_t len = 0;
    if (lead >= 0xC2 && lead <= 0xDF)
        len = 2;
    else if (lead >= 0xE0 && lead <= 0xEF)
        len = 3;
    else if (lead >= 0xF0 && lead <= 0xF4)
        len = 4;
    if (len == 0 || i + len > s.size())
        return {};
    std::uint32_t cp = lead & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < len; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80)
            return {};
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return {};
    return {len, cp};
}

bool is_control(std::uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

void append_escape(std::string& out, const char* format, unsigned value)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, format, value);
    out += buf;
}

} // namespace

std::string printable(std::string_view text, bool keep_newlines)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        utf8_char u = c < 0x80 ? utf8_char{1, c} : decode_utf8(text, i);
        if (u.length == 0) {
            append_escape(out, "\\x%02x", c);
            ++i;
            continue;
        }
        if (is_control(u.code_point) && !(keep_newlines && c == '\n'))
            append_escape(out, "\\u%04x", u.code_point);
        else
            out.append(text, i, u.length);
        i += u.length;
    }
    return out;
}

bool is_plain_text(std::string_view text)
{
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        utf8_char u = c < 0x80 ? utf8_char{1, c} : decode_utf8(text, i);
        if (u.length == 0 || (is_control(u.code_point) && c != '\n' && c != '\t'))
            return false;
        i += u.length;
    }
    return true;
}

bool write_all(int fd, std::string_view text)
{
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

int print(std::string_view text)
{
    if (write_all(STDOUT_FILENO, printable(text, true)))
        return exit_ok;
    return report(exit_error, std::string("writing to stdout: ") + std::strerror(errno));
}

int print_secret(std::string& text)
{
    int rc = exit_ok;
    if (!is_plain_text(text))
        rc = report(exit_error, "the agent's answer holds control characters; not printing it");
    else if (!write_all(STDOUT_FILENO, text))
        rc = report(exit_error, std::string("writing to stdout: ") + std::strerror(errno));
    tokend::proto::secure_wipe(text);
    return rc;
}

} // namespace tok::cli
