// SPDX-License-Identifier: MIT
// Leveled logging to stderr, with syslog priority prefixes ("<6>...") when stderr is the
// journal. Messages are built from streamable pieces; `secret` is not streamable by design.
#pragma once

#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace tokend::agent::log {

enum class level { error = 3, warn = 4, info = 6, debug = 7 };

std::optional<level> parse_level(std::string_view s);

// How a line looks on stderr:
//   timestamped  "2025-01-31T12:00:00 warn: message" (a terminal, a log file)
//   journal      "<4>message", each line prefixed: journald stamps the time itself and
//                reads the priority from the prefix
//   plain        "warn: message" (tokend --check)
enum class style { timestamped, journal, plain };

// True when $JOURNAL_STREAM names the file stderr is connected to (systemd.exec(5)); a
// child that merely inherited the variable with stderr redirected elsewhere gets false.
bool stderr_is_journal();

void set_level(level threshold);
void set_style(style s);
bool enabled(level l);

// Replaces the stderr sink (tests); an empty function restores it.
void set_sink(std::function<void(level, std::string_view)> sink);

void write(level l, std::string_view message);

template <class... Parts>
void print(level l, const Parts&... parts)
{
    if (!enabled(l))
        return;
    std::ostringstream s;
    (s << ... << parts);
    write(l, s.str());
}

template <class... Parts> void error(const Parts&... p) { print(level::error, p...); }
template <class... Parts> void warn(const Parts&... p) { print(level::warn, p...); }
template <class... Parts> void info(const Parts&... p) { print(level::info, p...); }
template <class... Parts> void debug(const Parts&... p) { print(level::debug, p...); }

} // namespace tokend::agent::log
