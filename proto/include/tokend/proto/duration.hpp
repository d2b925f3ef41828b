// SPDX-License-Identifier: MIT
// Durations as users write them in the config and on tok's command line:
// integer seconds, or number+unit runs such as "90s", "5m", "1h30m", "250ms".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace tokend::proto {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// "41m", "2h05m", "9s", "350ms": short and human, for tables and logs.
std::string format_duration(std::chrono::milliseconds d);

} // namespace tokend::proto
