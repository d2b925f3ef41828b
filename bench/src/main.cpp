// SPDX-License-Identifier: MIT
// tokend-bench: a load generator for tokend and the servers it is measured against
// (docs/performance.md). Prints results as `key=value` pairs on one line, for bench/run.
#include "launch.hpp"
#include "load.hpp"
#include "options.hpp"
#include "percentiles.hpp"

#include <sched.h>
#include <sys/resource.h>

#include <cstdio>
#include <exception>

using namespace tokend::bench;

namespace {

void raise_fd_limit()
{
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (::sched_setaffinity(0, sizeof set, &set) != 0)
        std::perror("sched_setaffinity");
}

void print_load(const options& o, load_result& r)
{
    latency_summary s = summarize(r.latencies_ns);
    std::printf("requests=%llu errors=%llu seconds=%.3f rps=%.0f p50_us=%.2f p90_us=%.2f p99_us=%.2f "
                "p999_us=%.2f max_us=%.1f mean_us=%.2f connect_retries=%llu",
                static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.errors), r.seconds,
                static_cast<double>(r.requests) / r.seconds, s.p50_us, s.p90_us, s.p99_us, s.p999_us, s.max_us,
                s.mean_us, static_cast<unsigned long long>(r.connect_retries));
    if (o.server_pid)
        std::printf(" server_cpu_us=%.3f server_rss_kib=%llu",
                    static_cast<double>(r.server_cpu_ns) / 1000.0 / static_cast<double>(r.requests),
                    static_cast<unsigned long long>(r.server_rss_kib));
    std::printf("\n");
}

} // namespace

int main(int argc, char** argv)
{
    auto o = parse_options(argc, argv);
    if (!o)
        return 2;
    raise_fd_limit();
    if (o->cpu >= 0)
        pin(o->cpu);
    try {
        switch (o->what) {
        case mode::print_answer: {
            std::string answer = one_answer(*o);
            std::fwrite(answer.data(), 1, answer.size(), stdout);
            break;
        }
        case mode::launch: {
            launched l = launch_and_wait(*o);
            std::printf("pid=%d ready_ms=%.2f\n", l.pid, l.ready_ms);
            break;
        }
        case mode::load: {
            load_result r = run_load(*o);
            print_load(*o, r);
            break;
        }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tokend-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
