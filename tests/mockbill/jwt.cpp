// SPDX-License-Identifier: MIT
// JWT signing and HS256 verification.
#include "jwt.hpp"

#include "json_util.hpp"

#include <boost/json/serialize.hpp>

namespace mockbill {

namespace json = boost::json;

namespace {

std::string signing_input(const json::object& header, const json::object& payload)
{
    return base64url_encode(json::serialize(header)) + '.' +
           base64url_encode(json::serialize(payload));
}

} // namespace

std::string sign_hs256(const json::object& payload, std::string_view secret)
{
    std::string input = signing_input({{"alg", "HS256"}, {"typ", "JWT"}}, payload);
    return input + '.' + base64url_encode(hmac_sha256(secret, input));
}

std::string sign_rs256(const json::object& payload, const rsa_key& key, std::string_view kid)
{
    std::string input = signing_input({{"kid", kid}, {"alg", "RS256"}}, payload);
    return input + '.' + base64url_encode(key.sign_sha256(input));
}

std::optional<json::object> verify_hs256(std::string_view token, std::string_view secret)
{
    auto dot1 = token.find('.');
    auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return std::nullopt;
    auto input = token.substr(0, dot2);
    auto sig = base64url_decode(token.substr(dot2 + 1));
    if (!sig || !constant_time_equal(*sig, hmac_sha256(secret, input)))
        return std::nullopt;
    auto header = base64url_decode(token.substr(0, dot1));
    auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    if (!header || !payload)
        return std::nullopt;
    auto h = parse_json(*header);
    auto p = parse_json(*payload);
    if (!h || !h->is_object() || !p || !p->is_object())
        return std::nullopt;
    auto alg = string_at(h->get_object(), "alg");
    if (!alg || *alg != "HS256")
        return std::nullopt;
    return p->get_object();
}

} // namespace mockbill
