// SPDX-License-Identifier: MIT
#include "upstream/providers/provider.hpp"

#include "upstream/providers/aviate.hpp"
#include "upstream/providers/json_login.hpp"
#include "upstream/providers/oauth2.hpp"

namespace tokend::agent {

const provider& provider_for(provider_kind kind)
{
    static const aviate_provider aviate;
    static const json_login_provider killb("/api/v2/auth/login", "/api/v2/auth/refresh", true);
    static const json_login_provider novabilling("/api/auth/login", "/api/auth/refresh", false);
    static const oauth2_provider oauth2;
    switch (kind) {
    case provider_kind::killb: return killb;
    case provider_kind::novabilling: return novabilling;
    case provider_kind::oauth2: return oauth2;
    default: return aviate;
    }
}

} // namespace tokend::agent
