// SPDX-License-Identifier: MIT
// tok's command line: global options anywhere before the command's `--`, the command, its
// operands, and for curl/exec the arguments handed on. Pure: no I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tok::cli {

enum class command { none, help, header, token, curl, exec, status, invalidate, add, reload, ping, url };

std::optional<command> command_from_name(std::string_view name);
std::string_view command_name(command c);

struct invocation {
    // global options
    std::string socket;                                // --socket; empty: $TOKEND_SOCK or the default
    std::chrono::milliseconds timeout{10'000};         // --timeout
    bool json = false;                                 // --json
    bool help = false;                                 // --help/-h (of `command` when one is given)
    bool version = false;                              // --version/-V
    // the command
    command cmd = command::none;
    std::vector<std::string> operands;    // e.g. the profile
    std::vector<std::string> passthrough; // curl's arguments, or exec's command line
    bool read_stdin = false;              // add --stdin
    std::string token_id;                 // invalidate --token-id
};

struct parse_result {
    std::optional<invocation> value;
    std::string error; // set when value is empty: one line, without the "tok: " prefix
};

// argv[0] is skipped. A usage error leaves `value` empty; --help/--version still parse.
parse_result parse_args(int argc, const char* const* argv);

} // namespace tok::cli
