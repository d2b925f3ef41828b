// SPDX-License-Identifier: MIT
// Consumer of the installed libtok (C++ API): prints a profile's token and its headers,
// and shows both error forms. Usage: consumer SOCKET PROFILE
#include <tok/client.hpp>

#include <cstdio>

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: consumer SOCKET PROFILE\n");
        return 2;
    }
    tok::client client(tok::client_options{argv[1], std::chrono::seconds(5)});

    // The std::error_code form: nothing thrown, the agent's message at hand.
    std::error_code ec;
    client.get("no-such-profile", ec);
    if (ec != tok::errc::unknown_profile) {
        std::fprintf(stderr, "expected unknown_profile, got %s\n", ec.message().c_str());
        return 1;
    }

    // The throwing form.
    try {
        tok::token t = client.get(argv[2], {std::chrono::seconds(0), std::nullopt});
        std::printf("%s\n", t.value.c_str());
        for (const auto& [name, value] : t.headers)
            std::printf("%s: %s\n", name.c_str(), value.c_str());
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "consumer: %s\n", e.what());
        return 1;
    }
    return 0;
}
