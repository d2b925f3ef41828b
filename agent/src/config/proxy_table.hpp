// SPDX-License-Identifier: MIT
// The [proxy] table (docs/proxy.md): its listeners and replay_limit. Internal to config/.
#pragma once

#include "config/toml_values.hpp"

namespace tokend::agent::config_detail {

config_result<void> read_proxy(const context& cx, const toml::table& t, proxy_settings& out);

// "127.0.0.1:8787", "[::1]:8787" or "unix"; nullopt with `why` set when it is none of these
// or the address is not loopback.
std::optional<proxy_listen> parse_proxy_listen(std::string_view text, std::string& why);

} // namespace tokend::agent::config_detail
