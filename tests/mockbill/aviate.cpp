// SPDX-License-Identifier: MIT
// Kill Bill Aviate plugin: Basic email:password exchanged for an RS256 Cognito-style ID
// token, and one protected call that also needs the Kill Bill tenant headers.
#include "api.hpp"
#include "jwt.hpp"
#include "state.hpp"

#include <array>

namespace mockbill {

namespace json = boost::json;

// Named, not anonymous: a unity build puts the four APIs in one translation unit.
namespace aviate_routes {

constexpr std::string_view tenant_api_key = "demo-tenant";
constexpr std::string_view tenant_api_secret = "demo-secret";
constexpr std::string_view issuer = "https://cognito-idp.mock.invalid/mockbill";
constexpr std::string_view audience = "mockbill-aviate-client";

// Aviate documents status codes only; a small JSON body keeps clients honest about
// depending on the status alone.
response error(unsigned status, std::string_view message)
{
    return json_response(status, json::object{{"message", message}});
}

std::string issue_token(state& st, const user_record& user)
{
    const auto& cfg = st.cfg.aviate;
    std::int64_t iat = st.now(api_id::aviate);
    std::int64_t exp = iat + cfg.lifetime - (cfg.exp_minus_one ? 1 : 0);
    // Claim order follows the real sample token; the Aviate-specific product claims
    // (features, custom:ba_id, ...) are left out because no client should depend on them.
    json::object claims{{"sub", user.id},
                        {"email_verified", true},
                        {"iss", issuer},
                        {"cognito:username", user.id},
                        {"aud", audience},
                        {"token_use", "id"},
                        {"auth_time", iat},
                        {"exp", exp},
                        {"iat", iat},
                        {"jti", make_uuid()},
                        {"email", user.email}};
    std::string token = sign_rs256(claims, st.rsa(), aviate_kid);
    st.remember_access(token, access_grant{api_id::aviate, user.email, exp});
    return token;
}

handled auth(state& st, const request& req)
{
    auto basic = basic_auth(req);
    if (!basic.creds)
        return {error(400, "Malformed Basic auth header"), outcome::rejected};
    const user_record* user = st.authenticate(basic.creds->user, basic.creds->password);
    if (!user)
        return {error(401, "Invalid credentials"), outcome::rejected};
    return {json_response(200, json::object{{"token", issue_token(st, *user)}}), outcome::ok};
}

handled catalog_info(state& st, const request& req)
{
    auto token = bearer_token(req);
    token_check check = token ? st.check_access(api_id::aviate, *token) : token_check::unknown;
    // Beast looks header names up case-insensitively, as the docs' mixed spellings need.
    bool tenant_ok = constant_time_equal(req["X-Killbill-ApiKey"], tenant_api_key) &&
                     constant_time_equal(req["X-Killbill-ApiSecret"], tenant_api_secret);
    // A bad token or tenant is "invalid"; "expired" is reserved for an otherwise good call
    // so that expired_requests counts exactly the calls a re-login would fix.
    if (check == token_check::unknown || !tenant_ok)
        return {error(401, "Unauthorized"), outcome::invalid};
    if (check == token_check::expired)
        return {error(401, "Token expired"), outcome::expired};
    return {json_response(200, json::object{{"catalogMode", "CATALOG_STATE_AVIATE"}}), outcome::ok};
}

json::object error_body(state&, const request&, unsigned status)
{
    return {{"message", reason(status)}};
}

constexpr std::array routes{
    route{http::verb::post, "/plugins/aviate-plugin/v1/auth", endpoint_kind::login, auth},
    route{http::verb::get, "/plugins/aviate-plugin/v1/catalog/info", endpoint_kind::resource,
          catalog_info},
};

} // namespace aviate_routes

const api_def& aviate_api()
{
    static const api_def def{api_id::aviate, aviate_routes::routes, aviate_routes::error_body};
    return def;
}

} // namespace mockbill
