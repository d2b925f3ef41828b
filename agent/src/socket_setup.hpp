// SPDX-License-Identifier: MIT
// The agent's listening socket: adopted from systemd (LISTEN_FDS) or created by us in a
// private directory, mode 0600, never on top of a live agent (contract, "tokend").
#pragma once

#include <boost/system/result.hpp>

#include <optional>
#include <string>

namespace tokend::agent {

// --socket, else $TOKEND_SOCK, else [agent] socket, else the default.
std::string choose_socket_path(const std::optional<std::string>& option, const std::optional<std::string>& configured);

// The socket systemd passed us, or -1 when we were not socket-activated.
boost::system::result<int, std::string> activated_socket();

// Creates, binds and listens on `path`. The parent directory is created 0700 when missing and
// refused when another user owns it or others may write to it without the sticky bit. A stale
// socket file is replaced; a live agent's socket is not.
boost::system::result<int, std::string> bind_socket(const std::string& path);

} // namespace tokend::agent
