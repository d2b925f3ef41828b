// SPDX-License-Identifier: MIT
// Small Boost.JSON helpers shared by the control API and the mocked APIs: bounded parsing,
// strict integer reads and string lookups that tolerate absent keys.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace mockbill {

// Parses a request body; nullopt for anything that is not one well-formed JSON text.
inline std::optional<boost::json::value> parse_json(std::string_view text)
{
    boost::json::parse_options opts;
    opts.max_depth = 32; // control bodies are shallow; bound the parser's recursion
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec, {}, opts);
    if (ec)
        return std::nullopt;
    return v;
}

// An integer-valued JSON number (no doubles, no strings).
inline std::optional<std::int64_t> as_int(const boost::json::value& v)
{
    if (v.is_int64())
        return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= std::uint64_t(std::numeric_limits<std::int64_t>::max()))
        return static_cast<std::int64_t>(v.get_uint64());
    return std::nullopt;
}

inline std::optional<double> as_double(const boost::json::value& v)
{
    if (v.is_double())
        return v.get_double();
    if (auto i = as_int(v))
        return static_cast<double>(*i);
    return std::nullopt;
}

// The string under `key`, or nullopt when absent or not a string.
inline std::optional<std::string> string_at(const boost::json::object& o, std::string_view key)
{
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_string())
        return std::nullopt;
    return std::string(it->value().get_string());
}

// First key of `o` not in `allowed`, or empty when all keys are known.
inline std::string unknown_key(const boost::json::object& o,
                               std::initializer_list<std::string_view> allowed)
{
    for (const auto& kv : o) {
        bool known = false;
        for (auto a : allowed)
            known = known || kv.key() == a;
        if (!known)
            return std::string(kv.key());
    }
    return {};
}

} // namespace mockbill
