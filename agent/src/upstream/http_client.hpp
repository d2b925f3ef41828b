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

namespace boost::asio::ssl {
class context;
}

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

class https_transport final : public transport {
public:
    https_transport(); // loads the system trust store now, before any login
    ~https_transport() override;
    awaitable<http_outcome> exchange(const endpoint& to, const http_request& req, duration timeout) override;

private:
    // One TLS context per ca_file as read by one load or reload (config.hpp, ca_bundle), made
    // from its bytes in memory at the first connection that needs it: loading the system store
    // costs milliseconds, which 10,000 profiles sharing a ca_file must not pay each. A context
    // lives only as long as some profile's config holds its bundle, so what a reload removed
    // or re-read is never trusted again.
    boost::asio::ssl::context* context_for(const std::shared_ptr<const ca_bundle>& ca, std::optional<agent_error>& error);
    std::unique_ptr<boost::asio::ssl::context> system_store_;
    std::map<std::weak_ptr<const ca_bundle>, std::unique_ptr<boost::asio::ssl::context>, std::owner_less<>> with_ca_;
};

} // namespace tokend::agent
