// SPDX-License-Identifier: MIT
// Runs a `*_command` secret source: `/bin/sh -c CMD` with stdin from /dev/null and stderr
// passed through, its stdout read through a pipe (never re-parsed by a shell), and the whole
// process group killed when the timeout passes.
#pragma once

#include "async.hpp"
#include "clock.hpp"
#include "secret.hpp"

#include <boost/system/result.hpp>

#include <string>

namespace tokend::agent {

// The first line of the command's stdout. Errors start with `where` and say what went wrong
// (exit status, signal, timeout, empty output); they never include the output.
// Arguments are taken by value: the coroutine outlives its caller's temporaries.
awaitable<boost::system::result<secret, std::string>> run_secret_command(std::string command, duration timeout,
                                                                         std::string where);

} // namespace tokend::agent
