// SPDX-License-Identifier: MIT
#include "sys/clock.hpp"

#include <time.h>

namespace tokend::agent {
namespace {
std::chrono::nanoseconds read(clockid_t id) noexcept
{
    timespec ts{};
    clock_gettime(id, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
} // namespace

boot_clock::time_point boot_clock::now() noexcept { return time_point(read(CLOCK_BOOTTIME)); }

duration clock_source::suspended_total() const noexcept
{
    return read(CLOCK_BOOTTIME) - read(CLOCK_MONOTONIC);
}

std::int64_t unix_seconds_in(const clock_source& c, duration d)
{
    return std::chrono::duration_cast<std::chrono::seconds>((c.wall_now() + d).time_since_epoch()).count();
}

} // namespace tokend::agent
