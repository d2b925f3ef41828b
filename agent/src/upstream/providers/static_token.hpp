// SPDX-License-Identifier: MIT
// `provider = "static"`: the configured token is served as it is, never renewed, and nothing
// is sent upstream (docs/providers.md, "static"). A login adopts the token (engine/profile.cpp).
#pragma once

#include "upstream/providers/provider.hpp"

namespace tokend::agent {

class static_token_provider final : public provider {
public:
    bool needs_upstream() const override { return false; }
    // Never called: needs_upstream() is false.
    http_request login_request(const profile_config&, const profile_secrets&) const override { return {}; }
    auth_reply read_login(const http_response&) const override { return {}; }
};

} // namespace tokend::agent
