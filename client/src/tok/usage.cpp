// SPDX-License-Identifier: MIT
// tok --help, tok COMMAND --help, tok --version. Kept in sync with docs/man/tok.1.scd.
#include "commands.hpp"
#include "report.hpp"

#include <cstdio>

namespace tok::cli {
namespace {

constexpr const char* overview =
    "usage: tok [--socket PATH] [--timeout DURATION] [--json] COMMAND [ARGS...]\n"
    "API tokens from tokend, the ssh-agent for API tokens.\n"
    "\n"
    "commands:\n"
    "  header PROFILE             print the HTTP headers to send (Authorization first)\n"
    "  token PROFILE              print the bare token\n"
    "  curl PROFILE [--] ARGS...  run curl with the headers; retry once on HTTP 401\n"
    "  exec PROFILE -- CMD...     run CMD with TOK_TOKEN and TOK_AUTHORIZATION set\n"
    "  status [PROFILE]           show profiles, their state and expiry\n"
    "  invalidate PROFILE         report the current token as rejected\n"
    "  add PROFILE [--stdin]      hand a password to the agent\n"
    "  reload                     make the agent re-read its config\n"
    "  ping                       check that the agent answers\n"
    "  url PROFILE                print the HTTP proxy's base URL for PROFILE\n"
    "  help [COMMAND]             this text, or a command's\n"
    "\n"
    "options (before or after the command; for curl and exec before `--`):\n"
    "  --socket PATH        the agent's socket (default $TOKEND_SOCK, else\n"
    "                       $XDG_RUNTIME_DIR/tokend/socket)\n"
    "  --timeout DURATION   give up after this long: 10s (default), 500ms, 2m\n"
    "  --json               print the agent's answer as JSON, as it is\n"
    "  -h, --help           help;  -V, --version  tok's version\n"
    "\n"
    "exit codes: 0 ok, 1 error, 2 usage, 3 agent not running, 4 unknown profile,\n"
    "            5 credentials rejected or missing, 6 upstream unavailable, 7 timeout\n"
    "See tok(1) and docs/client.md.\n";

const char* command_help(command c)
{
    switch (c) {
    case command::header:
        return "usage: tok header PROFILE\n"
               "Prints `Authorization: Bearer TOKEN`, then the profile's other headers, one per line.\n"
               "  curl -H @<(tok header PROFILE) URL\n";
    case command::token:
        return "usage: tok token PROFILE\nPrints the bare token of PROFILE.\n";
    case command::curl:
        return "usage: tok curl PROFILE [--] CURL-ARGS...\n"
               "Runs curl with PROFILE's headers, handed over through a file descriptor (never argv).\n"
               "On HTTP 401 the token is reported as rejected and, when the request does not read\n"
               "stdin, curl runs once more with a fresh token; the first attempt's output is then\n"
               "discarded. Exits with curl's exit code. $TOK_CURL names another curl binary.\n"
               "tok's options go before `--`; curl's own --json must come after it.\n";
    case command::exec:
        return "usage: tok exec PROFILE -- COMMAND [ARGS...]\n"
               "Replaces tok with COMMAND, with TOK_TOKEN=TOKEN and TOK_AUTHORIZATION='Bearer TOKEN'\n"
               "in its environment. Exits as COMMAND does; 127 when not found, 126 when not runnable.\n";
    case command::status:
        return "usage: tok status [PROFILE] [--json]\n"
               "Shows each profile's provider, state, token expiry, next refresh and last error.\n"
               "--json prints the agent's answer as it is.\n";
    case command::invalidate:
        return "usage: tok invalidate PROFILE [--token-id ID]\n"
               "Reports PROFILE's current token as rejected: the agent drops it and logs in again\n"
               "(at most once a second). With --token-id, only if ID is still the current token.\n";
    case command::add:
        return "usage: tok add PROFILE [--stdin]\n"
               "Reads a password from the terminal without echo (or one line from stdin with\n"
               "--stdin) and hands it to the agent, which keeps it in memory only.\n";
    case command::reload:
        return "usage: tok reload\nMakes the agent re-read its config (as SIGHUP does).\n";
    case command::ping:
        return "usage: tok ping\nChecks that the agent answers; prints its version and socket.\n";
    case command::url:
        return "usage: tok url PROFILE [--json]\n"
               "Prints http://ADDR/PROFILE, the base URL of tokend's HTTP proxy for PROFILE, from the\n"
               "agent's first TCP proxy listener; exits 1 when it has none. A request to that URL\n"
               "reaches PROFILE's API with PROFILE's credentials attached (docs/proxy.md).\n"
               "--json prints the agent's hello answer as it is.\n";
    case command::help:
    case command::none:
        break;
    }
    return overview;
}

} // namespace

int run_help(command cmd, bool to_stderr)
{
    std::fputs(command_help(cmd), to_stderr ? stderr : stdout);
    return to_stderr ? exit_usage : exit_ok;
}

int run_version()
{
    std::fputs("tok " TOKEND_VERSION "\n", stdout);
    return exit_ok;
}

} // namespace tok::cli
