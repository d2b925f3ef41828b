// SPDX-License-Identifier: MIT
// The proxy's header rules as pure functions (docs/proxy.md, "Mapping" and "Headers"): which
// profile a request names and where it goes, and the heads written to the API and back to the
// client. Hop-by-hop headers never cross; the profile's headers replace the client's.
#pragma once

#include "secrets/secret.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tokend::agent::proxy {

// "/P/a/b?q" -> {P, "/a/b?q"}; "/P" -> {P, ""}; "/P?q" -> {P, "?q"}. Origin-form only: nullopt
// for "*", an absolute URL or an empty profile segment.
struct target_parts {
    std::string_view profile;
    std::string_view rest;
};
std::optional<target_parts> split_target(std::string_view target);

// The API's target: the api_url's path followed by `rest`, "/" when both are empty.
std::string upstream_target(std::string_view api_path, std::string_view rest);

// How a body travels on one hop.
struct framing {
    enum kind { none, length, chunked } how = none;
    std::uint64_t bytes = 0; // for `length`
};

// Whether a header must not cross the proxy: hop-by-hop by definition (RFC 9110 7.6.1) or
// named by this message's Connection header. Framing (Content-Length, Transfer-Encoding) is
// rewritten by the proxy itself, so it never crosses either.
class hop_filter {
public:
    explicit hop_filter(const boost::beast::http::fields& message);
    bool drops(std::string_view name) const;

private:
    std::vector<std::string> named_; // lower case
};

struct request_head_input {
    std::string_view method;
    std::string_view target; // upstream_target()
    std::string_view host;   // the API's Host header
    const boost::beast::http::fields& client;
    std::string_view profile_headers;                 // "Name: value\r\n" lines, with the token
    const std::vector<std::string>& profile_header_names;
    framing body;
};
// The request head for the API, into locked memory: it carries the profile's token.
void write_request_head(secret_string& out, const request_head_input& in);

struct response_head_input {
    unsigned status;
    std::string_view reason;
    const boost::beast::http::fields& upstream;
    framing body;
    bool keep_alive; // else "Connection: close"
    bool retried;    // X-Tokend-Retried: 1
};
void write_response_head(std::string& out, const response_head_input& in);

} // namespace tokend::agent::proxy
