// SPDX-License-Identifier: MIT
#include "upstream/jwt.hpp"

#include "upstream/base64.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace tokend::agent {
namespace json = boost::json;
namespace {

constexpr double last_second_of_9999 = 253402300799.0;

// Claims are seconds since the epoch. A negative one is not a time and is ignored; one past
// year 9999 (up to infinity, which Boost.JSON makes of 1e400) is read as year 9999, and
// policy::lifetime then clamps what it means to ten years (docs/refresh.md, "Bounds").
std::optional<std::int64_t> read_time(const json::object& o, std::string_view key)
{
    const json::value* v = o.if_contains(key);
    if (!v)
        return std::nullopt;
    double d;
    if (v->is_int64()) d = static_cast<double>(v->get_int64());
    else if (v->is_uint64()) d = static_cast<double>(v->get_uint64());
    else if (v->is_double()) d = v->get_double();
    else return std::nullopt;
    if (std::isnan(d) || d < 0)
        return std::nullopt;
    return static_cast<std::int64_t>(std::floor(std::min(d, last_second_of_9999)));
}

} // namespace

std::optional<jwt_times> read_jwt_times(std::string_view token)
{
    auto dot1 = token.find('.');
    auto dot2 = dot1 == token.npos ? token.npos : token.find('.', dot1 + 1);
    if (dot2 == token.npos || token.find('.', dot2 + 1) != token.npos)
        return std::nullopt;
    auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    if (!payload)
        return std::nullopt;
    json::parse_options opt;
    opt.max_depth = 32;
    boost::system::error_code ec;
    json::value v = json::parse(*payload, ec, {}, opt);
    if (ec || !v.is_object())
        return std::nullopt;
    return jwt_times{read_time(v.get_object(), "iat"), read_time(v.get_object(), "exp")};
}

} // namespace tokend::agent
