// SPDX-License-Identifier: MIT
// The four mocked upstream APIs and the endpoint classes that faults, counters and the
// call log are keyed on. Plain enums with string forms; no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace mockbill {

enum class api_id { aviate, killb, novabilling, oauth2 };

inline constexpr std::array<api_id, 4> all_apis{
    api_id::aviate, api_id::killb, api_id::novabilling, api_id::oauth2};

// Index into per-API arrays (counters, config lookups).
constexpr std::size_t index_of(api_id api) { return static_cast<std::size_t>(api); }

constexpr std::string_view to_string(api_id api)
{
    switch (api) {
    case api_id::aviate: return "aviate";
    case api_id::killb: return "killb";
    case api_id::novabilling: return "novabilling";
    case api_id::oauth2: return "oauth2";
    }
    return "?";
}

constexpr std::optional<api_id> parse_api(std::string_view name)
{
    for (api_id api : all_apis)
        if (to_string(api) == name)
            return api;
    return std::nullopt;
}

// What a request does for the purpose of faults and counters: obtain a token with
// credentials (login), exchange a refresh token (refresh), or use a token (resource).
enum class endpoint_kind { login, refresh, resource };

constexpr std::string_view to_string(endpoint_kind kind)
{
    switch (kind) {
    case endpoint_kind::login: return "login";
    case endpoint_kind::refresh: return "refresh";
    case endpoint_kind::resource: return "resource";
    }
    return "?";
}

} // namespace mockbill
