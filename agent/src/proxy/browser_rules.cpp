// SPDX-License-Identifier: MIT
#include "proxy/browser_rules.hpp"

#include <algorithm>
#include <cctype>

namespace tokend::agent {
namespace {

bool iequals(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// The listener's address as a Host names it: dotted IPv4, bracketed IPv6.
std::string address_literal(const boost::asio::ip::address& a)
{
    std::string out = a.to_string();
    if (a.is_v6()) {
        out.insert(out.begin(), '[');
        out.push_back(']');
    }
    return out;
}

// Host = name [":" port]; the name compared as the listener spells it (localhost: any case).
bool names_listener(std::string_view host, const boost::asio::ip::tcp::endpoint& listener)
{
    const std::string port = std::to_string(listener.port());
    std::string_view name = host;
    const auto colon = host.rfind(':');
    const bool has_port = colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos;
    if (has_port) {
        if (host.substr(colon + 1) != port)
            return false;
        name = host.substr(0, colon);
    } else if (listener.port() != 80) {
        return false;
    }
    if (name == address_literal(listener.address()))
        return true;
    return listener.address().is_loopback() && iequals(name, "localhost");
}

std::string expected_hosts(const boost::asio::ip::tcp::endpoint& listener)
{
    const std::string port = std::to_string(listener.port());
    std::string out = address_literal(listener.address());
    out.append(":").append(port);
    if (listener.address().is_loopback())
        out.append(" or localhost:").append(port);
    return out;
}

browser_decision refuse(std::string reason) { return {false, std::move(reason)}; }

} // namespace

browser_decision check_browser_rules(const proxy_listener& listener, const browser_headers& headers)
{
    if (listener.tcp) {
        if (!headers.host)
            return refuse("the request has no Host header; expected " + expected_hosts(*listener.tcp));
        if (!names_listener(*headers.host, *listener.tcp))
            return refuse("the Host header does not name this listener (expected " + expected_hosts(*listener.tcp)
                          + "): a page's DNS name is not served");
    }
    if (headers.origin)
        return refuse("the request carries an Origin header: browsers are not served");
    if (headers.sec_fetch_site && *headers.sec_fetch_site != "none" && *headers.sec_fetch_site != "same-origin")
        return refuse("Sec-Fetch-Site is neither none nor same-origin: browsers are not served");
    return {true, {}};
}

} // namespace tokend::agent
