// SPDX-License-Identifier: MIT
// Accepts clients on the agent's Unix socket: checks each peer's uid (SO_PEERCRED), answers
// `busy` past max_connections, and runs one session coroutine per connection.
#pragma once

#include "async.hpp"
#include "reaper.hpp"
#include "session.hpp"

#include <boost/asio/local/stream_protocol.hpp>

namespace tokend::agent {

class listener {
public:
    listener(boost::asio::local::stream_protocol::acceptor acceptor, agent& owner, dispatcher& dispatch);

    void start();
    // Stops accepting; idle sessions close now, busy ones after their answer.
    void stop();
    std::size_t open_sessions() const { return cx_.open; }

private:
    awaitable<void> accept_loop();
    void refuse(boost::asio::local::stream_protocol::socket& s, std::string_view code, std::string_view message);

    boost::asio::local::stream_protocol::acceptor acceptor_;
    reaper reaper_;
    session_context cx_;
};

} // namespace tokend::agent
