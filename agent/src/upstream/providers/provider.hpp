// SPDX-License-Identifier: MIT
// What each upstream API needs: how to build its login and refresh calls and how to read
// their answers (contract, "Providers"; docs/providers.md). Pure: no sockets, no clocks.
#pragma once

#include "sys/clock.hpp"
#include "config/config.hpp"
#include "upstream/http_client.hpp"
#include "secrets/secret.hpp"
#include "secrets/secret_source.hpp"

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

// The provider for every kind but static, which never talks to an upstream.
const provider& provider_for(provider_kind kind);

} // namespace tokend::agent
