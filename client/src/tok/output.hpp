// SPDX-License-Identifier: MIT
// Writing to stdout without stdio's buffers, so text that holds a token can be wiped after
// it was written (stdio would keep a copy in its buffer until exit); and keeping what the
// agent or an upstream says from driving the terminal (docs/client.md, "Agent text on your
// terminal").
#pragma once

#include <string>
#include <string_view>

namespace tok::cli {

// `text` with everything that could drive a terminal replaced: C0 controls (all of them, or
// all but '\n' with `keep_newlines`), DEL and the C1 controls U+0080..U+009F become \u00XX,
// and bytes that are not UTF-8 become \xXX. Printable ASCII and other UTF-8 stay as they are.
std::string printable(std::string_view text, bool keep_newlines = false);

// True when printable(text, true) would change nothing but tabs: plain text.
bool is_plain_text(std::string_view text);

// Writes all of `text` to `fd`, retrying short writes; false on error (errno set).
bool write_all(int fd, std::string_view text);

// Writes `text` (a token, headers, a raw answer that holds a token) to stdout as it is, then
// wipes it. A secret is never altered: one that is not plain text is not printed at all, and
// the call reports and returns exit_error. Otherwise exit_ok, or reports and returns exit_error.
int print_secret(std::string& text);

// Writes printable(text, true) to stdout: for what the agent says (tables, answers, versions).
// Returns exit_ok, or reports and returns exit_error.
int print(std::string_view text);

} // namespace tok::cli
