// SPDX-License-Identifier: MIT
// Writing to stdout without stdio's buffers, so text that holds a token can be wiped after
// it was written (stdio would keep a copy in its buffer until exit).
#pragma once

#include <string>
#include <string_view>

namespace tok::cli {

// Writes all of `text` to `fd`, retrying short writes; false on error (errno set).
bool write_all(int fd, std::string_view text);

// Writes `text` to stdout, then wipes it. Returns exit_ok, or reports and returns exit_error.
int print_secret(std::string& text);

// Writes `text` to stdout. Returns exit_ok, or reports and returns exit_error.
int print(std::string_view text);

} // namespace tok::cli
