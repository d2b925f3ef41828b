// SPDX-License-Identifier: MIT
// Accepts clients on the agent's Unix socket: checks each peer's uid (SO_PEERCRED), answers
// `busy` past max_connections or when out of descriptors, and runs one session coroutine per
// connection.
#pragma once

#include "sys/async.hpp"
#include "serve/reaper.hpp"
#include "serve/refusal_log.hpp"
#include "serve/session.hpp"

#include <tokend/proto/error.hpp>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/types.h>

#include <optional>
#include <string_view>
#include <utility>

namespace tokend::agent {

class listener {
public:
    listener(boost::asio::local::stream_protocol::acceptor acceptor, agent& owner, dispatcher& dispatch);
    ~listener();
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;

    void start();
    // Stops accepting; idle sessions close now, busy ones after their answer.
    void stop();
    std::size_t open_sessions() const { return cx_.open; }

private:
    awaitable<void> accept_loop();
    // The refusal owed to a new connection, or nullopt when it may have a session; logged.
    std::optional<std::pair<proto::errc, std::string_view>> screen(int fd, bool out_of_descriptors);
    bool shed_one();
    // Logs the counts of refusals refusals_ held back, once their minute is over.
    void schedule_refusal_report();


    boost::asio::local::stream_protocol::acceptor acceptor_;
    const uid_t our_uid_; // asked once: the peer check runs on every connection
    int spare_fd_ = -1; // released for a moment to answer `busy` when out of descriptors
    refusal_log refusals_;
    boost::asio::steady_timer refusal_timer_;
    bool refusal_report_due_ = false; // refusal_timer_ is armed
    reaper reaper_;
    session_context cx_;
};

} // namespace tokend::agent
