// SPDX-License-Identifier: MIT
// libFuzzer target for the config parser: arbitrary bytes as a TOML config must give either
// a config or an error that names the file, never a crash, a leak or an exception; a config
// that loads carries no control character into a request line or a header.
#include "config/config.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace agent = tokend::agent;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    agent::log::set_level(agent::log::level::error); // parse_config logs nothing; keep it so
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // The first byte picks the file's mode, so the inline-secret refusal is exercised too.
    if (size < 1)
        return 0;
    const unsigned mode = (data[0] & 1) ? 0644 : 0600;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    const std::string path = "fuzz.toml";
    auto c = agent::parse_config(text, path, mode);
    if (!c) {
        const std::string& m = c.error().message;
        if (!m.starts_with(path + ":")) {
            std::fprintf(stderr, "invariant broken: a config error names the file\n");
            std::abort();
        }
        return 0;
    }
    // What reaches a request line or a header has no control character (docs/configuration.md).
    auto clean = [](const std::string& s) {
        for (unsigned char ch : s)
            if (ch < 0x20 || ch == 0x7f)
                return false;
        return true;
    };
    for (const auto& p : c->profiles) {
        if (p.name.empty() || p.name.size() > 64) {
            std::fprintf(stderr, "invariant broken: profile names are 1-64 characters\n");
            std::abort();
        }
        for (const std::string* s : {&p.url.host, &p.url.path, &p.email, &p.api_key, &p.client_id, &p.scope})
            if (!clean(*s)) {
                std::fprintf(stderr, "invariant broken: a control character reached a header value\n");
                std::abort();
            }
    }
    return 0;
}
