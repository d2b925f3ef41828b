// SPDX-License-Identifier: MIT
// Where the agent's socket lives when nobody says otherwise (contract, "Names and places"),
// shared by tokend and tok so both look in the same place.
#pragma once

#include <string>

namespace tokend::proto {

// $XDG_RUNTIME_DIR/tokend/socket, else /tmp/tokend-$UID/socket.
std::string default_socket_path();

} // namespace tokend::proto
