// SPDX-License-Identifier: MIT
// tokend's command line: tokend [--config PATH] [--socket PATH] [--log-level L] [--check].
#pragma once

#include "sys/log.hpp"

#include <optional>
#include <string>

namespace tokend::agent {

struct options {
    std::optional<std::string> config;
    std::optional<std::string> socket;
    std::optional<log::level> log_level;
    bool check = false;
    bool help = false;
    bool version = false;
};

// nullopt after printing a usage error to stderr (exit 2).
std::optional<options> parse_options(int argc, char** argv);
void print_usage(bool to_stderr);

} // namespace tokend::agent
