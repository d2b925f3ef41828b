// SPDX-License-Identifier: MIT
// NovaBilling (NestJS): strict JSON DTOs, login answered 200 with the tenant object and no
// expiresIn, refresh that is stateless on the real server but single-use in the docs, a
// per-route throttler, and one error envelope for everything.
#include "api.hpp"
#include "json_util.hpp"
#include "jwt.hpp"
#include "state.hpp"

#include <array>
#include <initializer_list>

namespace mockbill {

namespace json = boost::json;

// Named, not anonymous: a unity build puts the four APIs in one translation unit.
namespace novabilling_routes {

// The HttpExceptionFilter envelope every NovaBilling error uses.
json::object envelope(state& st, const request& req, unsigned status, std::string_view message,
                      json::value errors = nullptr)
{
    std::string_view path = req.target();
    return {{"statusCode", status},
            {"message", message},
            {"errors", std::move(errors)},
            {"timestamp", iso8601_ms(st.now_ms(api_id::novabilling))},
            {"path", path}};
}

response error(state& st, const request& req, unsigned status, std::string_view message,
               json::value errors = nullptr)
{
    return json_response(status, envelope(st, req, status, message, std::move(errors)));
}

// ValidationPipe({whitelist, forbidNonWhitelisted}) over a DTO of required string fields.
// Without a JSON Content-Type Nest sees an empty body, so every field fails.
std::optional<response> validate(state& st, const request& req,
                                 std::initializer_list<std::string_view> fields, json::object& body)
{
    // body-parser reads an empty JSON body as {}; anything else must parse.
    if (has_media_type(req, "application/json") && !req.body().empty()) {
        auto v = parse_json(req.body());
        if (!v)
            return error(st, req, 400, "Unexpected token in JSON body");
        if (v->is_object())
            body = std::move(v->get_object());
    }
    json::array errors;
    for (const auto& kv : body) {
        bool known = false;
        for (auto f : fields)
            known = known || kv.key() == f;
        if (!known)
            errors.push_back({{"field", "property"},
                              {"message", "property " + std::string(kv.key()) + " should not exist"}});
    }
    for (auto f : fields) {
        auto value = string_at(body, f);
        if (f == "email" && (!value || !looks_like_email(*value)))
            errors.push_back({{"field", "email"}, {"message", "email must be an email"}});
        else if (!value)
            errors.push_back({{"field", f}, {"message", std::string(f) + " must be a string"}});
    }
    if (errors.empty())
        return std::nullopt;
    return error(st, req, 400, "Validation failed", std::move(errors));
}

struct throttled {
    std::optional<response> res; // the 429, when over the limit
    rate_verdict verdict;
    bool active = false;
};

// @nestjs/throttler runs before validation and counts every request on the route. The real
// key is route + client IP; per account lets tests on one loopback IP stay independent.
throttled throttle(state& st, const request& req, std::string_view route_name, std::string account)
{
    const auto& cfg = st.cfg.novabilling;
    if (cfg.rate_limit <= 0)
        return {};
    auto key = std::string(route_name) + '\n' + account;
    throttled t{std::nullopt, st.limiter.hit(key, cfg.rate_limit, cfg.rate_window, st.uptime()), true};
    if (t.verdict.allowed)
        return t;
    std::int64_t s = t.verdict.reset_after;
    response res = cfg.throttle == throttle_style::docs
        ? json_response(429, json::object{{"statusCode", 429},
                                          {"message", "Rate limit exceeded. Try again in " +
                                                          std::to_string(s) + " seconds"},
                                          {"retryAfter", s}})
        : error(st, req, 429, "ThrottlerException: Too Many Requests");
    res.set(http::field::retry_after, std::to_string(s));
    t.res = std::move(res);
    return t;
}

void add_rate_headers(response& res, const throttled& t)
{
    if (!t.active)
        return;
    res.set("X-RateLimit-Limit", std::to_string(t.verdict.limit));
    res.set("X-RateLimit-Remaining", std::to_string(t.verdict.remaining));
    res.set("X-RateLimit-Reset", std::to_string(t.verdict.reset_after));
}

// The account a request is throttled under, read without any verification.
std::string body_email(const request& req)
{
    auto v = parse_json(req.body());
    return v && v->is_object() ? string_at(v->get_object(), "email").value_or("") : "";
}

std::string refresh_token_email(const request& req)
{
    auto v = parse_json(req.body());
    auto token = v && v->is_object() ? string_at(v->get_object(), "refreshToken") : std::nullopt;
    auto first = token ? token->find('.') : std::string::npos;
    auto second = first == std::string::npos ? first : token->find('.', first + 1);
    if (second == std::string::npos)
        return {};
    auto payload = base64url_decode(std::string_view(*token).substr(first + 1, second - first - 1));
    auto claims = payload ? parse_json(*payload) : std::nullopt;
    return claims && claims->is_object() ? string_at(claims->get_object(), "email").value_or("") : "";
}

json::object tenant_json(const user_record& u)
{
    return {{"id", u.tenant_id},         {"name", u.tenant_name},
            {"email", u.email},          {"companyName", u.company_name},
            {"apiKey", u.api_key},       {"webhookSecret", u.webhook_secret},
            {"isActive", true},          {"createdAt", u.created_at}};
}

json::object issue(state& st, const user_record& u)
{
    const auto& cfg = st.cfg.novabilling;
    std::int64_t iat = st.now(api_id::novabilling);
    std::int64_t exp = iat + cfg.lifetime;
    std::int64_t refresh_exp = iat + cfg.refresh_lifetime;
    json::object claims{{"sub", u.tenant_id}, {"email", u.email}, {"iat", iat}, {"exp", exp}};
    std::string access = sign_hs256(claims, st.access_secret());
    st.remember_access(access, access_grant{api_id::novabilling, u.email, exp});
    claims["exp"] = refresh_exp;
    // The real server is stateless and deterministic (equal tokens within one second). The
    // documented single-use mode needs distinct tokens, hence a jti only there.
    if (cfg.refresh == refresh_policy::rotate)
        claims["jti"] = make_uuid();
    std::string refresh = sign_hs256(claims, st.refresh_secret());
    if (cfg.refresh == refresh_policy::rotate)
        st.remember_refresh(refresh, refresh_grant{api_id::novabilling, u.email, {}, {}, refresh_exp});
    return {{"accessToken", std::move(access)}, {"refreshToken", std::move(refresh)}};
}

handled login(state& st, const request& req)
{
    auto t = throttle(st, req, "login", body_email(req));
    if (t.res)
        return {std::move(*t.res), outcome::rate_limited};
    json::object body;
    handled out{};
    if (auto bad = validate(st, req, {"email", "password"}, body)) {
        out = {std::move(*bad), outcome::rejected};
    } else if (auto user = st.authenticate(*string_at(body, "email"), *string_at(body, "password"))) {
        json::object tokens = issue(st, *user);
        out = {json_response(200, json::object{{"tenant", tenant_json(*user)},
                                               {"accessToken", tokens["accessToken"]},
                                               {"refreshToken", tokens["refreshToken"]}}),
               outcome::ok};
    } else {
        out = {error(st, req, 401, "Invalid credentials"), outcome::rejected};
    }
    add_rate_headers(out.res, t);
    return out;
}

// Who a refresh token belongs to, per the configured policy; nullptr means 401.
const user_record* redeem(state& st, const std::string& token, outcome& failure)
{
    failure = outcome::rejected;
    std::int64_t now = st.now(api_id::novabilling);
    if (st.cfg.novabilling.refresh == refresh_policy::stateless) {
        auto claims = verify_hs256(token, st.refresh_secret());
        if (!claims)
            return nullptr;
        auto exp = claims->contains("exp") ? as_int(claims->at("exp")) : std::nullopt;
        auto user = st.find_user(string_at(*claims, "email").value_or(""));
        bool same_tenant = user && string_at(*claims, "sub") == user->tenant_id;
        return exp && now < *exp && same_tenant ? user : nullptr;
    }
    refresh_grant* grant = st.find_refresh(api_id::novabilling, token);
    if (grant && grant->dead)
        failure = outcome::reuse;
    if (!grant || grant->dead || now >= grant->exp)
        return nullptr;
    grant->dead = true;
    return st.find_user(grant->subject);
}

handled refresh(state& st, const request& req)
{
    auto t = throttle(st, req, "refresh", refresh_token_email(req));
    if (t.res)
        return {std::move(*t.res), outcome::rate_limited};
    json::object body;
    handled out{};
    outcome failure = outcome::rejected;
    if (auto bad = validate(st, req, {"refreshToken"}, body))
        out = {std::move(*bad), outcome::rejected};
    else if (auto user = redeem(st, *string_at(body, "refreshToken"), failure))
        out = {json_response(200, issue(st, *user)), outcome::ok};
    else
        out = {error(st, req, 401, "Invalid or expired refresh token"), failure};
    add_rate_headers(out.res, t);
    return out;
}

// JWT-only route: passport-jwt answers a bare 401 "Unauthorized" for every failure.
handled tenants_me(state& st, const request& req)
{
    auto token = bearer_token(req);
    const access_grant* grant = nullptr;
    auto check = token ? st.check_access(api_id::novabilling, *token, &grant) : token_check::unknown;
    const user_record* user = grant ? st.find_user(grant->subject) : nullptr;
    if (check == token_check::ok && user)
        return {json_response(200, tenant_json(*user)), outcome::ok};
    return {error(st, req, 401, "Unauthorized"),
            check == token_check::expired ? outcome::expired : outcome::invalid};
}

// TenantGuard route: a JWT access token or the tenant's API key, with or without "Bearer ".
handled customers(state& st, const request& req)
{
    std::string_view header = req[http::field::authorization];
    if (header.empty())
        return {error(st, req, 401, "Missing Authorization header"), outcome::invalid};
    std::string_view token = bearer_token(req).value_or(header);
    if (st.find_user_by_api_key(token))
        return {json_response(200, json::object{{"data", json::array{}}}), outcome::ok};
    auto check = st.check_access(api_id::novabilling, token);
    if (check == token_check::ok)
        return {json_response(200, json::object{{"data", json::array{}}}), outcome::ok};
    return {error(st, req, 401, "Invalid credentials"),
            check == token_check::expired ? outcome::expired : outcome::invalid};
}

json::object error_body(state& st, const request& req, unsigned status)
{
    std::string message = status == 429   ? "ThrottlerException: Too Many Requests"
                           : status == 500 ? "Internal server error"
                                           : reason(status);
    return envelope(st, req, status, message);
}

constexpr std::array routes{
    route{http::verb::post, "/api/auth/login", endpoint_kind::login, login},
    route{http::verb::post, "/api/auth/refresh", endpoint_kind::refresh, refresh},
    route{http::verb::get, "/api/tenants/me", endpoint_kind::resource, tenants_me},
    route{http::verb::get, "/api/customers", endpoint_kind::resource, customers},
};

} // namespace novabilling_routes

const api_def& novabilling_api()
{
    static const api_def def{api_id::novabilling, novabilling_routes::routes, novabilling_routes::error_body};
    return def;
}

} // namespace mockbill
