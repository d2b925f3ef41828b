// SPDX-License-Identifier: MIT
// The HTTP/1.1 front end: an accept loop and one coroutine per connection (plain TCP or
// TLS) that reads requests, lets the router decide and answer, and carries out transport
// faults (reset, truncate, hang). Single io_context thread; no strands needed.
#pragma once

#include "router.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>

namespace mockbill {

struct server_options {
    bool quiet = false;                    // no per-request log lines on stderr
    std::size_t body_limit = 1024 * 1024;  // larger bodies are answered 413 (not under /_api/)
    std::chrono::seconds idle_timeout{120}; // keep-alive connections idle this long are closed
};

// Spawns the accept loop on the acceptor's executor; it runs until the acceptor is closed or
// the io_context stops. With `tls` non-null every connection is TLS-wrapped. `acceptor`, `r`
// and `*tls` must outlive the io_context's run. Session errors are logged, never thrown.
void spawn_server(boost::asio::ip::tcp::acceptor& acceptor, router& r,
                  boost::asio::ssl::context* tls, server_options opts);

} // namespace mockbill
