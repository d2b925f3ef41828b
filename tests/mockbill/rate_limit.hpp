// SPDX-License-Identifier: MIT
// Fixed-window request counting per key (route + account), the way @nestjs/throttler
// counts for NovaBilling. Pure: the caller passes the current steady time.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace mockbill {

struct rate_verdict {
    bool allowed = true;
    std::int64_t limit = 0;
    std::int64_t remaining = 0;
    std::int64_t reset_after = 0; // seconds until the window ends, rounded up, >= 1
};

class rate_limiter {
public:
    // Counts one request under `key`; the window opens at the key's first request.
    rate_verdict hit(const std::string& key, std::int64_t limit, std::int64_t window_s, double now_s);
    void clear() { windows_.clear(); }

private:
    struct window {
        double start = 0.0;
        std::int64_t hits = 0;
    };
    std::unordered_map<std::string, window> windows_;
};

} // namespace mockbill
