// SPDX-License-Identifier: MIT
// The record of every /_api/ request that GET /_mock/api_calls returns: what arrived (method,
// target, headers with Authorization hashed, body size and SHA-256), what was answered and on
// which TCP connection, so tests can compare forwarded requests and count connection reuse.
#pragma once

#include "faults.hpp"
#include "http_util.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mockbill {

using header_list = std::vector<std::pair<std::string, std::string>>;

// The request's headers in arrival order; an Authorization value becomes
// "sha256:<hex of the value>" so that tests can compare credentials without reading them.
header_list recorded_headers(const request_head& head);
boost::json::array to_json(const header_list& headers);

struct api_call {
    std::string method;
    std::string target; // as received, query included
    header_list headers;
    std::uint64_t body_bytes = 0;
    std::string body_sha256;
    unsigned status = 0; // 0 for reset, hang and truncate faults
    std::uint64_t connection = 0;
    std::string_view token_api; // "" when no API issued the credentials
    fault_kind fault = fault_kind::none;
};

inline constexpr std::size_t max_api_calls = 10000;

class api_log {
public:
    void append(api_call call); // drops the oldest beyond max_api_calls
    void clear() { calls_.clear(); }
    boost::json::object to_json() const;

private:
    std::deque<api_call> calls_;
};

} // namespace mockbill
