// SPDX-License-Identifier: MIT
// One descriptor per provider: everything the rest of the agent knows about a provider comes
// from its entry in the table (registry.cpp). Adding a provider is one file defining its
// `provider` class and descriptor, plus one line in the table (docs/providers.md).
#pragma once

#include "config/config.hpp"

#include <span>
#include <string>
#include <string_view>

namespace tokend::agent {

class provider;

struct provider_descriptor {
    std::string_view name;    // the `provider` value in the config, and in `tok status`
    std::string_view url_key; // the key holding the upstream URL; empty: no upstream
    // The profile keys this provider takes besides `provider`; every other key is an error.
    std::span<const std::string_view> keys;
    // Its secret names; each may be given in any of its five forms (NAME, NAME_env, ...).
    std::span<const std::string_view> secrets;
    // The first key the profile lacks besides `url_key`, or empty; called after loading.
    std::string_view (*missing_key)(const profile_config&);
    // The secret `tok add` supplies and without which the profile is no_credentials.
    const secret_source& (*primary_secret)(const profile_config&);
    // How it logs in and refreshes (provider.hpp); whether it refreshes is its can_refresh().
    const provider& (*instance)();

    bool takes(std::string_view key) const;
};

// nullptr for a name no provider has.
const provider_descriptor* find_provider(std::string_view name);

// "aviate, killb, novabilling, oauth2 or static", for messages.
const std::string& provider_names();

} // namespace tokend::agent
