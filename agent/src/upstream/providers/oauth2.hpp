// SPDX-License-Identifier: MIT
// RFC 6749 token endpoint: client_credentials or password grant, the refresh_token grant
// when a refresh token was issued. The client authenticates by HTTP Basic (§2.3.1) or with
// client_id/client_secret in the form body, per `client_auth` (docs/providers.md, "oauth2").
#pragma once

#include "upstream/providers/provider.hpp"

namespace tokend::agent {

class oauth2_provider final : public provider {
public:
    bool can_refresh() const override { return true; }
    http_request login_request(const profile_config& p, const profile_secrets& s) const override;
    http_request refresh_request(const profile_config& p, const profile_secrets& s,
                                 std::string_view refresh_token) const override;
    auth_reply read_login(const http_response& r) const override;
    bool client_auth_in_body_may_help(const profile_config& p, const profile_secrets& s,
                                      const auth_reply& refused) const override;
    void put_client_auth_in_body(http_request& r, const profile_config& p, const profile_secrets& s) const override;
};

} // namespace tokend::agent
