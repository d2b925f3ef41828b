// SPDX-License-Identifier: MIT
// The protected API surface under /_api/ that the HTTP proxy's tests and benchmark call
// through tokend: who issued the credentials, which endpoint a path names, the bytes query
// and the JSON bodies. Pure logic; api_session.* does the streaming I/O. See README.md.
#pragma once

#include "api_log.hpp"
#include "faults.hpp"
#include "http_util.hpp"
#include "kinds.hpp"
#include "parsed.hpp"
#include "state.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mockbill {

inline constexpr std::string_view api_prefix = "/_api/";
// Upload and download sizes the surface accepts (2^40 bytes); other bodies keep 1 MiB.
inline constexpr std::uint64_t api_body_limit = std::uint64_t(1) << 40;

bool is_api_target(std::string_view target);

// Who issued the credentials of an /_api/ request: an access token of any API as
// "Bearer T", or a NovaBilling tenant key (with or without "Bearer "), shown as "static".
struct api_credentials {
    token_check check;
    std::optional<api_id> api;  // the issuing API, for ok and expired
    std::string_view token_api; // "killb", ... or "static"; "" when unknown
};
api_credentials check_api_credentials(const state& st, const request_head& head);

enum class api_endpoint { echo, bytes, upload, small, unknown };
api_endpoint api_endpoint_of(std::string_view path);
bool method_allowed(api_endpoint endpoint, http::verb method);

// Everything decided before the body is read: credentials, counters, and a queued fault
// (endpoint class "resource", matched on the token's API).
struct api_decision {
    api_credentials creds;
    api_endpoint endpoint = api_endpoint::unknown;
    counters* count = nullptr;
    std::optional<fault> injected;
    std::chrono::milliseconds delay{0};
};
api_decision decide_api(state& st, const request_head& head);
// Counts how the request ended: requests_ok, expired_requests or invalid_requests.
void count_api_outcome(const api_decision& d, unsigned status);

// GET /_api/bytes?n=N&seed=S[&chunked=1]
struct bytes_request {
    std::uint64_t n = 0;
    std::uint64_t seed = 0;
    bool chunked = false;
};
parsed<bytes_request> parse_bytes_query(std::string_view target);

struct body_digest {
    std::uint64_t bytes = 0;
    std::string sha256; // lowercase hex
};

// The answer to a request whose body has been read, for every endpoint but a successful
// bytes download (which streams; see api_session.cpp).
response api_answer(const api_decision& d, const request_head& head, const body_digest& body);

} // namespace mockbill
