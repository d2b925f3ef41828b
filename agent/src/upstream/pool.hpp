// SPDX-License-Identifier: MIT
// The proxy's upstream connections, pooled per profile (docs/proxy.md, "Connections"): a
// finished exchange hands its connection back for the next request to the same API, TLS
// sessions are resumed on new connections, at most `max_open` connections per profile exist
// at once, at most `max_idle` wait idle, and an idle one is closed after `idle_limit`.
#pragma once

#include "upstream/connect.hpp"

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <map>
#include <string>

namespace tokend::agent {

struct pool_limits {
    std::size_t max_open = 512;
    std::size_t max_idle = 64;
    duration idle_limit = std::chrono::seconds(60);
};

class connection_pool;

// One upstream connection lent to one exchange. Destroyed without release(), it is closed.
class pooled_connection {
public:
    pooled_connection(connection_pool& pool, std::string profile, endpoint to, upstream_stream s, bool reused);
    pooled_connection(pooled_connection&&) = delete;
    ~pooled_connection();

    upstream_stream& stream() { return stream_; }
    bool reused() const { return reused_; } // came from the idle list (it may have died there)
    // The exchange ended cleanly and both sides allow another: back to the idle list.
    void release() { reusable_ = true; }

private:
    connection_pool& pool_;
    std::string profile_;
    endpoint to_;
    upstream_stream stream_;
    bool reused_;
    bool reusable_ = false;
};

class connection_pool {
public:
    connection_pool(boost::asio::any_io_executor ex, tls_contexts& tls, pool_limits limits = {});
    ~connection_pool();

    // An idle connection to `to` for `profile`, else a new one within `opts.deadline`.
    // `agent_errc::busy`-like refusal when the profile already has max_open connections.
    awaitable<boost::system::result<std::unique_ptr<pooled_connection>, agent_error>>
    acquire(const std::string& profile, const endpoint& to, connect_options opts);

    void start(); // the sweeper that closes connections idle past idle_limit
    void stop();  // closes every idle connection; lent ones close when returned
    std::size_t idle_count() const;

private:
    friend class pooled_connection;
    struct idle_entry {
        upstream_stream stream;
        std::chrono::steady_clock::time_point since;
    };
    struct per_profile {
        endpoint to; // the idle connections' endpoint; a reload that moves api_url empties the list
        std::deque<idle_entry> idle; // newest at the back
        std::size_t open = 0; // idle and lent
        SSL_SESSION* session = nullptr; // the last one a TLS connection to `to` got
    };
    void drop_idle(per_profile& p);
    void give_back(const std::string& profile, const endpoint& to, upstream_stream stream, bool reusable);
    awaitable<void> sweep();

    boost::asio::any_io_executor ex_;
    tls_contexts& tls_;
    pool_limits limits_;
    std::map<std::string, per_profile, std::less<>> profiles_;
    boost::asio::steady_timer sweep_timer_;
    bool stopped_ = false;
};

} // namespace tokend::agent
