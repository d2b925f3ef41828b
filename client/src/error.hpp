// SPDX-License-Identifier: MIT
// The message of the calling thread's last failure (client::last_error_message), and how
// the client's internals report one.
#pragma once

#include <tok/client.hpp>

#include <string>
#include <system_error>

namespace tok::detail {

// Records `message` as the calling thread's last error and returns `code`, so a failure
// path reads `return fail(errc::timeout, "...")`.
std::error_code fail(errc code, std::string message);
std::error_code fail(std::error_code code, std::string message);

// Forgets the last error (every operation starts with this).
void clear_last_error() noexcept;

const std::string& last_error() noexcept;

} // namespace tok::detail
