// SPDX-License-Identifier: MIT
#include "sys/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace tokend::agent::log {
namespace {

level threshold_ = level::info;
style style_ = style::timestamped;
std::function<void(level, std::string_view)> sink_;

const char* level_name(level l)
{
    switch (l) {
    case level::error: return "error";
    case level::warn: return "warn";
    case level::info: return "info";
    case level::debug: return "debug";
    }
    return "info";
}

} // namespace

std::optional<level> parse_level(std::string_view s)
{
    if (s == "error") return level::error;
    if (s == "warn" || s == "warning") return level::warn;
    if (s == "info") return level::info;
    if (s == "debug") return level::debug;
    return std::nullopt;
}

bool stderr_is_journal()
{
    const char* js = std::getenv("JOURNAL_STREAM");
    struct stat st {};
    if (!js || fstat(STDERR_FILENO, &st) != 0)
        return false;
    unsigned long long dev = 0, ino = 0;
    return std::sscanf(js, "%llu:%llu", &dev, &ino) == 2 && dev == st.st_dev && ino == st.st_ino;
}

void set_level(level t) { threshold_ = t; }
void set_style(style s) { style_ = s; }
bool enabled(level l) { return static_cast<int>(l) <= static_cast<int>(threshold_); }
void set_sink(std::function<void(level, std::string_view)> sink) { sink_ = std::move(sink); }

void write(level l, std::string_view message)
{
    if (sink_) {
        sink_(l, message);
        return;
    }
    std::string line;
    line.reserve(message.size() + 40);
    if (style_ == style::journal) {
        // journald reads the priority from each line's prefix; a message with a newline
        // would otherwise leave its later lines at the default priority.
        const char prefix[] = {'<', static_cast<char>('0' + static_cast<int>(l)), '>'};
        line.append(prefix, sizeof prefix);
        for (char c : message) {
            line += c;
            if (c == '\n')
                line.append(prefix, sizeof prefix);
        }
    } else {
        if (style_ == style::timestamped) {
            char stamp[32];
            std::time_t t = std::time(nullptr);
            struct tm tm {};
            localtime_r(&t, &tm);
            line.append(stamp, std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S ", &tm));
        }
        line += level_name(l);
        line += ": ";
        line += message;
    }
    line += '\n';
    // One write per line so concurrent writers to the same journal stream never interleave.
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

} // namespace tokend::agent::log
