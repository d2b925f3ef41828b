// SPDX-License-Identifier: MIT
// The answers tokend itself gives on the proxy (docs/proxy.md, "Errors"): an HTTP status, the
// wire code in X-Tokend-Error, and {"error":{"code":C,"message":M}} as the body.
#pragma once

#include <tokend/proto/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace tokend::agent::proxy {

struct error_reply {
    unsigned status;
    proto::errc code;
    std::string message;
    std::optional<long long> retry_after = std::nullopt; // seconds, for 503 while backing off
};

// The whole response. `keep_alive` false adds "Connection: close".
std::string render(const error_reply& e, bool keep_alive);

} // namespace tokend::agent::proxy
