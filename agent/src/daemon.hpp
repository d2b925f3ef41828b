// SPDX-License-Identifier: MIT
// The agent's life once its config is loaded: socket, event loop, signals, systemd.
#pragma once

#include "cli.hpp"
#include "config.hpp"
#include "secret_source.hpp"

#include <vector>

namespace tokend::agent {

// Runs until SIGTERM or SIGINT; returns the exit status.
int run_daemon(const options& opts, config cfg, std::vector<profile_secrets> secrets);

} // namespace tokend::agent
