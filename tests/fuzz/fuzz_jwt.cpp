// SPDX-License-Identifier: MIT
// libFuzzer target for the JWT claim reader: an upstream (or a man in the middle) controls
// the token text; reading its iat/exp must never crash and never yield an absurd time.
#include "upstream/base64.hpp"
#include "upstream/jwt.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace agent = tokend::agent;

namespace {

void check_time(const std::optional<std::int64_t>& t)
{
    if (t && (*t < 0 || *t > 253402300799)) { // year 9999
        std::fprintf(stderr, "invariant broken: a claim outside [0, year 9999] was trusted\n");
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto times = agent::read_jwt_times(text)) {
        check_time(times->iat);
        check_time(times->exp);
    }
    if (auto bytes = agent::base64url_decode(text); bytes && bytes->size() > text.size()) {
        std::fprintf(stderr, "invariant broken: base64 decoding grew the input\n");
        std::abort();
    }
    return 0;
}
