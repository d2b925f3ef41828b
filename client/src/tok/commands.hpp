// SPDX-License-Identifier: MIT
// One function per tok command. Each prints its result and returns tok's exit code
// (report.hpp); errors are reported on stderr before returning.
#pragma once

#include "args.hpp"

namespace tok::detail {
class session;
}

namespace tok::cli {

int run_header(const invocation& inv, detail::session& s);
int run_token(const invocation& inv, detail::session& s);
int run_invalidate(const invocation& inv, detail::session& s);
int run_status(const invocation& inv, detail::session& s);
int run_ping(const invocation& inv, detail::session& s);
int run_reload(const invocation& inv, detail::session& s);
int run_add(const invocation& inv, detail::session& s);
int run_exec(const invocation& inv, detail::session& s);
int run_curl(const invocation& inv, detail::session& s);

// --help for the whole tool (cmd == none) or for one command; --version.
int run_help(command cmd, bool to_stderr);
int run_version();

} // namespace tok::cli
