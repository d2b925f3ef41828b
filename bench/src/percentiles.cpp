// SPDX-License-Identifier: MIT
#include "percentiles.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tokend::bench {
namespace {

// Nearest-rank percentile: the smallest sample with at least q of all samples at or below it.
double at(const std::vector<std::uint64_t>& sorted, double q)
{
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return static_cast<double>(sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1]) / 1000.0;
}

} // namespace

latency_summary summarize(std::vector<std::uint64_t>& samples_ns)
{
    latency_summary s;
    if (samples_ns.empty())
        return s;
    std::sort(samples_ns.begin(), samples_ns.end());
    s.p50_us = at(samples_ns, 0.50);
    s.p90_us = at(samples_ns, 0.90);
    s.p99_us = at(samples_ns, 0.99);
    s.p999_us = at(samples_ns, 0.999);
    s.max_us = static_cast<double>(samples_ns.back()) / 1000.0;
    double total = std::accumulate(samples_ns.begin(), samples_ns.end(), 0.0);
    s.mean_us = total / static_cast<double>(samples_ns.size()) / 1000.0;
    return s;
}

} // namespace tokend::bench
