// SPDX-License-Identifier: MIT
// KillB API v2: JSON login answered 201 with expiresIn in milliseconds, refresh with a
// rotating (or reusable) refresh token, NestJS-style errors with message arrays.
#include "api.hpp"
#include "json_util.hpp"
#include "jwt.hpp"
#include "state.hpp"

#include <array>

namespace mockbill {

namespace json = boost::json;

// Named, not anonymous: a unity build puts the four APIs in one translation unit.
namespace killb_routes {

response error(unsigned status, std::string_view code, std::string_view message)
{
    return json_response(status, json::object{{"errorCode", code},
                                              {"message", json::array{message}},
                                              {"statusCode", std::to_string(status)}});
}

// The API_USER.0001 validation error. `value` never carries a password.
response bad_request(std::string_view message, std::string_view key, std::string_view value)
{
    return json_response(400, json::object{{"errorCode", "API_USER.0001"},
                                           {"message", json::array{message}},
                                           {"statusCode", "400"},
                                           {"arguments", json::array{json::object{
                                                             {"key", key}, {"value", value}}}}});
}

// Body fields from JSON, or from form data as the Python SDK posts them (NestJS parses both).
std::optional<json::object> body_fields(const request& req)
{
    if (has_media_type(req, "application/x-www-form-urlencoded")) {
        auto form = parse_form(req.body());
        if (!form)
            return std::nullopt;
        json::object o;
        for (auto& [k, v] : *form)
            o[k] = v;
        return o;
    }
    auto v = parse_json(req.body());
    if (!v || !v->is_object())
        return std::nullopt;
    return std::move(v->get_object());
}

struct token_pair {
    std::string access;
    std::string refresh;
};

token_pair issue(state& st, const user_record& user)
{
    const auto& cfg = st.cfg.killb;
    std::int64_t iat = st.now(api_id::killb);
    std::int64_t exp = iat + cfg.lifetime;
    std::int64_t refresh_exp = iat + cfg.refresh_lifetime;
    token_pair t;
    if (cfg.opaque_tokens) {
        t.access = random_hex(20);
        t.refresh = random_hex(20);
    } else {
        t.access = sign_hs256({{"sub", user.id}, {"email", user.email}, {"iat", iat}, {"exp", exp}},
                              st.access_secret());
        // jti keeps two refresh tokens minted in the same second distinct, which rotation needs.
        t.refresh = sign_hs256({{"sub", user.id},
                                {"email", user.email},
                                {"iat", iat},
                                {"exp", refresh_exp},
                                {"jti", make_uuid()}},
                               st.refresh_secret());
    }
    st.remember_access(t.access, access_grant{api_id::killb, user.email, exp});
    st.remember_refresh(t.refresh, refresh_grant{api_id::killb, user.email, {}, {}, refresh_exp});
    return t;
}

handled login(state& st, const request& req)
{
    auto fields = body_fields(req);
    if (!fields)
        return {bad_request("email must be an email", "email", ""), outcome::rejected};
    auto email = string_at(*fields, "email");
    if (!email || !looks_like_email(*email))
        return {bad_request("email must be an email", "email", email.value_or("")), outcome::rejected};
    auto password = string_at(*fields, "password");
    if (!password)
        return {bad_request("password must be a string", "password", ""), outcome::rejected};
    const user_record* user = st.authenticate(*email, *password);
    if (!user)
        return {error(401, "AUTH.0001", "Invalid credentials"), outcome::rejected};
    token_pair t = issue(st, *user);
    auto status = static_cast<unsigned>(st.cfg.killb.login_status);
    return {json_response(status, json::object{{"accessToken", t.access},
                                               {"expiresIn", st.cfg.killb.lifetime * 1000},
                                               {"refreshToken", t.refresh}}),
            outcome::ok};
}

handled refresh(state& st, const request& req)
{
    auto fields = body_fields(req);
    if (!fields)
        return {bad_request("refreshToken must be a string", "refreshToken", ""), outcome::rejected};
    auto invalid = [] { return error(401, "AUTH.0003", "Invalid token"); };
    auto token = string_at(*fields, "refreshToken");
    refresh_grant* grant = token ? st.find_refresh(api_id::killb, *token) : nullptr;
    if (!grant)
        return {invalid(), outcome::rejected};
    if (grant->dead)
        return {invalid(), outcome::reuse};
    const user_record* user = st.find_user(grant->subject);
    if (st.now(api_id::killb) >= grant->exp || !user)
        return {invalid(), outcome::rejected};
    if (st.cfg.killb.refresh == refresh_policy::rotate)
        grant->dead = true;
    token_pair t = issue(st, *user);
    auto status = static_cast<unsigned>(st.cfg.killb.login_status);
    return {json_response(status, json::object{{"accessToken", t.access},
                                               {"refreshToken", t.refresh},
                                               {"expiresIn", st.cfg.killb.lifetime * 1000}}),
            outcome::ok};
}

// Shared bearer check of the protected endpoints: AUTH.0002 tells the client to refresh,
// AUTH.0003 to log in again.
template <class Body>
handled protected_call(state& st, const request& req, Body body)
{
    auto token = bearer_token(req);
    const access_grant* grant = nullptr;
    auto check = token ? st.check_access(api_id::killb, *token, &grant) : token_check::unknown;
    if (check == token_check::expired)
        return {error(401, "AUTH.0002", "Token expired"), outcome::expired};
    const user_record* user = grant ? st.find_user(grant->subject) : nullptr;
    if (check == token_check::unknown || !user)
        return {error(401, "AUTH.0003", "Invalid token"), outcome::invalid};
    return {json_response(200, body(*user)), outcome::ok};
}

handled me(state& st, const request& req)
{
    return protected_call(st, req, [](const user_record& u) {
        return json::object{{"id", u.id},
                            {"email", u.email},
                            {"customerId", u.customer_id},
                            {"roles", json::array{}},
                            {"permissions", json::array{}},
                            {"createdAt", u.created_at},
                            {"updatedAt", u.created_at},
                            {"active", true},
                            {"origin", "API"}};
    });
}

handled users(state& st, const request& req)
{
    return protected_call(st, req, [](const user_record&) {
        return json::object{{"users", json::array{}}};
    });
}

json::object error_body(state&, const request&, unsigned status)
{
    // KillB's 500 carries no errorCode; other injected statuses follow the same shape.
    std::string message = status == 500 ? "Internal server error" : reason(status);
    return {{"statusCode", std::to_string(status)}, {"message", json::array{json::string(message)}}};
}

constexpr std::array routes{
    route{http::verb::post, "/api/v2/auth/login", endpoint_kind::login, login},
    route{http::verb::post, "/api/v2/auth/refresh", endpoint_kind::refresh, refresh},
    route{http::verb::get, "/api/v2/auth/me", endpoint_kind::resource, me},
    route{http::verb::get, "/api/v2/users", endpoint_kind::resource, users},
};

} // namespace killb_routes

const api_def& killb_api()
{
    static const api_def def{api_id::killb, killb_routes::routes, killb_routes::error_body};
    return def;
}

} // namespace mockbill
