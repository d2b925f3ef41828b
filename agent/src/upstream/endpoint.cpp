// SPDX-License-Identifier: MIT
#include "upstream/endpoint.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace tokend::agent {
namespace {

agent_error bad_url(std::string detail)
{
    return {agent_errc::config, std::move(detail)};
}

bool all_digits(std::string_view s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

} // namespace

bool is_loopback_host(std::string_view host)
{
    if (host == "localhost" || host == "::1")
        return true;
    in_addr a{};
    std::string h(host);
    return inet_pton(AF_INET, h.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

boost::system::result<endpoint, agent_error> parse_endpoint(std::string_view url, bool allow_insecure_http)
{
    // Control characters are refused for every config string (config.cpp); a space is named
    // here because it is the likely mistake.
    if (url.find(' ') != url.npos)
        return bad_url("a URL has no spaces; percent-encode them as %20");
    endpoint e;
    if (url.starts_with("http://"))
        e.tls = false;
    else if (!url.starts_with("https://"))
        return bad_url("expected an http:// or https:// URL");
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        return bad_url("not a valid URL (RFC 3986): look for characters that need percent-encoding");
    const boost::urls::url_view& u = *parsed;
    if (u.has_query() || u.has_fragment())
        return bad_url("a base URL takes no query or fragment");
    if (u.has_userinfo())
        return bad_url("credentials do not belong in the URL; use the profile's secret keys");
    using boost::urls::host_type;
    // The host goes into DNS, SNI, certificate checks and the Host header as written: a
    // percent-encoded name would mean one thing to us and another to the server.
    std::string_view host = u.encoded_host_address();
    if (u.host_type() == host_type::ipvfuture || host.find('%') != host.npos)
        return bad_url("a host is a name or an IP address, without percent-encoding");
    if (host.empty())
        return bad_url("missing host");
    e.host = std::string(host);
    std::transform(e.host.begin(), e.host.end(), e.host.begin(), [](unsigned char c) { return std::tolower(c); });
    if (u.has_port()) {
        std::string_view port = u.port();
        if (port.empty())
            return bad_url("missing port after ':'");
        if (port.size() > 5 || !all_digits(port) || std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535)
            return bad_url("invalid port");
        e.port = std::string(port);
    } else {
        e.port = e.tls ? "443" : "80";
    }
    std::string_view path = u.encoded_path();
    // Boost.URL 1.81 reads "h:8x/" as port 8 and path "x/"; after an authority a path starts
    // with '/' (RFC 3986 §3.3), so only a port with more than digits gets here.
    if (!path.empty() && !path.starts_with('/'))
        return bad_url("invalid port");
    while (path.ends_with("/"))
        path.remove_suffix(1);
    e.path = std::string(path);
    if (!e.tls && !allow_insecure_http && !is_loopback_host(e.host))
        return bad_url("plain http:// is only allowed to loopback hosts; use https:// or set allow_insecure_http = true");
    // The name is only the first check: the addresses it resolves to are checked before
    // connecting (http_client.cpp), since /etc/hosts or a resolver may map "localhost" anywhere.
    e.loopback_only = !e.tls && !allow_insecure_http;
    return e;
}

std::string host_header(const endpoint& to)
{
    bool v6 = to.host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + to.host + "]" : to.host;
    bool default_port = to.port == (to.tls ? "443" : "80");
    return default_port ? h : h + ":" + to.port;
}

} // namespace tokend::agent
