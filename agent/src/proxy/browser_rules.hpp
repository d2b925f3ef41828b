// SPDX-License-Identifier: MIT
// The proxy's browser rules: a web page in the user's own browser runs as the user's uid, so
// the peer check cannot stop it; these header rules do (DNS rebinding, CSRF). Pure: the caller
// passes the listener and the header values, and answers 403 with the reason when refused
// (docs/architecture.md, `proxy/`). A request is refused when
// - on TCP, `Host` is missing or is not one of the listener's own names: its address as a
//   literal (`127.0.0.1:PORT`, `[::1]:PORT`) or `localhost:PORT` (`localhost` in any case; a
//   port of 80 may be left out, as clients do for the default port). A name that a page's DNS
//   turned into a loopback address (`evil.example:PORT`) is exactly what this refuses;
// - it carries `Origin`, whatever its value (`null` included): only browsers send it;
// - it carries `Sec-Fetch-Site` with a value other than `none` or `same-origin`.
// On the Unix socket any `Host` (or none) is accepted: no browser can connect to a Unix socket,
// so no page can rebind a name onto it, and curl or a language's client sends what it likes
// there. `Origin` and `Sec-Fetch-Site` are still refused, in case something forwards a
// browser's request to it. The caller turns duplicated fields into a 400 before asking.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace tokend::agent {

struct proxy_listener {
    std::optional<boost::asio::ip::tcp::endpoint> tcp; // nullopt: the Unix-socket listener
};

struct browser_headers {
    std::optional<std::string_view> host;
    std::optional<std::string_view> origin;
    std::optional<std::string_view> sec_fetch_site;
};

struct browser_decision {
    bool allowed = false;
    std::string reason; // for the 403 message; names no header value the request chose
};

browser_decision check_browser_rules(const proxy_listener& listener, const browser_headers& headers);

} // namespace tokend::agent
