// SPDX-License-Identifier: MIT
// Reads another process's memory through /proc/PID/mem and reports where given byte strings
// occur, telling mlock'd mappings (VmFlags "lo" in /proc/PID/smaps: OpenSSL's secure heap)
// from everything else. Reading a non-dumpable process this way needs root.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace tokend::test {

struct scan_needle {
    std::string label; // what the report says: never the bytes themselves
    std::string bytes;
};

struct memory_scan {
    struct hit {
        std::string label;
        std::string mapping; // "[heap]", "[stack]", "anonymous", or a file's name
        std::uint64_t offset = 0; // from the mapping's start
    };
    std::vector<hit> outside;                // in memory that is not locked
    std::map<std::string, int> locked_hits;  // per label, in locked mappings
    std::uint64_t bytes_read = 0;            // outside locked mappings
    std::uint64_t heap_bytes = 0;            // of those, in [heap]
    std::uint64_t locked_bytes = 0;
    std::vector<std::string> unreadable;     // mappings that could not be read, and why
    std::string error;                       // non-empty: the scan could not run at all

    // Counts per label and mapping, e.g. "token 1 (av): 2 in [heap], 1 in anonymous".
    std::string summary() const;
};

memory_scan scan_memory(pid_t pid, const std::vector<scan_needle>& needles);

} // namespace tokend::test
