// SPDX-License-Identifier: MIT
// The refresh policy's arithmetic (docs/refresh.md), as pure functions.
#pragma once

#include "sys/clock.hpp"
#include "upstream/jwt.hpp"

#include <optional>
#include <string_view>

namespace tokend::agent::policy {

using namespace std::chrono_literals;

inline constexpr duration fallback_lifetime = 3600s;
inline constexpr duration first_backoff = 1s;
inline constexpr duration max_backoff = 60s;
inline constexpr duration rejection_cooldown = 15min;
inline constexpr duration reauth_interval = 1s; // invalidate-started re-auth, per profile
// Changed credentials start at most one login per profile per this interval (docs/refresh.md).
inline constexpr duration credentials_change_interval = 5s;
// Clamps on what an upstream claims (docs/refresh.md, "Bounds"): a token claiming centuries
// lives ten years, and no Retry-After holds the next attempt back by more than a day.
inline constexpr duration max_lifetime = std::chrono::days(3650);
inline constexpr duration max_retry_after = std::chrono::days(1);

// A count of seconds from a JSON number (maybe huge, maybe NaN) as a duration in [0, limit],
// without the float-to-integer overflow a plain duration_cast has. NaN: nullopt.
std::optional<duration> clamped_seconds(double seconds, duration limit);

// The time a get's `min_ttl` asks for. Anything above max_lifetime, which no token can meet,
// comes back as max_lifetime + 1 s so that it stays a bad_request (docs/refresh.md).
duration min_ttl_need(double seconds);

// Lifetime L of a token that arrived at `wall_now`: JWT exp - iat - 1 s (the issuer rounds iat
// down), else exp - now, else the body's expires-in, else an hour. May be <= 0: already dead.
// Clamped to [-max_lifetime, max_lifetime] whatever the claims are.
duration lifetime(const std::optional<jwt_times>& jwt, std::optional<duration> expires_in, wall_time wall_now);

// m = min(refresh_margin, L/4)
duration margin(duration refresh_margin, duration lifetime);

// The least time a served token may have left unless a request asks for more: min(10 s, L/10).
duration default_min_ttl(duration lifetime);

// Delay from arrival to the refresh: L - m - jitter, jitter = jitter01 * m/10.
duration refresh_delay(duration lifetime, duration refresh_margin, double jitter01);

// Upper bound of the n-th consecutive failure's backoff: 1 s doubling to 60 s.
duration backoff_cap(unsigned failures);
// Full jitter: uniform in [0, cap], u01 drawn from [0, 1).
duration backoff_delay(unsigned failures, double u01);

// Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3), clamped to
// [0, max_retry_after]; nullopt when unreadable.
std::optional<duration> parse_retry_after(std::string_view value, wall_time now);

} // namespace tokend::agent::policy
