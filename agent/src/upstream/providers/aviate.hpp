// SPDX-License-Identifier: MIT
#pragma once

#include "upstream/providers/provider.hpp"

namespace tokend::agent {

class aviate_provider final : public provider {
public:
    http_request login_request(const profile_config& p, const profile_secrets& s) const override;
    auth_reply read_login(const http_response& r) const override;
    served_headers extra_headers(const profile_config& p, const profile_secrets& s) const override;
};

} // namespace tokend::agent
