// SPDX-License-Identifier: MIT
// The HTTP proxy's listeners (docs/proxy.md): accepts on the Unix socket `http` and loopback
// TCP, lets in only our uid or root (SO_PEERCRED on the Unix socket, the socket table's owner
// on TCP), and runs one keep-alive session per client connection.
#pragma once

#include "proxy/browser_rules.hpp"
#include "proxy/error_reply.hpp"
#include "proxy/request.hpp"
#include "serve/refusal_log.hpp"
#include "sys/proxy_sockets.hpp"

#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>

#include <set>
#include <string>
#include <vector>

namespace tokend::agent {

class proxy_server {
public:
    proxy_server(boost::asio::any_io_executor ex, agent& owner, connection_pool& pool, const proxy_settings& settings,
                 std::vector<proxy_socket> sockets);
    ~proxy_server();
    proxy_server(const proxy_server&) = delete;
    proxy_server& operator=(const proxy_server&) = delete;

    void start();
    // Stops accepting; idle connections close now, busy ones after their answer.
    void stop();
    std::size_t open_sessions() const { return cx_.open; }
    const std::vector<proxy_socket>& sockets() const { return sockets_; }

private:
    struct listening {
        boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol> acceptor;
        proxy_listener where;
    };
    struct session_entry {
        proxy::client_stream* stream;
        bool busy = false;
    };
    awaitable<void> accept_loop(listening& l);
    awaitable<void> session(boost::asio::generic::stream_protocol::socket socket, const proxy_listener& where);
    std::optional<proxy::error_reply> screen(int fd, const proxy_listener& where);

    boost::asio::any_io_executor ex_;
    std::vector<proxy_socket> sockets_;
    std::vector<std::unique_ptr<listening>> listeners_;
    proxy::proxy_context cx_;
    const uid_t our_uid_;
    refusal_log refusals_;
    std::set<session_entry*> sessions_;
};

} // namespace tokend::agent
