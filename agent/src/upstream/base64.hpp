// SPDX-License-Identifier: MIT
// Base64 (RFC 4648 §4) for HTTP Basic credentials, and base64url (§5) for JWT segments.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tokend::agent {

// Appends the padded standard encoding of `in` to `out`.
template <class String>
void base64_encode(std::string_view in, String& out);

// Decodes base64url, with or without trailing '=' padding. It also takes the standard
// alphabet's '+' and '/' (a JWT's claims are read leniently: a token the issuer encoded that
// way still has an expiry); nullopt on any other character, a '=' before the end, or a length
// no encoding has. Bits left over after the last whole byte are ignored.
std::optional<std::string> base64url_decode(std::string_view in);

namespace detail {
inline constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

template <class String>
void base64_encode(std::string_view in, String& out)
{
    const auto* a = detail::base64_alphabet;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8)
                     | static_cast<unsigned char>(in[i + 2]);
        out.push_back(a[v >> 18]);
        out.push_back(a[(v >> 12) & 63]);
        out.push_back(a[(v >> 6) & 63]);
        out.push_back(a[v & 63]);
    }
    if (std::size_t rest = in.size() - i) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (rest == 2)
            v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out.push_back(a[v >> 18]);
        out.push_back(a[(v >> 12) & 63]);
        out.push_back(rest == 2 ? a[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
}

} // namespace tokend::agent
