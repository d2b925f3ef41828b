// SPDX-License-Identifier: MIT
#include "proc_stats.hpp"

#include <filesystem>
#include <fstream>
#include <string>

namespace tokend::bench {

std::uint64_t cpu_time_ns(int pid)
{
    std::uint64_t total = 0;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        std::ifstream in(task.path() / "schedstat");
        std::uint64_t on_cpu = 0;
        if (in >> on_cpu)
            total += on_cpu;
    }
    return total;
}

std::uint64_t rss_kib(int pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string key; in >> key;) {
        if (key == "VmRSS:") {
            std::uint64_t kib = 0;
            in >> kib;
            return kib;
        }
    }
    return 0;
}

} // namespace tokend::bench
