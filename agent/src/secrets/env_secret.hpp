// SPDX-License-Identifier: MIT
// `NAME_env` secrets (docs/credentials.md, "Environment variables"): the value is copied into
// locked memory the first time a config names the variable, then the variable is removed
// from tokend's environment and its bytes in the initial environment block (what
// /proc/PID/environ shows) are wiped. Later reads, e.g. by a reload, get the captured value.
#pragma once

#include "secrets/secret.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace tokend::agent {

// The captured value of `name`; nullopt when it was not set, or empty, when first asked for.
std::optional<secret> capture_env_secret(const std::string& name);

// Whether a config ever named `name` in an `_env` key: such a variable never reaches a
// `_command` child, even if it was set again after the capture.
bool is_env_secret_name(std::string_view name);

} // namespace tokend::agent
