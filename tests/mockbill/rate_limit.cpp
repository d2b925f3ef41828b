// SPDX-License-Identifier: MIT
// Fixed-window rate limiting.
#include "rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace mockbill {

rate_verdict rate_limiter::hit(const std::string& key, std::int64_t limit, std::int64_t window_s,
                               double now_s)
{
    auto& w = windows_[key];
    if (w.hits == 0 || now_s >= w.start + static_cast<double>(window_s))
        w = window{now_s, 0};
    ++w.hits;
    rate_verdict v;
    v.limit = limit;
    v.allowed = w.hits <= limit;
    v.remaining = std::max<std::int64_t>(0, limit - w.hits);
    double left = w.start + static_cast<double>(window_s) - now_s;
    v.reset_after = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(left)));
    return v;
}

} // namespace mockbill
