// SPDX-License-Identifier: MIT
// Injected upstream misbehaviour: the FIFO fault queue filled by POST /_mock/faults and the
// random "chaos" faults of POST /_mock/chaos. Pure decision logic; the server applies them.
#pragma once

#include "kinds.hpp"
#include "parsed.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mockbill {

enum class fault_kind { none, status, delay, reset, truncate, garbage, hang };

std::string_view to_string(fault_kind kind);

// Which endpoints a fault hits: "auth" is login or refresh, "any" is everything.
enum class endpoint_selector { login, refresh, auth, resource, any };

struct fault {
    std::optional<api_id> api; // nullopt means "*"
    endpoint_selector endpoint = endpoint_selector::any;
    fault_kind kind = fault_kind::status;
    unsigned status = 503;
    std::optional<std::string> retry_after; // Retry-After header, passed verbatim
    boost::json::value retry_after_body;    // body "retryAfter" when not null
    std::int64_t delay_ms = 1000;
    std::int64_t count = 1; // requests left to hit; -1 = forever
};

// Validates a POST /_mock/faults body. Unknown keys and bad enum values are errors.
parsed<fault> parse_fault(const boost::json::value& body);
boost::json::object to_json(const fault& f);
// `api` is nullopt for a request no API can be told for (an /_api/ call without a known
// token): only faults for "*" match it.
bool matches(const fault& f, std::optional<api_id> api, endpoint_kind kind);

class fault_queue {
public:
    void push(fault f) { queue_.push_back(std::move(f)); }
    void clear() { queue_.clear(); }
    // The first queued fault matching the request, consuming one of its hits.
    std::optional<fault> take(std::optional<api_id> api, endpoint_kind kind);
    boost::json::array to_json() const;

private:
    std::deque<fault> queue_;
};

struct chaos_settings {
    double probability = 0.0;
    std::vector<fault_kind> kinds{fault_kind::status, fault_kind::reset, fault_kind::delay,
                                  fault_kind::garbage, fault_kind::truncate};
    std::int64_t delay_ms = 1000;
    std::optional<std::uint64_t> seed;
};

// Validates a POST /_mock/chaos body; missing keys take the defaults above.
parsed<chaos_settings> parse_chaos(const boost::json::value& body);

// Rolls a transient fault for each auth call with the configured probability.
// Seeded for reproducible test runs; never produces a 4xx other than 429.
class chaos_monkey {
public:
    chaos_monkey();
    void configure(chaos_settings settings);
    std::optional<fault> roll(api_id api, endpoint_kind kind);
    boost::json::object to_json() const;

private:
    chaos_settings settings_;
    std::mt19937_64 rng_;
};

} // namespace mockbill
