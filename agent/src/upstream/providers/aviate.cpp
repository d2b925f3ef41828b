// SPDX-License-Identifier: MIT
// Kill Bill Aviate: HTTP Basic email:password against /plugins/aviate-plugin/v1/auth answers
// {"token": JWT}; there is no refresh, so every renewal is a login. Tenant headers go with
// the login (harmless, per the reference) and with every served header set.
#include "upstream/providers/aviate.hpp"

#include "upstream/providers/registry.hpp"
#include "upstream/providers/reply.hpp"

namespace tokend::agent {

http_request aviate_provider::login_request(const profile_config& p, const profile_secrets& s) const
{
    http_request r;
    r.target = "/plugins/aviate-plugin/v1/auth";
    r.authorization = basic_authorization(p.email, s.password ? s.password->view() : "");
    if (!p.api_key.empty())
        r.headers.emplace_back("X-Killbill-ApiKey", p.api_key);
    return r;
}

auth_reply aviate_provider::read_login(const http_response& r) const
{
    return read_reply(r, "login", [](const boost::json::object& o, auth_reply& out) {
        return take_secret(o, "token", out.access_token);
    });
}

served_headers aviate_provider::extra_headers(const profile_config& p, const profile_secrets& s) const
{
    served_headers h;
    if (!p.api_key.empty())
        h.emplace_back("X-Killbill-ApiKey", secret::copy_of(p.api_key));
    if (s.api_secret)
        h.emplace_back("X-Killbill-ApiSecret", s.api_secret->clone());
    return h;
}

} // namespace tokend::agent

namespace tokend::agent {
namespace {

constexpr std::string_view aviate_keys[] = {"url",     "ca_file", "allow_insecure_http", "timeout",
                                            "refresh_margin", "email", "api_key"};
constexpr std::string_view aviate_secrets[] = {"password", "api_secret"};

} // namespace

extern const provider_descriptor aviate_descriptor{
    .name = "aviate",
    .url_key = "url",
    .keys = aviate_keys,
    .secrets = aviate_secrets,
    .missing_key = [](const profile_config& p) -> std::string_view { return p.email.empty() ? "email" : ""; },
    .primary_secret = [](const profile_config& p) -> const secret_source& { return p.password; },
    .instance = []() -> const provider& {
        static const aviate_provider instance;
        return instance;
    },
};

} // namespace tokend::agent
