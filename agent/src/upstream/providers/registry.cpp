// SPDX-License-Identifier: MIT
#include "upstream/providers/registry.hpp"

#include <array>

namespace tokend::agent {

// Each is defined in its provider's file.
extern const provider_descriptor aviate_descriptor;
extern const provider_descriptor killb_descriptor;
extern const provider_descriptor novabilling_descriptor;
extern const provider_descriptor oauth2_descriptor;
extern const provider_descriptor static_token_descriptor;

namespace {

// In the order messages list them.
const std::array<const provider_descriptor*, 5> all_providers{
    &aviate_descriptor, &killb_descriptor, &novabilling_descriptor, &oauth2_descriptor, &static_token_descriptor,
};

} // namespace

bool provider_descriptor::takes(std::string_view key) const
{
    for (std::string_view k : keys)
        if (key == k)
            return true;
    for (std::string_view base : secrets)
        if (key.starts_with(base))
            for (std::string_view suffix : {"", "_env", "_file", "_command", "_credential"})
                if (key.size() == base.size() + suffix.size() && key.ends_with(suffix))
                    return true;
    return false;
}

const provider_descriptor* find_provider(std::string_view name)
{
    for (const provider_descriptor* d : all_providers)
        if (d->name == name)
            return d;
    return nullptr;
}

const std::string& provider_names()
{
    static const std::string names = [] {
        std::string s;
        for (std::size_t i = 0; i < all_providers.size(); ++i)
            s.append(i == 0 ? "" : i + 1 == all_providers.size() ? " or " : ", ").append(all_providers[i]->name);
        return s;
    }();
    return names;
}

const provider_descriptor* default_provider()
{
    return &aviate_descriptor;
}

std::string_view to_string(const provider_descriptor* p)
{
    return p->name;
}

} // namespace tokend::agent
