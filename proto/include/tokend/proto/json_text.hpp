// SPDX-License-Identifier: MIT
// Small helpers for writing JSON text by hand on the hot path, and for parsing JSON that holds
// secrets without leaving copies behind (the wipe itself is wipe.hpp).
#pragma once

#include <boost/json/memory_resource.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace tokend::proto {

// Appends s as a quoted JSON string, escaping what RFC 8259 requires. `String` is any
// std::basic_string<char, ...>, so secret buffers with wiping allocators work too.
template <class String>
void append_json_string(String& out, std::string_view s)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0; // start of the current stretch that needs no escaping
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        out.push_back('\\');
        switch (c) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '\n': out.push_back('n'); break;
        case '\r': out.push_back('r'); break;
        case '\t': out.push_back('t'); break;
        default:
            out.append("u00");
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xf]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

// Zeroes `bytes` of the native stack below the caller's frame. Boost.JSON unescapes strings
// into a buffer on the stack, so a parse of text with a secret calls this afterwards, from
// where it called the parser, to leave no unescaped copy in the dead part of the stack.
void scrub_stack(std::size_t bytes = 16 * 1024) noexcept;

// Heap for parsed JSON that may hold secrets: every block is wiped before it is freed.
class wiping_memory_resource final : public boost::json::memory_resource {
    void* do_allocate(std::size_t n, std::size_t align) override;
    void do_deallocate(void* p, std::size_t n, std::size_t align) override;
    bool do_is_equal(const memory_resource& other) const noexcept override { return this == &other; }
};

} // namespace tokend::proto
