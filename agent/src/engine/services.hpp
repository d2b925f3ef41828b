// SPDX-License-Identifier: MIT
// What profiles share: the executor, the clocks, the upstream transport and a random source.
// Tests build one with a fake clock or a fake transport.
#pragma once

#include "sys/clock.hpp"
#include "upstream/http_client.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <random>

namespace tokend::agent {

struct services {
    boost::asio::any_io_executor executor;
    clock_source& clock;
    transport& upstream;
    std::mt19937_64 random{std::random_device{}()};

    // Uniform in [0, 1): jitter for refresh times and backoff.
    double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(random); }
};

} // namespace tokend::agent
