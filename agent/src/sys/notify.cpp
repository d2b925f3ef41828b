// SPDX-License-Identifier: MIT
#include "sys/notify.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <systemd/sd-daemon.h>

#include <time.h>

#include <algorithm>
#include <chrono>

namespace tokend::agent::notify {
namespace {

std::string last_status_; // what `systemctl status` shows now; repeating it is noise

void send(const std::string& message) { sd_notify(0, message.c_str()); }

} // namespace

void ready(std::string_view s)
{
    last_status_ = s;
    send("READY=1\nSTATUS=" + last_status_);
}

void reloading()
{
    // CLOCK_MONOTONIC, which is what systemd compares this with to tell reloads apart.
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long usec = static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
    send("RELOADING=1\nSTATUS=reloading the config\nMONOTONIC_USEC=" + std::to_string(usec));
}

void status(std::string_view s)
{
    if (s == last_status_)
        return;
    last_status_ = s;
    send("STATUS=" + last_status_);
}

void stopping()
{
    last_status_ = "stopping";
    send("STOPPING=1\nSTATUS=stopping");
}

bool watchdog_interval(std::chrono::microseconds& interval)
{
    uint64_t usec = 0;
    // 0: keep $WATCHDOG_USEC; sd_watchdog_enabled ignores it when $WATCHDOG_PID is another
    // process, which is what a *_command child that inherits it will see.
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return false;
    interval = std::chrono::microseconds(std::max<uint64_t>(usec / 2, 1000));
    return true;
}

awaitable<void> keepalive(std::function<std::string()> summary, const bool& stopped)
{
    using namespace std::chrono;
    // Profiles log in during the first seconds; their states are worth showing as they
    // settle, after that a change every 10 s is plenty.
    constexpr auto settling = seconds(10), settling_every = seconds(1), status_every = seconds(10);
    microseconds ping_every{};
    bool watchdog = watchdog_interval(ping_every);
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    auto now = steady_clock::now();
    const auto settled_at = now + settling;
    auto next_ping = now, next_status = now + settling_every;
    while (!stopped) {
        now = steady_clock::now();
        if (watchdog && now >= next_ping) {
            send("WATCHDOG=1");
            next_ping = now + ping_every;
        }
        if (now >= next_status) {
            status(summary());
            next_status = now + (now < settled_at ? settling_every : status_every);
        }
        timer.expires_at(watchdog ? std::min(next_ping, next_status) : next_status);
        auto [ec] = co_await timer.async_wait(nothrow_awaitable);
        if (ec)
            co_return;
    }
}

} // namespace tokend::agent::notify
