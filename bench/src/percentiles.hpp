// SPDX-License-Identifier: MIT
// Latency summaries from every recorded sample (sorted, no binning error).
#pragma once

#include <cstdint>
#include <vector>

namespace tokend::bench {

struct latency_summary {
    double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
};

// Sorts `samples_ns` in place.
latency_summary summarize(std::vector<std::uint64_t>& samples_ns);

} // namespace tokend::bench
