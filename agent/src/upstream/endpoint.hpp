// SPDX-License-Identifier: MIT
// An upstream base URL, http(s)://host[:port][/path], checked at load time. Boost.URL does the
// RFC 3986 parsing; this file keeps only tokend's policy (docs/configuration.md, "Plain http"):
// http or https, a port from 1 to 65535, no credentials, query or fragment, and plain http only
// to loopback hosts unless the profile says allow_insecure_http (a password must not cross a
// network in clear text).
#pragma once

#include "sys/error.hpp"

#include <boost/system/result.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace tokend::agent {

// A ca_file as read at load or reload, never at a login (a FIFO there would stall the event
// loop): the transport trusts these certificates besides the system store.
struct ca_bundle {
    std::string path;
    std::string pem;
};

struct endpoint {
    bool tls = true;
    // Plain http:// without allow_insecure_http: connect only to loopback addresses, whatever
    // the host name resolves to (docs/configuration.md, "Plain http").
    bool loopback_only = false;
    std::string host; // lower case; an IPv6 address without brackets
    std::string port;
    std::string path; // percent-encoded as written, without a trailing '/'
    std::shared_ptr<const ca_bundle> ca; // extra trust anchor; null for the system store only
    // Compares the ca_file by path: a reload that re-reads a changed file keeps the profile
    // (and its token) and the next connection trusts the new contents.
    bool operator==(const endpoint& o) const
    {
        return tls == o.tls && loopback_only == o.loopback_only && host == o.host && port == o.port && path == o.path
               && (ca ? ca->path : std::string()) == (o.ca ? o.ca->path : std::string());
    }
};

// Errors are agent_errc::config, their detail saying what is wrong with the URL.
boost::system::result<endpoint, agent_error> parse_endpoint(std::string_view url, bool allow_insecure_http);

bool is_loopback_host(std::string_view host);

// The Host header for requests to `to`: host[:port], the port only when not the scheme's.
std::string host_header(const endpoint& to);

} // namespace tokend::agent
