// SPDX-License-Identifier: MIT
// One proxied request, from a parsed head to the last byte of the API's answer
// (docs/proxy.md): the browser rules, the profile's token, the body kept for a replay or
// streamed, the exchange on a pooled connection, the 401 replay, and the answer streamed back.
#pragma once

#include "config/config.hpp"
#include "proxy/browser_rules.hpp"
#include "sys/async.hpp"

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <memory>

namespace tokend::agent {
class agent;
class connection_pool;
} // namespace tokend::agent

namespace tokend::agent::proxy {

using client_stream = boost::beast::basic_stream<boost::asio::generic::stream_protocol>;
using request_parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

struct proxy_context {
    agent& owner;
    connection_pool& pool;
    const proxy_settings& settings; // replay_limit follows reloads
    std::size_t open = 0;           // client connections, for max_connections
    bool stopping = false;
};

// Everything one client connection lends to its requests.
struct connection_state {
    proxy_context& cx;
    client_stream& client;
    boost::beast::flat_buffer& in;
    const proxy_listener& listener;
    std::unique_ptr<char[]>& piece; // one body buffer per connection, made at the first body
};

// Answers the request whose head `parser` holds. True when the connection may carry another.
awaitable<bool> handle_request(connection_state& conn, request_parser& parser);

// tokend's answer to a head that could not be read (431, 413, 400); the connection closes.
awaitable<void> answer_unreadable(client_stream& client, const boost::system::error_code& ec);

} // namespace tokend::agent::proxy
