// SPDX-License-Identifier: MIT
// Kill Bill Aviate: HTTP Basic email:password against /plugins/aviate-plugin/v1/auth answers
// {"token": JWT}; there is no refresh, so every renewal is a login. Tenant headers go with
// the login (harmless, per the reference) and with every served header set.
#include "aviate.hpp"

#include "reply.hpp"

namespace tokend::agent {

http_request aviate_provider::login_request(const profile_config& p, const profile_secrets& s) const
{
    http_request r;
    r.target = "/plugins/aviate-plugin/v1/auth";
    r.authorization = basic_authorization(p.email, s.password ? s.password->view() : "");
    for (auto& h : extra_headers(p, s))
        if (h.first == "X-Killbill-ApiKey")
            r.headers.push_back(std::move(h));
    return r;
}

auth_reply aviate_provider::read_login(const http_response& r) const
{
    return read_reply(r, "login", [](const boost::json::object& o, auth_reply& out) {
        return take_secret(o, "token", out.access_token);
    });
}

proto::header_list aviate_provider::extra_headers(const profile_config& p, const profile_secrets& s) const
{
    proto::header_list h;
    if (!p.api_key.empty())
        h.emplace_back("X-Killbill-ApiKey", p.api_key);
    if (s.api_secret)
        h.emplace_back("X-Killbill-ApiSecret", std::string(s.api_secret->view()));
    return h;
}

} // namespace tokend::agent
