// SPDX-License-Identifier: MIT
// What each upstream API needs: how to build its login and refresh calls and how to read
// their answers (docs/providers.md). Pure: no sockets, no clocks (the time an answer arrived
// comes with it, http_response::received). Each provider's descriptor (registry.hpp) says
// which config keys it takes.
#pragma once

#include "sys/clock.hpp"
#include "config/config.hpp"
#include "secrets/secret.hpp"
#include "secrets/secret_source.hpp"
#include "upstream/http_client.hpp"

#include <tokend/proto/message.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tokend::agent {

using served_headers = std::vector<std::pair<std::string, secret>>;

struct auth_reply {
    enum class outcome { ok, rejected, transient };
    outcome result = outcome::transient;
    secret access_token;
    std::optional<secret> refresh_token;
    std::optional<duration> expires_in; // from the body, when the API says
    std::optional<duration> retry_after;
    std::string message; // for status and logs: never a token, a password or a raw body
    bool client_refused = false; // the client's own credentials were refused (oauth2 invalid_client)
};

class provider {
public:
    virtual ~provider() = default;
    // False for static: its token is served as configured and nothing is sent upstream, so
    // none of the calls below is made (engine/profile.cpp adopts the token instead).
    virtual bool needs_upstream() const { return true; }
    virtual bool can_refresh() const { return false; }
    virtual http_request login_request(const profile_config& p, const profile_secrets& s) const = 0;
    virtual http_request refresh_request(const profile_config& p, const profile_secrets& s,
                                         std::string_view refresh_token) const;
    virtual auth_reply read_login(const http_response& r) const = 0;
    virtual auth_reply read_refresh(const http_response& r) const { return read_login(r); }
    // Headers served to clients besides Authorization. Values are secrets: one may be an API secret.
    virtual served_headers extra_headers(const profile_config&, const profile_secrets&) const { return {}; }
    // oauth2 `client_auth = "auto"` (docs/providers.md): whether a request whose client was
    // refused in HTTP Basic may be worth one more try with the credentials in the form body,
    // and that move. Providers with one way to authenticate keep these defaults.
    virtual bool client_auth_in_body_may_help(const profile_config&, const profile_secrets&, const auth_reply&) const
    {
        return false;
    }
    virtual void put_client_auth_in_body(http_request&, const profile_config&, const profile_secrets&) const {}
};

} // namespace tokend::agent
