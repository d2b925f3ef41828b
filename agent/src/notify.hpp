// SPDX-License-Identifier: MIT
// Talking to systemd: readiness, reload and stop notices, STATUS= lines and watchdog pings
// (sd_notify). Every call is a no-op when $NOTIFY_SOCKET is unset.
#pragma once

#include "async.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace tokend::agent::notify {

void ready(std::string_view status);
void reloading();
void status(std::string_view status);
void stopping();

// Pings WATCHDOG=1 at half the WatchdogSec= interval from the event loop itself, so a wedged
// loop misses its pings and systemd restarts us; also refreshes STATUS= from `summary` every
// 10 s. Returns when `stopped` turns true at a wake-up.
awaitable<void> keepalive(std::function<std::string()> summary, const bool& stopped);

} // namespace tokend::agent::notify
