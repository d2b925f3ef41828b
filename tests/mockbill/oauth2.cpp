// SPDX-License-Identifier: MIT
// A generic RFC 6749 token endpoint (client_credentials, password, refresh_token grants with
// rotating refresh tokens) and an RFC 6750 protected resource.
#include "api.hpp"
#include "jwt.hpp"
#include "state.hpp"

#include <array>

namespace mockbill {

namespace json = boost::json;

// Named, not anonymous: a unity build puts the four APIs in one translation unit.
namespace oauth2_routes {

constexpr std::string_view client_id = "demo-client";

using params = std::map<std::string, std::string>;

std::optional<std::string> param(const params& p, const std::string& key)
{
    auto it = p.find(key);
    return it == p.end() ? std::nullopt : std::optional<std::string>(it->second);
}

// §5.2 error response. Token responses, errors included, must not be cached (§5.1).
response oauth_error(unsigned status, std::string_view code, std::string_view description)
{
    response res =
        json_response(status, json::object{{"error", code}, {"error_description", description}});
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::pragma, "no-cache");
    if (status == 401)
        res.set(http::field::www_authenticate, "Basic realm=\"mockbill\"");
    return res;
}

response invalid_client() { return oauth_error(401, "invalid_client", "Client authentication failed"); }

void count_client_auth(state& st, const request& req, const params& p)
{
    auto& n = st.oauth2_client_auth;
    ++(req.find(http::field::authorization) != req.end() ? n.basic : p.contains("client_secret") ? n.post : n.none);
}

// §2.3.1: HTTP Basic with form-urlencoded id and secret (taken as sent when `basic_decoding`
// is off, like many real servers), or client_id/client_secret in the body, but never both
// secrets at once.
std::optional<response> authenticate_client(state& st, const request& req, const params& p)
{
    count_client_auth(st, req, p);
    std::optional<std::string> id, secret;
    if (req.find(http::field::authorization) != req.end()) {
        auto basic = basic_auth(req);
        if (!basic.creds)
            return invalid_client();
        if (st.cfg.oauth2.basic_decoding) {
            id = form_decode(basic.creds->user);
            secret = form_decode(basic.creds->password);
        } else {
            id = basic.creds->user;
            secret = basic.creds->password;
        }
        if (p.contains("client_secret"))
            return oauth_error(400, "invalid_request", "Multiple client authentication methods");
        if (auto body_id = param(p, "client_id"); body_id && body_id != id)
            return invalid_client();
    } else {
        id = param(p, "client_id");
        secret = param(p, "client_secret");
    }
    if (!id || !secret || !constant_time_equal(*id, client_id) ||
        !constant_time_equal(*secret, st.cfg.oauth2.client_secret))
        return invalid_client();
    return std::nullopt;
}

// Mints an access token (and a refresh token when asked) for `subject`: a user email for
// the password grant, the client id for client_credentials.
response issue(state& st, const std::string& subject, const std::optional<std::string>& scope,
               bool with_refresh)
{
    const auto& cfg = st.cfg.oauth2;
    std::int64_t iat = st.now(api_id::oauth2);
    std::int64_t exp = iat + cfg.lifetime;
    std::string access;
    if (cfg.opaque_tokens) {
        access = random_hex(20);
    } else {
        json::object claims{{"sub", subject}, {"client_id", client_id}};
        if (st.find_user(subject))
            claims["email"] = subject;
        if (scope)
            claims["scope"] = *scope;
        claims["iat"] = iat;
        claims["exp"] = exp;
        claims["jti"] = make_uuid();
        access = sign_hs256(claims, st.access_secret());
    }
    st.remember_access(access, access_grant{api_id::oauth2, subject, exp});
    json::object body{{"access_token", access}, {"token_type", "Bearer"}, {"expires_in", cfg.lifetime}};
    if (scope)
        body["scope"] = *scope;
    if (with_refresh) {
        std::string refresh = random_hex(20);
        st.remember_refresh(refresh, refresh_grant{api_id::oauth2, subject, std::string(client_id),
                                                   scope.value_or(""), iat + cfg.refresh_lifetime});
        body["refresh_token"] = refresh;
    }
    response res = json_response(200, body);
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::pragma, "no-cache");
    return res;
}

handled password_grant(state& st, const params& p)
{
    auto user = param(p, "username");
    auto password = param(p, "password");
    if (!user || !password)
        return {oauth_error(400, "invalid_request", "username and password are required"),
                outcome::rejected};
    if (!st.authenticate(*user, *password))
        return {oauth_error(400, "invalid_grant", "Invalid resource owner credentials"),
                outcome::rejected};
    return {issue(st, *user, param(p, "scope"), true), outcome::ok};
}

handled refresh_grant_call(state& st, const params& p)
{
    auto token = param(p, "refresh_token");
    if (!token)
        return {oauth_error(400, "invalid_request", "refresh_token is required"), outcome::rejected};
    refresh_grant* grant = st.find_refresh(api_id::oauth2, *token);
    if (grant && grant->dead)
        return {oauth_error(400, "invalid_grant", "Refresh token was already used"), outcome::reuse};
    if (!grant || st.now(api_id::oauth2) >= grant->exp || grant->client_id != client_id)
        return {oauth_error(400, "invalid_grant", "Invalid or expired refresh token"),
                outcome::rejected};
    grant->dead = true;
    std::string subject = grant->subject;
    auto scope = param(p, "scope");
    if (!scope && !grant->scope.empty())
        scope = grant->scope;
    return {issue(st, subject, scope, true), outcome::ok};
}

handled token(state& st, const request& req)
{
    if (!has_media_type(req, "application/x-www-form-urlencoded"))
        return {oauth_error(400, "invalid_request",
                            "Content-Type must be application/x-www-form-urlencoded"),
                outcome::rejected};
    auto p = parse_form(req.body());
    if (!p)
        return {oauth_error(400, "invalid_request", "Malformed or repeated parameter"),
                outcome::rejected};
    if (auto failed = authenticate_client(st, req, *p))
        return {std::move(*failed), outcome::rejected};
    auto grant_type = param(*p, "grant_type");
    if (!grant_type)
        return {oauth_error(400, "invalid_request", "grant_type is required"), outcome::rejected};
    if (*grant_type == "client_credentials")
        return {issue(st, std::string(client_id), param(*p, "scope"),
                      st.cfg.oauth2.refresh_tokens_for_client_credentials),
                outcome::ok};
    if (*grant_type == "password")
        return password_grant(st, *p);
    if (*grant_type == "refresh_token")
        return refresh_grant_call(st, *p);
    return {oauth_error(400, "unsupported_grant_type", "Unsupported grant_type"), outcome::rejected};
}

endpoint_kind classify_token(const request& req)
{
    auto p = parse_form(req.body());
    bool refresh = p && param(*p, "grant_type") == "refresh_token";
    return refresh ? endpoint_kind::refresh : endpoint_kind::login;
}

// RFC 6750 §3: no error code in the challenge when the request carried no token at all.
handled resource(state& st, const request& req)
{
    auto token = bearer_token(req);
    auto check = token ? st.check_access(api_id::oauth2, *token) : token_check::unknown;
    if (check == token_check::ok)
        return {json_response(200, json::object{{"ok", true}}), outcome::ok};
    bool expired = check == token_check::expired;
    response res = json_response(
        401, json::object{{"error", "invalid_token"},
                          {"error_description", expired ? "The access token expired"
                                                        : "The access token is invalid"}});
    res.set(http::field::www_authenticate,
            token ? "Bearer realm=\"mockbill\", error=\"invalid_token\"" : "Bearer realm=\"mockbill\"");
    return {std::move(res), expired ? outcome::expired : outcome::invalid};
}

json::object error_body(state&, const request&, unsigned status)
{
    std::string_view code = status == 503 || status == 429 ? "temporarily_unavailable"
                            : status == 401               ? "invalid_client"
                            : status == 400               ? "invalid_request"
                                                          : "server_error";
    return {{"error", code}, {"error_description", reason(status)}};
}

constexpr std::array routes{
    route{http::verb::post, "/oauth2/token", endpoint_kind::login, token, classify_token},
    route{http::verb::get, "/oauth2/resource", endpoint_kind::resource, resource},
};

} // namespace oauth2_routes

const api_def& oauth2_api()
{
    static const api_def def{api_id::oauth2, oauth2_routes::routes, oauth2_routes::error_body};
    return def;
}

} // namespace mockbill
