// SPDX-License-Identifier: MIT
// The HTTP proxy's listening sockets (docs/proxy.md, "Listeners"): those systemd passed with
// FileDescriptorName=http, else the [proxy] listen entries bound here: "unix" as the socket
// `http` beside the agent's (0600, in the agent socket's checked directory), TCP on loopback.
#pragma once

#include "config/config.hpp"
#include "sys/socket_setup.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace tokend::agent {

// A proxy listening socket, non-blocking and close-on-exec.
struct proxy_socket {
    int fd = -1;
    std::optional<boost::asio::ip::tcp::endpoint> tcp; // nullopt: a Unix socket
    std::string path;        // the Unix socket's path
    bool activated = false;  // systemd's: never unlinked by us
    dev_t dev = 0;           // the file we bound, so that we only ever unlink our own
    ino_t ino = 0;
    // "unix:PATH" or "tcp:127.0.0.1:8787" (the port as bound), as hello lists it.
    std::string name() const;
};

// The local (getsockname) or remote (getpeername) TCP address of `fd`; nullopt for other families.
std::optional<boost::asio::ip::tcp::endpoint> tcp_address_of(int fd, bool local);

boost::system::result<std::vector<proxy_socket>, std::string> open_proxy_sockets(const proxy_settings& settings,
                                                                                 const listening_socket& agent);

// Unlinks the Unix sockets we created, when they are still ours. Idempotent.
void remove_proxy_socket_files(const std::vector<proxy_socket>& sockets);

} // namespace tokend::agent
