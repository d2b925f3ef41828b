// SPDX-License-Identifier: MIT
// Runs a `*_command` secret source: `/bin/sh -c CMD` with stdin from /dev/null, stderr passed
// through and an environment without other secrets or systemd's variables, its stdout read
// through a pipe (never re-parsed by a shell). However the run ends -- output, timeout, or
// the coroutine cancelled by a reload or a stop -- the whole process group is killed unless
// the shell already exited, and the shell is reaped (docs/credentials.md, "Commands").
#pragma once

#include "sys/async.hpp"
#include "sys/clock.hpp"
#include "secrets/secret.hpp"
#include "sys/error.hpp"

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace tokend::agent {

// The first line of the command's stdout. Errors are agent_errc::timeout, or ::command for a
// failure to start, an exit status, a signal or empty output; their detail starts with `where`
// and never includes the output.
// Arguments are taken by value: the coroutine outlives its caller's temporaries.
awaitable<boost::system::result<secret, agent_error>> run_secret_command(std::string command, duration timeout,
                                                                         std::string where);

// Whether a `*_command` child must not inherit the environment entry `name`: a variable an
// `_env` key names, NOTIFY_SOCKET, LISTEN_*, WATCHDOG_* and TOKEND_SOCK.
bool withheld_from_commands(std::string_view name);

// SIGKILLs the process group of every command still running. For an exit that skips
// destructors (a forced shutdown): the children must not outlive the agent.
void kill_running_commands() noexcept;

} // namespace tokend::agent
