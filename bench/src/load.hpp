// SPDX-License-Identifier: MIT
// The load loop: one thread, one epoll set, `connections` clients each with one request in
// flight, until `warmup + requests` answers came back. Request bytes are built once; each
// request is timed from its send (or, with a connection per request, from its connect) to the
// last byte of its answer.
#pragma once

#include "options.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace tokend::bench {

struct load_result {
    std::uint64_t requests = 0;        // measured answers
    std::uint64_t errors = 0;          // answers that were not `{"ok":true...` (line protocol)
    std::uint64_t connect_retries = 0; // connects refused with EAGAIN (listen backlog full)
    double seconds = 0;                // measured wall time
    std::uint64_t server_cpu_ns = 0;   // the server's CPU time over the measured requests
    std::uint64_t server_rss_kib = 0;  // the server's resident set at the end, idle connections open
    std::vector<std::uint64_t> latencies_ns;
};

// Throws std::runtime_error when the server cannot be reached or stops answering.
load_result run_load(const options& o);

// Sends the request once and returns the raw answer.
std::string one_answer(const options& o);

} // namespace tokend::bench
