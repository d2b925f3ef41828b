// SPDX-License-Identifier: MIT
#include "notify.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <systemd/sd-daemon.h>

#include <time.h>

#include <algorithm>
#include <chrono>

namespace tokend::agent::notify {
namespace {
void send(const std::string& message) { sd_notify(0, message.c_str()); }
} // namespace

void ready(std::string_view s) { send("READY=1\nSTATUS=" + std::string(s)); }

void reloading()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long usec = static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void status(std::string_view s) { send("STATUS=" + std::string(s)); }
void stopping() { send("STOPPING=1\nSTATUS=stopping"); }

awaitable<void> keepalive(std::function<std::string()> summary, const bool& stopped)
{
    using namespace std::chrono;
    uint64_t usec = 0;
    bool watchdog = sd_watchdog_enabled(0, &usec) > 0 && usec > 0;
    auto ping_every = watchdog ? microseconds(usec / 2) : microseconds::max();
    auto status_every = seconds(10);
    auto tick = std::min<steady_clock::duration>(ping_every, status_every);
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    auto next_status = steady_clock::now();
    std::string last;
    while (!stopped) {
        if (watchdog)
            send("WATCHDOG=1");
        if (steady_clock::now() >= next_status) {
            std::string s = summary();
            if (s != last)
                status(s);
            last = std::move(s);
            next_status = steady_clock::now() + status_every;
        }
        timer.expires_after(tick);
        co_await timer.async_wait(nothrow_awaitable);
    }
}

} // namespace tokend::agent::notify
