// SPDX-License-Identifier: MIT
// Reading one TOML value of the config: strings without control characters, durations,
// booleans, and the error that names the file, the line and the key. Internal to config/.
#pragma once

#include "config/config.hpp"

#include <toml++/toml.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tokend::agent::config_detail {

struct context {
    const std::string& path;
    unsigned mode;
    // Each ca_file is read once per load, however many profiles name it.
    mutable std::map<std::string, std::shared_ptr<const ca_bundle>> ca_files{};
};

// "path:line: key: what" (control characters in `what` become spaces: one log line).
config_error error_at(const context& cx, const toml::source_region& src, std::string_view key, std::string_view what);
// "path:line: key", for messages about a value read later (secrets).
std::string where_of(const context& cx, const toml::source_region& src, std::string_view key);

// Values reach request lines, headers we send and headers we serve: a CR or LF there would
// end the header and start one of the value's choosing (docs/configuration.md, "Control
// characters"). Only a _command, which is a shell script, may span lines.
config_result<std::string> read_string(const context& cx, const toml::node& v, const std::string& key);
config_result<duration> read_duration(const context& cx, const toml::node& v, const std::string& key);
config_result<bool> read_bool(const context& cx, const toml::node& v, const std::string& key);

// A leading "~" or "~/" becomes $HOME.
std::string expand_home(std::string path);

// The parsed tree holds inline secrets in toml++'s own strings; wipe them all once read.
void wipe_strings(toml::node& n);

} // namespace tokend::agent::config_detail
