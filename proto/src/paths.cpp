// SPDX-License-Identifier: MIT
#include <tokend/proto/paths.hpp>

#include <unistd.h>

#include <cstdlib>

namespace tokend::proto {

std::string default_socket_path()
{
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (runtime && *runtime == '/')
        return std::string(runtime) + "/tokend/socket";
    return "/tmp/tokend-" + std::to_string(::geteuid()) + "/socket";
}

} // namespace tokend::proto
