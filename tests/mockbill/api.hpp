// SPDX-License-Identifier: MIT
// The contract between the router and the four mocked APIs: each API is a table of routes
// whose handlers turn a request into a response plus an outcome that drives the counters.
// Handlers are synchronous and run on the io_context thread.
#pragma once

#include "http_util.hpp"
#include "kinds.hpp"

#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>

#include <span>
#include <string_view>

namespace mockbill {

class state;

// How a handled request counts in /_mock/stats.
enum class outcome {
    ok,           // logins_ok / refreshes_ok / requests_ok
    rejected,     // login_rejected / refresh_rejected (bad credentials or format)
    reuse,        // refresh_rejected + refresh_reuse (a rotated-away refresh token)
    expired,      // expired_requests
    invalid,      // invalid_requests
    rate_limited, // rate_limited
};

struct handled {
    response res;
    outcome result;
};

using handler_fn = handled (*)(state&, const request&);
// Decides login vs refresh from the request when the path alone cannot (OAuth2's /token).
using classify_fn = endpoint_kind (*)(const request&);

struct route {
    http::verb method;
    std::string_view path;
    endpoint_kind kind;
    handler_fn handler;
    classify_fn classify = nullptr;
};

struct api_def {
    api_id id;
    std::span<const route> routes;
    // The API's own error body for an arbitrary status (used by "status" faults).
    boost::json::object (*error_body)(state&, const request&, unsigned status);
};

const api_def& aviate_api();
const api_def& killb_api();
const api_def& novabilling_api();
const api_def& oauth2_api();

} // namespace mockbill
