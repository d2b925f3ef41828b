// SPDX-License-Identifier: MIT
// Talking to systemd (sd_notify): readiness, reload and stop notices, STATUS= lines and
// watchdog pings. Every call is a no-op when $NOTIFY_SOCKET is unset; none ever blocks
// the loop for long (a datagram to a local socket).
#pragma once

#include "sys/async.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace tokend::agent::notify {

// READY=1 with STATUS=: only once the socket listens and the config is loaded, and again
// at the end of every reload.
void ready(std::string_view status);
// RELOADING=1 (with MONOTONIC_USEC=, as systemd 253's Type=notify-reload wants); ready()
// ends the reload, whether it was applied or refused.
void reloading();
// STATUS= when it differs from the last one sent.
void status(std::string_view status);
void stopping();

// True when systemd asked for WATCHDOG=1 pings ($WATCHDOG_USEC, and $WATCHDOG_PID is us
// or unset); `interval` is then the ping period, half of WatchdogSec=.
bool watchdog_interval(std::chrono::microseconds& interval);

// Runs on the event loop itself, so that a wedged loop misses its pings and systemd
// restarts us: pings WATCHDOG=1 every watchdog interval, and sends STATUS= from `summary`
// when it changed (every second while the first logins settle, then every 10 s). Returns
// when `stopped` is true at a wake-up or when cancelled.
awaitable<void> keepalive(std::function<std::string()> summary, const bool& stopped);

} // namespace tokend::agent::notify
