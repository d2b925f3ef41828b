// SPDX-License-Identifier: MIT
#include "upstream/providers/json_login.hpp"

#include "upstream/providers/registry.hpp"
#include "upstream/providers/reply.hpp"

#include <tokend/proto/json_text.hpp>

#include <boost/json.hpp>

namespace tokend::agent {

// Exactly these members: NovaBilling refuses unknown properties with a 400, and its
// validation also insists on Content-Type: application/json.
http_request json_login_provider::login_request(const profile_config& p, const profile_secrets& s) const
{
    http_request r;
    r.target = login_path_;
    r.content_type = "application/json";
    r.body = "{\"email\":";
    proto::append_json_string(r.body, p.email);
    r.body += ",\"password\":";
    proto::append_json_string(r.body, s.password ? s.password->view() : "");
    r.body += '}';
    return r;
}

http_request json_login_provider::refresh_request(const profile_config&, const profile_secrets&,
                                                  std::string_view refresh_token) const
{
    http_request r;
    r.target = refresh_path_;
    r.content_type = "application/json";
    r.body = "{\"refreshToken\":";
    proto::append_json_string(r.body, refresh_token);
    r.body += '}';
    return r;
}

auth_reply json_login_provider::read(const http_response& r, std::string_view call) const
{
    bool ms = expires_in_ms_;
    return read_reply(r, call, [ms](const boost::json::object& o, auth_reply& out) {
        if (!take_secret(o, "accessToken", out.access_token))
            return false;
        take_secret(o, "refreshToken", out.refresh_token);
        if (const auto* e = o.if_contains("expiresIn"); ms && e && e->is_number())
            out.expires_in = stated_lifetime(e->to_number<double>(), 0.001);
        return true;
    });
}

} // namespace tokend::agent

namespace tokend::agent {
namespace {

constexpr std::string_view json_login_keys[] = {"url", "ca_file", "allow_insecure_http", "timeout", "refresh_margin", "email"};
constexpr std::string_view json_login_secrets[] = {"password"};

std::string_view missing_email(const profile_config& p)
{
    return p.email.empty() ? "email" : "";
}

const secret_source& password_of(const profile_config& p)
{
    return p.password;
}

} // namespace

extern const provider_descriptor killb_descriptor{
    .name = "killb",
    .url_key = "url",
    .keys = json_login_keys,
    .secrets = json_login_secrets,
    .missing_key = missing_email,
    .primary_secret = password_of,
    .instance = []() -> const provider& {
        static const json_login_provider instance("/api/v2/auth/login", "/api/v2/auth/refresh", true);
        return instance;
    },
};

extern const provider_descriptor novabilling_descriptor{
    .name = "novabilling",
    .url_key = "url",
    .keys = json_login_keys,
    .secrets = json_login_secrets,
    .missing_key = missing_email,
    .primary_secret = password_of,
    .instance = []() -> const provider& {
        static const json_login_provider instance("/api/auth/login", "/api/auth/refresh", false);
        return instance;
    },
};

} // namespace tokend::agent
