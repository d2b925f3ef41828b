// SPDX-License-Identifier: MIT
#include "upstream/url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace tokend::agent {

bool is_loopback_host(std::string_view host)
{
    if (host == "localhost" || host == "::1")
        return true;
    in_addr a{};
    std::string h(host);
    return inet_pton(AF_INET, h.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

boost::system::result<endpoint, std::string> parse_endpoint(std::string_view url, bool allow_insecure_http)
{
    endpoint e;
    // Control characters are refused for every config string (config.cpp); a space would
    // split the request line.
    if (url.find(' ') != url.npos)
        return std::string("a URL has no spaces; percent-encode them as %20");
    std::string_view rest;
    if (url.starts_with("https://")) {
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        e.tls = false;
        rest = url.substr(7);
    } else {
        return std::string("expected an http:// or https:// URL");
    }
    auto slash = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == rest.npos ? std::string_view() : rest.substr(slash);
    if (path.find_first_of("?#") != path.npos)
        return std::string("a base URL takes no query or fragment");
    if (authority.find('@') != authority.npos)
        return std::string("credentials do not belong in the URL; use the profile's secret keys");
    std::string_view port;
    if (authority.starts_with("[")) { // [v6]:port
        auto close = authority.find(']');
        if (close == authority.npos)
            return std::string("unterminated IPv6 address");
        e.host = std::string(authority.substr(1, close - 1));
        std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(":"))
            return std::string("unexpected text after the IPv6 address");
        port = after.empty() ? after : after.substr(1);
    } else {
        auto colon = authority.rfind(':');
        e.host = std::string(authority.substr(0, colon));
        port = colon == authority.npos ? std::string_view() : authority.substr(colon + 1);
    }
    if (e.host.empty())
        return std::string("missing host");
    std::transform(e.host.begin(), e.host.end(), e.host.begin(), [](unsigned char c) { return std::tolower(c); });
    if (port.empty() && (authority.ends_with(":")))
        return std::string("missing port after ':'");
    if (!port.empty()) {
        bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        if (!digits || std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535)
            return std::string("invalid port");
        e.port = std::string(port);
    } else {
        e.port = e.tls ? "443" : "80";
    }
    while (path.ends_with("/"))
        path.remove_suffix(1);
    e.path = std::string(path);
    if (!e.tls && !allow_insecure_http && !is_loopback_host(e.host))
        return std::string("plain http:// is only allowed to loopback hosts; use https:// or set allow_insecure_http = true");
    // The name is only the first check: the addresses it resolves to are checked before
    // connecting (http_client.cpp), since /etc/hosts or a resolver may map "localhost" anywhere.
    e.loopback_only = !e.tls && !allow_insecure_http;
    return e;
}

std::string to_string(const endpoint& e)
{
    bool v6 = e.host.find(':') != std::string::npos;
    std::string host = v6 ? "[" + e.host + "]" : e.host;
    return std::string(e.tls ? "https://" : "http://") + host + ":" + e.port + e.path;
}

} // namespace tokend::agent
