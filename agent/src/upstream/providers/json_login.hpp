// SPDX-License-Identifier: MIT
// KillB and NovaBilling: JSON {"email","password"} logs in, JSON {"refreshToken"} refreshes,
// and both answer {"accessToken","refreshToken"}; KillB adds "expiresIn" in MILLISECONDS.
#pragma once

#include "upstream/providers/provider.hpp"

namespace tokend::agent {

class json_login_provider final : public provider {
public:
    // `login_path`/`refresh_path` are appended to the profile's url.
    json_login_provider(std::string login_path, std::string refresh_path, bool expires_in_ms)
        : login_path_(std::move(login_path)), refresh_path_(std::move(refresh_path)), expires_in_ms_(expires_in_ms)
    {
    }
    bool can_refresh() const override { return true; }
    http_request login_request(const profile_config& p, const profile_secrets& s) const override;
    http_request refresh_request(const profile_config& p, const profile_secrets& s,
                                 std::string_view refresh_token) const override;
    auth_reply read_login(const http_response& r) const override { return read(r, "login"); }
    auth_reply read_refresh(const http_response& r) const override { return read(r, "refresh"); }

private:
    auth_reply read(const http_response& r, std::string_view call) const;
    std::string login_path_, refresh_path_;
    bool expires_in_ms_;
};

} // namespace tokend::agent
