// SPDX-License-Identifier: MIT
// tok's exit codes (docs/client.md, "Exit codes") and its one-line error messages that say what to do.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace tok::cli {

enum exit_code : int {
    exit_ok = 0,
    exit_error = 1,       // anything else, permission_denied included
    exit_usage = 2,
    exit_unreachable = 3, // no socket, or a stale one
    exit_unknown_profile = 4,
    exit_credentials = 5, // credentials_rejected, no_credentials
    exit_upstream = 6,
    exit_timeout = 7,
};

int exit_code_for(std::error_code ec) noexcept;

// "tok: <message>[: <what to do>]" for a failed library call; `message` is the library's
// last_error_message() (the agent's own words when the agent answered), passed through
// printable() so that neither the agent nor an upstream can drive the terminal.
std::string failure_line(std::error_code ec, std::string_view message);

// Prints failure_line() to stderr and returns exit_code_for(ec).
int report_failure(std::error_code ec);

// Prints "tok: <message>" and "try `tok --help`" to stderr and returns exit_usage.
int report_usage(std::string_view message);

// Prints "tok: <message>" to stderr and returns `code`.
int report(int code, std::string_view message);

} // namespace tok::cli
