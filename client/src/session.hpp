// SPDX-License-Identifier: MIT
// The protocol's operations on top of a channel: encodes requests, decodes answers into the
// public types, maps wire errors to tok::errc. Also hands out the raw answer line (client's
// raw_answer overloads; `tok --json` prints it as it is). Thread-safe (the channel serializes).
#pragma once

#include "channel.hpp"

#include <tok/client.hpp>

#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace tok::detail {

// `explicit_path` if not empty, else $TOKEND_SOCK if set and not empty, else the default
// (proto::socket_path, the one search order tokend uses too). Never the config file.
std::string resolve_socket_path(std::string_view explicit_path);

class session {
public:
    explicit session(const client_options& options);

    // Each returns the error (message in last_error()) and, when `raw` is given, stores the
    // agent's answer line there whenever one arrived, error answers included. The caller
    // wipes `raw` after a get: it holds the token.
    std::error_code get(std::string_view profile, const get_options& options, token& out, std::string* raw = nullptr);
    std::error_code invalidate(std::string_view profile, std::string_view token_id, std::string* raw = nullptr);
    std::error_code status(std::string_view profile, std::vector<profile_status>& out, std::string* raw = nullptr);
    std::error_code add(std::string_view profile, std::string_view password, std::string* raw = nullptr);
    std::error_code reload(std::string* raw = nullptr);
    std::error_code hello(agent_info& out, std::string* raw = nullptr);

    const std::string& socket_path() const noexcept { return channel_.path(); }

private:
    channel channel_;
};

} // namespace tok::detail
