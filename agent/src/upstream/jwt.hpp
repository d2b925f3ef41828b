// SPDX-License-Identifier: MIT
// Reads the timing claims of a JWT without verifying its signature: the agent is not the
// token's audience, it only needs to know when the token dies.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tokend::agent {

struct jwt_times {
    std::optional<std::int64_t> iat;
    std::optional<std::int64_t> exp;
};

// nullopt when `token` is not a JWT (three base64url segments with a JSON object payload).
// Claims that are not numbers, or negative, are ignored; claims past year 9999 read as 9999.
// The result always lies in [0, year 9999], so arithmetic on it cannot overflow int64.
std::optional<jwt_times> read_jwt_times(std::string_view token);

} // namespace tokend::agent
