// SPDX-License-Identifier: MIT
// Who is on the other end of a loopback TCP connection: TCP carries no SO_PEERCRED, so the
// proxy asks the kernel's socket table (NETLINK_SOCK_DIAG, what `ss -e` shows) for the
// socket whose 4-tuple mirrors ours and reads the uid that owns it (docs/architecture.md,
// `proxy/`).
//
// Only a socket that still has an owner counts: the lookup is refused (peer_unknown) when the
// connecting socket is gone, closed (TIME_WAIT and orphaned sockets report uid 0, which would
// pass for root), or when the kernel answers with a listening socket instead of a connection.
#pragma once

#include "sys/error.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/result.hpp>

#include <sys/types.h>

#include <chrono>

namespace tokend::agent {

// `local` and `remote` are our accepted socket's own endpoints (local_endpoint(),
// remote_endpoint()); IPv4, IPv6 and IPv4-mapped IPv6 all work. Blocks for at most `timeout`
// (the kernel answers on the spot; the bound is for a kernel that does not): timeout on expiry,
// peer_unknown when there is no such connection or no inet_diag support.
boost::system::result<uid_t, agent_error> tcp_peer_uid(const boost::asio::ip::tcp::endpoint& local,
                                                       const boost::asio::ip::tcp::endpoint& remote,
                                                       std::chrono::milliseconds timeout
                                                       = std::chrono::milliseconds(100));

} // namespace tokend::agent
