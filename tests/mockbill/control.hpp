// SPDX-License-Identifier: MIT
// The unauthenticated control API under /_mock/ that tests use to configure mockbill,
// queue faults and read counters. See README.md for the exact shapes.
#pragma once

#include "http_util.hpp"

namespace mockbill {

class state;

inline constexpr std::string_view control_prefix = "/_mock/";

// Answers any request under control_prefix (404 for unknown control paths).
response handle_control(state& st, const request& req);

} // namespace mockbill
