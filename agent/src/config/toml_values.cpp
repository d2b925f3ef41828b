// SPDX-License-Identifier: MIT
#include "config/toml_values.hpp"

#include <tokend/proto/duration.hpp>
#include <tokend/proto/wipe.hpp>

#include <cstdio>
#include <cstdlib>

namespace tokend::agent::config_detail {
namespace {

// "CR", "LF", ... for the first control character in `s`, if any.
std::optional<std::string> control_character_in(std::string_view s)
{
    for (unsigned char c : s) {
        if (c >= 0x20 && c != 0x7f)
            continue;
        switch (c) {
        case 0x00: return "NUL";
        case '\t': return "TAB";
        case '\n': return "LF";
        case '\r': return "CR";
        case 0x7f: return "DEL";
        default: {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02X", c);
            return hex;
        }
        }
    }
    return std::nullopt;
}

} // namespace

config_error error_at(const context& cx, const toml::source_region& src, std::string_view key,
                      std::string_view what)
{
    std::string m = cx.path + ":" + std::to_string(src.begin.line) + ": ";
    if (!key.empty())
        m.append(key).append(": ");
    for (char c : what) // toml++'s own messages may quote raw newlines: keep one log line
        m.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
    return {std::move(m)};
}

std::string where_of(const context& cx, const toml::source_region& src, std::string_view key)
{
    return cx.path + ":" + std::to_string(src.begin.line) + ": " + std::string(key);
}

config_result<std::string> read_string(const context& cx, const toml::node& v, const std::string& key)
{
    auto s = v.value<std::string>();
    if (!s || !v.is_string())
        return error_at(cx, v.source(), key, "expected a string");
    if (auto c = control_character_in(*s); c && !key.ends_with("_command")) {
        proto::secure_wipe(*s); // it may be an inline secret
        return error_at(cx, v.source(), key, "must not contain a control character (found " + *c + ")");
    }
    return config_result<std::string>(boost::system::in_place_value, std::move(*s));
}

config_result<duration> read_duration(const context& cx, const toml::node& v, const std::string& key)
{
    std::optional<std::chrono::milliseconds> d;
    if (auto i = v.as_integer(); i && i->get() >= 0)
        d = std::chrono::seconds(i->get());
    else if (auto s = v.as_string())
        d = proto::parse_duration(s->get());
    if (!d)
        return error_at(cx, v.source(), key, "expected a duration: integer seconds, or \"90s\", \"5m\", \"1h\"");
    return std::chrono::duration_cast<duration>(*d);
}

config_result<bool> read_bool(const context& cx, const toml::node& v, const std::string& key)
{
    if (auto b = v.as_boolean())
        return b->get();
    return error_at(cx, v.source(), key, "expected true or false");
}

std::string expand_home(std::string path)
{
    if (path == "~" || path.starts_with("~/")) {
        const char* home = std::getenv("HOME");
        if (home && *home)
            path.replace(0, 1, home);
    }
    return path;
}

void wipe_strings(toml::node& n)
{
    if (auto* t = n.as_table())
        for (auto&& [k, v] : *t)
            wipe_strings(v);
    else if (auto* a = n.as_array())
        for (auto& v : *a)
            wipe_strings(v);
    else if (auto* s = n.as_string())
        proto::secure_wipe(s->get());
}

} // namespace tokend::agent::config_detail
