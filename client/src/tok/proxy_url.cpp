// SPDX-License-Identifier: MIT
#include "proxy_url.hpp"

namespace tok::cli {
namespace {

// A loopback literal with its port, as the agent reports it: digits, dots, hex, colons and
// the brackets of an IPv6 address. Anything else did not come from a tokend and would make a
// URL that means something else.
bool is_address(std::string_view a)
{
    if (a.empty())
        return false;
    for (char c : a)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':'
              || c == '[' || c == ']'))
            return false;
    return true;
}

} // namespace

proxy_url_result proxy_url(const std::vector<std::string>& listeners, std::string_view profile)
{
    constexpr std::string_view tcp = "tcp:";
    for (const std::string& l : listeners) {
        if (!std::string_view(l).starts_with(tcp))
            continue;
        std::string_view address = std::string_view(l).substr(tcp.size());
        if (!is_address(address))
            return {std::nullopt, "the agent lists a malformed proxy listener; is it a tokend?"};
        // Profile names are [A-Za-z0-9._-] (docs/configuration.md): nothing to escape.
        return {"http://" + std::string(address) + "/" + std::string(profile), {}};
    }
    return {std::nullopt, "the agent has no TCP proxy listener; add [proxy] listen = [\"127.0.0.1:8787\"] to the "
                          "config (docs/proxy.md)"};
}

} // namespace tok::cli
