// SPDX-License-Identifier: MIT
#include "upstream/providers/oauth2.hpp"

#include "upstream/providers/registry.hpp"
#include "upstream/providers/reply.hpp"

#include <boost/json.hpp>

#include <charconv>

namespace tokend::agent {
namespace {

void add_param(secret_string& body, std::string_view name, std::string_view value)
{
    if (!body.empty())
        body += '&';
    append_form_encoded(body, name);
    body += '=';
    append_form_encoded(body, value);
}

secret_string form_encoded(std::string_view s)
{
    secret_string out;
    append_form_encoded(out, s);
    return out;
}

std::string_view view_of(const secret_string& s) { return {s.data(), s.size()}; }

// How the client names and authenticates itself, after the grant's own parameters: RFC 6749
// §2.3.1 Basic with id and secret form-encoded first (`basic`, and `auto` until the body has
// proved to be what the server takes), or client_id/client_secret in the body (`post`). A
// public client (no secret) names itself in the body.
void present_client(http_request& r, const profile_config& p, const profile_secrets& s)
{
    if (!s.client_secret) {
        add_param(r.body, "client_id", p.client_id);
    } else if (p.client_auth == oauth2_client_auth::post) {
        add_param(r.body, "client_id", p.client_id);
        add_param(r.body, "client_secret", s.client_secret->view());
    } else {
        secret_string id = form_encoded(p.client_id), pw = form_encoded(s.client_secret->view());
        r.authorization = basic_authorization(view_of(id), view_of(pw));
    }
}

http_request form_request()
{
    http_request r;
    r.content_type = "application/x-www-form-urlencoded";
    return r;
}

// expires_in is a number per RFC 6749, but some servers send it as a string.
std::optional<duration> read_expires_in(const boost::json::object& o)
{
    const auto* e = o.if_contains("expires_in");
    double v = -1;
    if (e && e->is_number())
        v = e->to_number<double>();
    else if (e && e->is_string())
        std::from_chars(e->get_string().data(), e->get_string().data() + e->get_string().size(), v);
    return stated_lifetime(v, 1.0); // clamped: "1e300" and "nan" are strings a server may send
}

// RFC 6749 §5.2: the server did not accept the client's own credentials.
bool is_invalid_client(const http_response& r)
{
    if (r.status != 400 && r.status != 401)
        return false;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(view_of(r.body), ec);
    const auto* o = ec ? nullptr : v.if_object();
    const auto* error = o ? o->if_contains("error") : nullptr;
    return error && error->is_string() && error->get_string() == "invalid_client";
}

} // namespace

http_request oauth2_provider::login_request(const profile_config& p, const profile_secrets& s) const
{
    http_request r = form_request();
    if (p.grant == oauth2_grant::password) {
        add_param(r.body, "grant_type", "password");
        add_param(r.body, "username", p.email);
        add_param(r.body, "password", s.password ? s.password->view() : "");
    } else {
        add_param(r.body, "grant_type", "client_credentials");
    }
    if (!p.scope.empty())
        add_param(r.body, "scope", p.scope);
    present_client(r, p, s);
    return r;
}

http_request oauth2_provider::refresh_request(const profile_config& p, const profile_secrets& s,
                                              std::string_view refresh_token) const
{
    http_request r = form_request();
    add_param(r.body, "grant_type", "refresh_token");
    add_param(r.body, "refresh_token", refresh_token);
    present_client(r, p, s);
    return r;
}

auth_reply oauth2_provider::read_login(const http_response& r) const
{
    auth_reply reply = read_reply(r, "token request", [](const boost::json::object& o, auth_reply& out) {
        if (!take_secret(o, "access_token", out.access_token))
            return false;
        take_secret(o, "refresh_token", out.refresh_token);
        out.expires_in = read_expires_in(o);
        return true;
    });
    reply.client_refused = reply.result == auth_reply::outcome::rejected && is_invalid_client(r);
    return reply;
}

// `auto` (docs/providers.md, "oauth2"): many servers compare the Basic credentials without
// form-decoding them, so an id or secret that form-encoding changes is refused there while
// the same secret in the body is accepted. Only then is a second request worth sending.
bool oauth2_provider::client_auth_in_body_may_help(const profile_config& p, const profile_secrets& s,
                                                   const auth_reply& refused) const
{
    if (p.client_auth != oauth2_client_auth::auto_detect || !s.client_secret || !refused.client_refused)
        return false;
    auto changes = [](std::string_view v) { return view_of(form_encoded(v)) != v; };
    return changes(p.client_id) || changes(s.client_secret->view());
}

void oauth2_provider::put_client_auth_in_body(http_request& r, const profile_config& p, const profile_secrets& s) const
{
    if (r.authorization.empty() || !s.client_secret)
        return; // already in the body (post, or a public client)
    r.authorization.reset();
    add_param(r.body, "client_id", p.client_id);
    add_param(r.body, "client_secret", s.client_secret->view());
}

} // namespace tokend::agent

namespace tokend::agent {
namespace {

constexpr std::string_view oauth2_keys[] = {"token_url", "ca_file", "allow_insecure_http", "timeout", "refresh_margin",
                                            "client_id", "client_auth", "grant", "scope", "username", "email"};
constexpr std::string_view oauth2_secrets[] = {"client_secret", "password"};

std::string_view oauth2_missing_key(const profile_config& p)
{
    bool password_grant = p.grant == oauth2_grant::password;
    if (password_grant && p.email.empty())
        return "username";
    if (p.client_id.empty())
        return "client_id";
    if (password_grant && p.client_secret.how == secret_source::kind::none)
        return "client_secret";
    return "";
}

} // namespace

extern const provider_descriptor oauth2_descriptor{
    .name = "oauth2",
    .url_key = "token_url",
    .keys = oauth2_keys,
    .secrets = oauth2_secrets,
    .missing_key = oauth2_missing_key,
    .primary_secret = [](const profile_config& p) -> const secret_source& {
        return p.grant == oauth2_grant::password ? p.password : p.client_secret;
    },
    .instance = []() -> const provider& {
        static const oauth2_provider instance;
        return instance;
    },
};

} // namespace tokend::agent
