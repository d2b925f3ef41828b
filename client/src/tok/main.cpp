// SPDX-License-Identifier: MIT
// tok: argv -> one command -> exit code (docs/client.md). Start-up stays minimal: no
// iostreams, no locale, one connection.
#include "args.hpp"
#include "commands.hpp"
#include "report.hpp"

#include <tok/client.hpp>

#include <cstdio>
#include <utility>

using namespace tok::cli;

namespace {

int dispatch(const invocation& inv)
{
    tok::client_options options;
    options.socket_path = inv.socket;
    options.timeout = inv.timeout;
    tok::client c(std::move(options));
    switch (inv.cmd) {
    case command::header: return run_header(inv, c);
    case command::token: return run_token(inv, c);
    case command::curl: return run_curl(inv, c);
    case command::exec: return run_exec(inv, c);
    case command::status: return run_status(inv, c);
    case command::invalidate: return run_invalidate(inv, c);
    case command::add: return run_add(inv, c);
    case command::reload: return run_reload(inv, c);
    case command::ping: return run_ping(inv, c);
    case command::url: return run_url(inv, c);
    case command::help:
    case command::none: break;
    }
    return run_help(command::none, false);
}

} // namespace

int main(int argc, char** argv)
{
    auto parsed = parse_args(argc, argv);
    if (!parsed.value)
        return report_usage(parsed.error);
    const invocation& inv = *parsed.value;
    if (inv.version)
        return run_version();
    if (inv.help)
        return run_help(inv.cmd, false);
    if (inv.cmd == command::help) {
        auto named = inv.operands.empty() ? command::none : command_from_name(inv.operands[0]);
        if (!named)
            return report_usage("help: unknown command '" + inv.operands[0] + "'");
        return run_help(*named, false);
    }
    int code = dispatch(inv);
    if (std::fflush(stdout) != 0)
        return report(exit_error, "writing to stdout failed");
    return code;
}
