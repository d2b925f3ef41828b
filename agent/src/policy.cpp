// SPDX-License-Identifier: MIT
#include "policy.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>

namespace tokend::agent::policy {

duration lifetime(const std::optional<jwt_times>& jwt, std::optional<duration> expires_in, wall_time wall_now)
{
    if (jwt && jwt->exp && jwt->iat)
        return std::chrono::seconds(*jwt->exp - *jwt->iat - 1);
    if (jwt && jwt->exp)
        return std::chrono::seconds(*jwt->exp) - wall_now.time_since_epoch();
    if (expires_in)
        return *expires_in;
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
        if (r.ec != std::errc())
            return std::nullopt;
        return std::chrono::seconds(std::min(s, 86400LL)); // a day: beyond is a broken server
    }
    // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT"; strptime needs a terminated string.
    std::string text(value);
    struct tm tm {};
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end != '\0')
        return std::nullopt;
    auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
    auto delta = std::chrono::duration_cast<duration>(at - now);
    return std::clamp<duration>(delta, duration::zero(), std::chrono::hours(24));
}

} // namespace tokend::agent::policy
