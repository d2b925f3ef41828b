// SPDX-License-Identifier: MIT
// The agent's clocks. Token deadlines live on CLOCK_BOOTTIME, which keeps counting while the
// machine sleeps (CLOCK_MONOTONIC, behind Asio's steady timers, does not), so a token is
// never served past its end after a resume. Tests substitute a clock_source.
#pragma once

#include <chrono>
#include <cstdint>

namespace tokend::agent {

struct boot_clock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<boot_clock>;
    static constexpr bool is_steady = true;
    static time_point now() noexcept;
};

using boot_time = boot_clock::time_point;
using duration = std::chrono::nanoseconds;
using wall_time = std::chrono::system_clock::time_point;

class clock_source {
public:
    virtual ~clock_source() = default;
    virtual boot_time boot_now() const noexcept { return boot_clock::now(); }
    virtual wall_time wall_now() const noexcept { return std::chrono::system_clock::now(); }
    // How far CLOCK_BOOTTIME has run ahead of CLOCK_MONOTONIC: it grows only while suspended.
    virtual duration suspended_total() const noexcept;
};

// Seconds since the epoch of the wall-clock time `d` from now.
std::int64_t unix_seconds_in(const clock_source& c, duration d);

} // namespace tokend::agent
