// SPDX-License-Identifier: MIT
// The refresh policy's arithmetic (contract, "Expiry and refresh policy"), as pure functions.
#pragma once

#include "clock.hpp"
#include "jwt.hpp"

#include <optional>
#include <string_view>

namespace tokend::agent::policy {

using namespace std::chrono_literals;

inline constexpr duration fallback_lifetime = 3600s;
inline constexpr duration first_backoff = 1s;
inline constexpr duration max_backoff = 60s;
inline constexpr duration rejection_cooldown = 15min;
inline constexpr duration reauth_interval = 1s; // invalidate-started re-auth, per profile

// Lifetime L of a token that arrived at `wall_now`: JWT exp - iat - 1 s (the issuer rounds iat
// down), else exp - now, else the body's expires-in, else an hour. May be <= 0: already dead.
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

// Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3); nullopt when unreadable.
std::optional<duration> parse_retry_after(std::string_view value, wall_time now);

} // namespace tokend::agent::policy
