// SPDX-License-Identifier: MIT
// One HTTP/1.1 exchange with an upstream login API, over TLS (system trust store plus the
// profile's ca_file; certificate and host name verified; SNI; TLS 1.2 at least) or plain TCP
// (to loopback addresses only, unless the profile allows otherwise). `transport` is the seam
// tests replace with a scripted fake.
#pragma once

#include "sys/async.hpp"
#include "sys/clock.hpp"
#include "secrets/secret.hpp"
#include "sys/error.hpp"
#include "upstream/endpoint.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/verb.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tokend::agent {

struct http_request {
    boost::beast::http::verb method = boost::beast::http::verb::post;
    std::string target; // absolute path, with query if any
    std::vector<std::pair<std::string, std::string>> headers; // never secret
    secret authorization; // the Authorization header's value, when the call carries credentials
    secret_string body;
    std::string content_type; // empty: no body and no Content-Type
};

struct http_response {
    unsigned status = 0;
    secret_string body;
    std::string retry_after; // the Retry-After header, verbatim
    wall_time received{};    // when it arrived, by the caller's clock: an HTTP-date Retry-After counts from it
};

struct http_outcome {
    std::optional<agent_error> error; // none when a response arrived (whatever its status)
    http_response response;
};

class transport {
public:
    virtual ~transport() = default;
    // Sends `req` to `to` and reads the answer, all within `timeout`. Network and TLS failures
    // come back as `error` values (never thrown); bodies above 1 MiB are refused. With
    // `to.loopback_only`, addresses that are not loopback are never connected to.
    virtual awaitable<http_outcome> exchange(const endpoint& to, const http_request& req, duration timeout) = 0;
};

class tls_contexts;

class https_transport final : public transport {
public:
    explicit https_transport(tls_contexts& tls) : tls_(tls) {}
    awaitable<http_outcome> exchange(const endpoint& to, const http_request& req, duration timeout) override;

private:
    tls_contexts& tls_;
};

} // namespace tokend::agent
