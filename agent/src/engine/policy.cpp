// SPDX-License-Identifier: MIT
#include "engine/policy.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <limits>

namespace tokend::agent::policy {

namespace {

using seconds_t = std::int64_t;
constexpr seconds_t max_lifetime_s = std::chrono::duration_cast<std::chrono::seconds>(max_lifetime).count();
constexpr seconds_t max_retry_after_s = std::chrono::duration_cast<std::chrono::seconds>(max_retry_after).count();

// a - b without signed overflow, for claims a hostile upstream chose.
seconds_t saturating_sub(seconds_t a, seconds_t b)
{
    seconds_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return b < 0 ? std::numeric_limits<seconds_t>::max() : std::numeric_limits<seconds_t>::min();
    return r;
}

duration clamp_lifetime_s(seconds_t s)
{
    return std::chrono::seconds(std::clamp(s, -max_lifetime_s, max_lifetime_s));
}

} // namespace

std::optional<duration> clamped_seconds(double seconds, duration limit)
{
    if (std::isnan(seconds))
        return std::nullopt;
    if (seconds <= 0)
        return duration::zero();
    if (seconds >= std::chrono::duration<double>(limit).count())
        return limit;
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
}

duration min_ttl_need(double seconds)
{
    duration beyond = max_lifetime + 1s;
    return clamped_seconds(seconds, beyond).value_or(beyond);
}

duration lifetime(const std::optional<jwt_times>& jwt, std::optional<duration> expires_in, wall_time wall_now)
{
    if (jwt && jwt->exp && jwt->iat)
        return clamp_lifetime_s(saturating_sub(saturating_sub(*jwt->exp, *jwt->iat), 1));
    if (jwt && jwt->exp) {
        auto now_s = std::chrono::floor<std::chrono::seconds>(wall_now.time_since_epoch());
        seconds_t left_s = saturating_sub(*jwt->exp, now_s.count());
        if (left_s >= max_lifetime_s || left_s <= -max_lifetime_s)
            return clamp_lifetime_s(left_s);
        // Within ten years of now, exp in nanoseconds fits comfortably.
        return std::chrono::seconds(*jwt->exp) - wall_now.time_since_epoch();
    }
    if (expires_in)
        return std::clamp<duration>(*expires_in, duration::zero(), max_lifetime);
    return fallback_lifetime;
}

duration margin(duration refresh_margin, duration lifetime)
{
    return std::max(duration::zero(), std::min(refresh_margin, lifetime / 4));
}

duration default_min_ttl(duration lifetime)
{
    return std::max(duration::zero(), std::min<duration>(10s, lifetime / 10));
}

duration refresh_delay(duration lifetime, duration refresh_margin, double jitter01)
{
    duration m = margin(refresh_margin, lifetime);
    auto jitter = std::chrono::duration_cast<duration>(m / 10 * std::clamp(jitter01, 0.0, 1.0));
    return lifetime - m - jitter;
}

duration backoff_cap(unsigned failures)
{
    if (failures == 0)
        return duration::zero();
    unsigned shift = std::min(failures - 1, 6u); // 2^6 s already exceeds the 60 s cap
    return std::min<duration>(first_backoff * (1u << shift), max_backoff);
}

duration backoff_delay(unsigned failures, double u01)
{
    return std::chrono::duration_cast<duration>(backoff_cap(failures) * std::clamp(u01, 0.0, 1.0));
}

std::optional<duration> parse_retry_after(std::string_view value, wall_time now)
{
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
    if (value.empty())
        return std::nullopt;
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        long long s = 0;
        auto r = std::from_chars(value.data(), value.data() + value.size(), s);
        if (r.ec == std::errc::result_out_of_range)
            return max_retry_after; // all digits, just too many of them
        if (r.ec != std::errc())
            return std::nullopt;
        return std::chrono::seconds(std::min<long long>(s, max_retry_after_s));
    }
    // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT"; strptime needs a terminated string.
    std::string text(value);
    struct tm tm {};
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0')
        return std::nullopt;
    // In whole seconds first: a date centuries away does not fit in nanoseconds since 1970.
    seconds_t at = timegm(&tm);
    auto now_s = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
    seconds_t ahead = saturating_sub(at, now_s);
    if (ahead <= 0)
        return duration::zero();
    if (ahead > max_retry_after_s)
        return max_retry_after;
    return std::clamp<duration>(std::chrono::seconds(at) - now.time_since_epoch(), duration::zero(), max_retry_after);
}

} // namespace tokend::agent::policy
