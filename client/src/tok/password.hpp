// SPDX-License-Identifier: MIT
// Reading a password for `tok add`: from the terminal without echo, or one line of stdin.
#pragma once

#include <string>

namespace tok::cli {

// Passwords longer than this do not fit in one request line.
inline constexpr std::size_t max_password_bytes = 60 * 1024;

// Prompts on /dev/tty and reads one line with echo off; the terminal's mode is restored
// even when SIGINT/SIGTERM/SIGQUIT/SIGTSTP arrives (the signal is then re-raised). Returns an
// error message, or "" with the password (no newline) in `out`.
std::string read_password_from_tty(const std::string& prompt, std::string& out);

// Reads one line from `fd` (stdin); '\n' and a trailing '\r' are dropped. Same return.
std::string read_password_line(int fd, std::string& out);

} // namespace tok::cli
