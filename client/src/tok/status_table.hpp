// SPDX-License-Identifier: MIT
// The table `tok status` prints: one row per profile, times as human durations relative to
// `now` ("in 41m", "expired 3m ago", "—"). Pure, for tests.
#pragma once

#include <tok/client.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace tok::cli {

using sys_time = std::chrono::system_clock::time_point;

// "41m", "2h05m", "9s": whole seconds, never negative.
std::string human_duration(std::chrono::system_clock::duration d);

// The EXPIRES cell: "in 41m", "expired 3m ago", "never" (a valid token without expiry), "—".
std::string expires_cell(const profile_status& p, sys_time now);
// The NEXT REFRESH cell: "in 36m", "now", "—".
std::string refresh_cell(const profile_status& p, sys_time now);
// The LAST ERROR cell: "—", or the message with its age: "HTTP 503 (2m ago)".
std::string error_cell(const profile_status& p, sys_time now);

// Header line and rows, columns aligned, each line ending in '\n'.
std::string render_status_table(const std::vector<profile_status>& profiles, sys_time now);

} // namespace tok::cli
