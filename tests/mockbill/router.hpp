// SPDX-License-Identifier: MIT
// Request routing in two phases so that a "delay" fault can sit between them: decide()
// classifies the request, counts the call and takes a fault; answer() produces the reply
// (normal, faulted or control API). Both run on the io_context thread.
#pragma once

#include "api.hpp"
#include "faults.hpp"
#include "http_util.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace mockbill {

class state;

// What the server does with the connection once the reply is ready.
enum class transport_action {
    respond,  // write `res` (keep-alive as the request asks)
    reset,    // close with SO_LINGER 0 (RST), nothing written
    truncate, // write `raw` (headers promise more body than follows), then close
    hang,     // write nothing, hold the connection until the peer closes it
};

struct decision {
    const api_def* api = nullptr; // null: control API or unknown path
    const route* matched = nullptr;
    endpoint_kind kind = endpoint_kind::resource;
    std::optional<fault> injected;
    std::optional<std::uint64_t> call_seq; // login/refresh calls are in the call log
    std::chrono::milliseconds delay{0};    // wait this long before answer()
};

struct reply {
    response res;
    std::string raw; // truncate only
    transport_action action = transport_action::respond;
    fault_kind fault = fault_kind::none;
    bool head_only = false; // answer to HEAD: Content-Length set, no body sent
};

// The reply a queued or chaos fault produces (for status faults, the API's own error body;
// with `api` null, as for an /_api/ request without a known token, {"message":"<reason>"}).
reply fault_reply(state& st, const request& req, const api_def* api, const fault& f);
const api_def* api_def_of(std::optional<api_id> api);

class router {
public:
    explicit router(state& st) : st_(st) {}

    decision decide(const request& req);
    reply answer(const request& req, const decision& d);
    // For the /_api/ surface and connection accounting, which work on the state directly.
    state& shared_state() { return st_; }

private:
    state& st_;
};

} // namespace mockbill
