// SPDX-License-Identifier: MIT
// Start-up timing: starts a server command and measures from fork to the first answer on its
// socket (exec, dynamic linking, config, secrets, bind: everything a user waits for).
#pragma once

#include "options.hpp"

namespace tokend::bench {

struct launched {
    int pid = 0;
    double ready_ms = 0;
};

// Forks and execs `o.command` (stdout and stderr to `o.log`, else /dev/null) and polls the
// socket every 100 µs with `o.request` until it is answered. The server keeps running.
// Throws std::runtime_error when it exits first or takes longer than `o.timeout_s`.
launched launch_and_wait(const options& o);

} // namespace tokend::bench
