// SPDX-License-Identifier: MIT
// The agent's life once its config is loaded: socket, event loop, signals, systemd.
#pragma once

#include "sys/cli.hpp"
#include "config/config.hpp"
#include "secrets/secret_source.hpp"

#include <vector>

namespace tokend::agent {

// Takes the socket from systemd or binds it, serves until SIGTERM or SIGINT, and returns
// the exit status: 1 when the socket cannot be had, else 0. SIGHUP reloads the config.
// Stopping: no new connections and the socket we bound is unlinked at once; requests in
// flight get 3 s to finish, then the profiles stop and waiting requests are answered; past
// about 5 s in all, or at a second SIGTERM/SIGINT, whatever is left is closed. systemd
// hears READY=1, RELOADING=1, STOPPING=1, STATUS= and WATCHDOG=1 (notify.hpp).
int run_daemon(const options& opts, config cfg, std::vector<profile_secrets> secrets);

} // namespace tokend::agent
