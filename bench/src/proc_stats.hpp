// SPDX-License-Identifier: MIT
// Another process's CPU time and memory, from /proc (Linux).
#pragma once

#include <cstdint>

namespace tokend::bench {

// Nanoseconds on CPU so far, summed over the process's threads (/proc/PID/task/*/schedstat);
// 0 when the process cannot be read.
std::uint64_t cpu_time_ns(int pid);

// VmRSS in KiB (/proc/PID/status); 0 when the process cannot be read.
std::uint64_t rss_kib(int pid);

} // namespace tokend::bench
