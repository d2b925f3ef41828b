// SPDX-License-Identifier: MIT
#include "upstream/providers/static_token.hpp"

#include "upstream/providers/registry.hpp"

namespace tokend::agent {
namespace {

constexpr std::string_view static_keys[] = {"url", "ca_file", "allow_insecure_http", "timeout"};
constexpr std::string_view static_secrets[] = {"token"};

} // namespace

extern const provider_descriptor static_token_descriptor{
    .name = "static",
    .url_key = "",
    .keys = static_keys,
    .secrets = static_secrets,
    .missing_key = [](const profile_config&) -> std::string_view { return ""; },
    .primary_secret = [](const profile_config& p) -> const secret_source& { return p.token; },
    .instance = []() -> const provider& {
        static const static_token_provider instance;
        return instance;
    },
};

} // namespace tokend::agent
