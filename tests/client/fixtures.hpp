// SPDX-License-Identifier: MIT
// Shared set-ups for client_tests: an agent with static profiles (no upstream needed), and
// sockets that misbehave (stale, silent) for the error paths.
#pragma once

#include "process.hpp"

#include <string>

namespace tok::test {

using tokend::test::temp_dir;

inline constexpr const char* static_token = "sk_live_static_token_0123456789";

// A config with static profile "s" (token static_token), aviate profile "nopass" with no
// password source (no_credentials), and aviate profile "down" whose upstream refuses
// connections (upstream_unavailable). `extra` is appended verbatim.
std::string static_config(const temp_dir& dir, const std::string& extra = {});

// A socket file nobody listens on (ECONNREFUSED): what a crashed agent leaves behind.
std::string stale_socket(const temp_dir& dir);

// A listening socket that never accepts or answers; closed on destruction.
class silent_listener {
public:
    explicit silent_listener(const temp_dir& dir);
    ~silent_listener();
    silent_listener(const silent_listener&) = delete;
    silent_listener& operator=(const silent_listener&) = delete;
    const std::string& path() const { return path_; }

private:
    int fd_ = -1;
    std::string path_;
};

} // namespace tok::test
