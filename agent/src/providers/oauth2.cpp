// SPDX-License-Identifier: MIT
#include "oauth2.hpp"

#include "reply.hpp"

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

// RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64'd.
// A public client (no secret) names itself in the body instead.
http_request token_request(const profile_config& p, const profile_secrets& s)
{
    http_request r;
    r.content_type = "application/x-www-form-urlencoded";
    if (s.client_secret) {
        secret_string id, pw;
        append_form_encoded(id, p.client_id);
        append_form_encoded(pw, s.client_secret->view());
        r.authorization = basic_authorization(std::string_view(id.data(), id.size()), std::string_view(pw.data(), pw.size()));
    }
    return r;
}

void add_client_id_if_public(http_request& r, const profile_config& p, const profile_secrets& s)
{
    if (!s.client_secret)
        add_param(r.body, "client_id", p.client_id);
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
    if (v <= 0)
        return std::nullopt;
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(v));
}

} // namespace

http_request oauth2_provider::login_request(const profile_config& p, const profile_secrets& s) const
{
    http_request r = token_request(p, s);
    if (p.grant == oauth2_grant::password) {
        add_param(r.body, "grant_type", "password");
        add_param(r.body, "username", p.email);
        add_param(r.body, "password", s.password ? s.password->view() : "");
    } else {
        add_param(r.body, "grant_type", "client_credentials");
    }
    add_client_id_if_public(r, p, s);
    if (!p.scope.empty())
        add_param(r.body, "scope", p.scope);
    return r;
}

http_request oauth2_provider::refresh_request(const profile_config& p, const profile_secrets& s,
                                              std::string_view refresh_token) const
{
    http_request r = token_request(p, s);
    add_param(r.body, "grant_type", "refresh_token");
    add_param(r.body, "refresh_token", refresh_token);
    add_client_id_if_public(r, p, s);
    return r;
}

auth_reply oauth2_provider::read_login(const http_response& r) const
{
    return read_reply(r, "token request", [](const boost::json::object& o, auth_reply& out) {
        if (!take_secret(o, "access_token", out.access_token))
            return false;
        take_secret(o, "refresh_token", out.refresh_token);
        out.expires_in = read_expires_in(o);
        return true;
    });
}

} // namespace tokend::agent
