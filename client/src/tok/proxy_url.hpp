// SPDX-License-Identifier: MIT
// `tok url`'s one rule, kept pure for tests: the proxy's base URL for a profile is built
// from the first TCP listener that hello lists (docs/proxy.md, "Finding the base URL").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tok::cli {

struct proxy_url_result {
    std::optional<std::string> url; // "http://ADDR/PROFILE"
    std::string error;              // when url is empty: one line, without the "tok: " prefix
};

// `listeners` are hello's "proxy" entries ("unix:/path", "tcp:127.0.0.1:8787",
// "tcp:[::1]:8787"), in the agent's listen order.
proxy_url_result proxy_url(const std::vector<std::string>& listeners, std::string_view profile);

} // namespace tok::cli
