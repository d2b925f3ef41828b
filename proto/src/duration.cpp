// SPDX-License-Identifier: MIT
#include <tokend/proto/duration.hpp>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>

namespace tokend::proto {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text)
{
    using namespace std::chrono;
    if (text.empty())
        return std::nullopt;
    constexpr std::int64_t limit = std::int64_t{1} << 50; // ms: far beyond any sane setting
    std::int64_t total = 0;
    std::string_view rest = text;
    bool bare = true;
    while (!rest.empty()) {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
        if (ec != std::errc() || n < 0 || end == rest.data())
            return std::nullopt;
        rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
        std::size_t unit_len = 0;
        while (unit_len < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_len])))
            ++unit_len;
        std::string_view unit = rest.substr(0, unit_len);
        rest.remove_prefix(unit_len);
        std::int64_t scale = 0;
        if (unit.empty())
            scale = bare && rest.empty() ? 1000 : 0; // a bare number means seconds
        else if (unit == "ms") scale = 1;
        else if (unit == "s") scale = 1000;
        else if (unit == "m") scale = 60'000;
        else if (unit == "h") scale = 3'600'000;
        else if (unit == "d") scale = 86'400'000;
        if (scale == 0 || n > limit / scale || total > limit - n * scale)
            return std::nullopt;
        total += n * scale;
        bare = false;
    }
    return milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds d)
{
    using namespace std::chrono;
    auto ms = d.count();
    std::string sign = ms < 0 ? "-" : "";
    if (ms < 0)
        ms = -ms;
    auto two = [](long long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
    if (ms < 1000)
        return sign + std::to_string(ms) + "ms";
    long long s = ms / 1000;
    if (s < 60)
        return sign + std::to_string(s) + "s";
    if (s < 3600)
        return sign + std::to_string(s / 60) + "m" + (s < 600 && s % 60 ? two(s % 60) + "s" : "");
    if (s < 86400)
        return sign + std::to_string(s / 3600) + "h" + (s % 3600 / 60 ? two(s % 3600 / 60) + "m" : "");
    return sign + std::to_string(s / 86400) + "d" + (s % 86400 / 3600 ? two(s % 86400 / 3600) + "h" : "");
}

} // namespace tokend::proto
