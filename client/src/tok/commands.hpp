// SPDX-License-Identifier: MIT
// One function per tok command. Each prints its result and returns tok's exit code
// (report.hpp); errors are reported on stderr before returning. They talk to tokend through
// libtok's public API only (<tok/client.hpp>), so tok proves the library.
#pragma once

#include "args.hpp"

namespace tok {
class client;
}

namespace tok::cli {

int run_header(const invocation& inv, tok::client& c);
int run_token(const invocation& inv, tok::client& c);
int run_invalidate(const invocation& inv, tok::client& c);
int run_status(const invocation& inv, tok::client& c);
int run_ping(const invocation& inv, tok::client& c);
int run_reload(const invocation& inv, tok::client& c);
int run_url(const invocation& inv, tok::client& c);
int run_add(const invocation& inv, tok::client& c);
int run_exec(const invocation& inv, tok::client& c);
int run_curl(const invocation& inv, tok::client& c);

// --help for the whole tool (cmd == none) or for one command; --version.
int run_help(command cmd, bool to_stderr);
int run_version();

} // namespace tok::cli
