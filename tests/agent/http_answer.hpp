// SPDX-License-Identifier: MIT
// An upstream's HTTP answer, as the transport hands it to a provider, for provider tests.
#pragma once

#include "upstream/http_client.hpp"

#include <chrono>
#include <string>

namespace tokend::agent::testing {

inline http_response http_answer(unsigned status, std::string body, std::string retry_after = {})
{
    http_response r;
    r.status = status;
    r.body.assign(body.begin(), body.end());
    r.retry_after = std::move(retry_after);
    r.received = std::chrono::system_clock::now();
    return r;
}

} // namespace tokend::agent::testing
