// SPDX-License-Identifier: MIT
// One client connection: reads request lines (at most 64 KiB each), answers them in order,
// one at a time, so a client that pipelines without reading answers is throttled by its own
// socket buffer instead of growing ours. Deadlines: idle_timeout between requests,
// request_timeout from a line's first byte to its newline and for writing the answer.
#pragma once

#include "sys/async.hpp"

#include <boost/asio/local/stream_protocol.hpp>

#include <cstddef>

namespace tokend::agent {

class agent;
class dispatcher;
class reaper;

struct session_context {
    agent& owner;
    dispatcher& dispatch;
    reaper& deadlines;
    bool stopping = false;
    std::size_t open = 0; // sessions alive
};

awaitable<void> run_session(boost::asio::local::stream_protocol::socket socket, session_context& cx);

} // namespace tokend::agent
