// SPDX-License-Identifier: MIT
// The protocol's requests and answers as plain structs (PROTOCOL.md, "Requests").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tokend::proto {

enum class op { hello, get, invalidate, status, add, reload };

struct request {
    proto::op op = op::hello;
    std::string id;      // the request's "id" as JSON text, echoed verbatim; empty when absent
    std::string profile; // get, invalidate, add; optional for status
    std::optional<double> min_ttl;   // get: seconds the token must still live
    std::optional<std::string> token_id; // invalidate
    std::string password; // add: a secret; whoever holds a request wipes it (proto/wipe.hpp)
};

using header_list = std::vector<std::pair<std::string, std::string>>;

// The answer to "get".
struct token_answer {
    std::string profile;
    std::string token;
    std::string token_id;
    std::optional<std::int64_t> expires_at; // Unix seconds; none for tokens that never expire
    header_list headers;
};

// One profile in the answer to "status". Never carries a secret.
struct profile_status {
    std::string name;
    std::string provider;
    std::string state;
    std::optional<std::int64_t> expires_at; // Unix seconds
    std::optional<std::int64_t> refresh_at; // Unix seconds of the next upstream attempt
    std::string last_error;                 // empty when the last attempt succeeded
    std::optional<std::int64_t> last_error_at;
    std::uint64_t logins = 0;
    std::uint64_t refreshes = 0;
    std::uint64_t failures = 0;
    std::uint64_t proxied = 0;       // HTTP proxy requests that reached the API (docs/proxy.md)
    std::uint64_t proxy_retries = 0; // of those, replayed once after a 401
};

struct hello_answer {
    std::string agent;
    std::string version;
    int protocol = 0;
    // The HTTP proxy's listeners in listen order: "unix:/path" or "tcp:ADDR:PORT" (IPv6 as
    // "tcp:[::1]:PORT"); empty when the proxy is off or the agent predates it. Defaulted, so
    // that {agent, version, protocol} still initializes a hello_answer without a warning.
    std::vector<std::string> proxy = {};
};

} // namespace tokend::proto
