// SPDX-License-Identifier: MIT
// Unsigned JWTs for tests: the agent reads claims without checking signatures.
#pragma once

#include "upstream/base64.hpp"

#include <string>

namespace tokend::agent::test {

inline std::string b64url(const std::string& s)
{
    std::string out;
    base64_encode(s, out);
    while (!out.empty() && out.back() == '=')
        out.pop_back();
    for (char& c : out)
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

inline std::string make_jwt(const std::string& payload)
{
    return b64url(R"({"alg":"RS256","kid":"k"})") + "." + b64url(payload) + ".sig";
}

} // namespace tokend::agent::test
