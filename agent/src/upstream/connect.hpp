// SPDX-License-Identifier: MIT
// Opening a connection to an upstream endpoint, shared by the logins (http_client) and the
// proxy's pool: resolve within the deadline, keep only the addresses the endpoint allows
// (loopback for plain http, docs/configuration.md "Plain http"), connect, and for https a TLS
// handshake that verifies the certificate and the host name and sends SNI.
#pragma once

#include "sys/async.hpp"
#include "sys/clock.hpp"
#include "sys/error.hpp"
#include "upstream/endpoint.hpp"

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/result.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

typedef struct ssl_session_st SSL_SESSION;
typedef struct ssl_st SSL;

namespace tokend::agent {

using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
// Plain TCP (loopback http) or TLS over TCP.
using upstream_stream = std::variant<boost::beast::tcp_stream, tls_stream>;

boost::beast::tcp_stream& tcp_layer(upstream_stream& s);
// The TLS session of `s` (to resume on the next connection), or null for plain TCP. The
// caller owns the reference (SSL_SESSION_free).
SSL_SESSION* tls_session_of(upstream_stream& s);

// TLS client contexts: the system store, and one per ca_file as read by one load or reload
// (endpoint.hpp, ca_bundle), made from its bytes in memory at the first connection that needs
// it: loading the system store costs milliseconds, which 10,000 profiles sharing a ca_file must
// not pay each. A context lives only as long as some profile's config holds its bundle, so what
// a reload removed or re-read is never trusted again.
class tls_contexts {
public:
    tls_contexts(); // loads the system trust store now, before any login
    ~tls_contexts();
    boost::asio::ssl::context* for_endpoint(const std::shared_ptr<const ca_bundle>& ca, std::optional<agent_error>& error);

private:
    std::unique_ptr<boost::asio::ssl::context> system_store_;
    std::map<std::weak_ptr<const ca_bundle>, std::unique_ptr<boost::asio::ssl::context>, std::owner_less<>> with_ca_;
};

struct connect_options {
    std::chrono::steady_clock::time_point deadline;
    duration timeout; // for messages: "(timeout 10 s)"
    SSL_SESSION* resume = nullptr; // a TLS session to offer (not consumed)
};

awaitable<boost::system::result<upstream_stream, agent_error>> connect_upstream(const endpoint& to, tls_contexts& tls,
                                                                                connect_options opts);

// Says what failed in words a user can act on; TLS verification names the reason. A failure
// inside a TLS session is `tls` only while the handshake runs or a certificate was refused.
agent_error describe_failure(std::string_view step, const endpoint& to, const boost::system::error_code& ec,
                             duration timeout, SSL* tls = nullptr, bool handshake = false);

std::string seconds_text(duration d); // "10 s"

} // namespace tokend::agent
