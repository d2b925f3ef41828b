// SPDX-License-Identifier: MIT
// What to answer a `get`, as a pure function of a profile's refresh_state: serve the current
// token, fail with a wire error, wait for the attempt in flight, or start one and wait for it.
// No I/O, no clock and no JSON: the profile performs the decision and the dispatcher renders
// the answer (proto/PROTOCOL.md, "get"; docs/refresh.md for min_ttl and backoff).
#pragma once

#include "engine/refresh_state.hpp"

#include <tokend/proto/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tokend::agent {

// Serve the profile's current token (its pre-rendered answer fields).
struct serve_token {
    const token_info* token;
};
// Answer this error; `text` is the whole human message, profile name included.
struct serve_failure {
    proto::errc code;
    std::string text;
};
// An attempt is in flight: wait for it to end, then decide again.
struct serve_wait {};
// Nothing servable and nothing in flight: ask the refresher for an attempt, then wait.
struct serve_start_attempt {};

using get_decision = std::variant<serve_token, serve_failure, serve_wait, serve_start_attempt>;

// What the rules need to know about the profile besides its refresh_state.
struct get_context {
    std::string_view profile;             // for the messages
    std::string_view missing_secret;      // "token" or "password": what `tok add` would give it
    std::optional<std::string_view> stopped; // why, once the profile stopped
};

// `need` is the request's min_ttl (policy::min_ttl_need). `waited_since` is 0 for a request
// that has not waited yet, else the serial of the token current when it began to wait (1 when
// there was none): a token newer than that arrived for this request.
get_decision decide_get(const refresh_state& state, boot_time now, duration need, std::uint64_t waited_since,
                        const get_context& cx);

// "N s", rounded up: how the agent's messages show a duration in seconds.
std::string whole_seconds(duration d);

// The failure of a request whose deadline passed while it waited.
serve_failure get_timed_out(std::string_view profile);

} // namespace tokend::agent
