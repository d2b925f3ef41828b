// SPDX-License-Identifier: MIT
#include "upstream/pool.hpp"

#include "sys/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>

#include <openssl/ssl.h>

#include <sys/socket.h>

namespace tokend::agent {
namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto sweep_every = std::chrono::seconds(5);

// An idle connection must have nothing to read: the server's FIN (it closed an idle
// connection, as every server does after a while), a TLS alert or stray bytes all mean it
// cannot carry a request. One non-blocking peek, as curl checks a connection before reuse.
bool still_usable(upstream_stream& s)
{
    char c;
    ssize_t n = ::recv(tcp_layer(s).socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void close_now(upstream_stream& s)
{
    boost::system::error_code ignored;
    tcp_layer(s).socket().close(ignored);
}

} // namespace

pooled_connection::pooled_connection(connection_pool& pool, std::string profile, endpoint to, upstream_stream s,
                                     bool reused)
    : pool_(pool), profile_(std::move(profile)), to_(std::move(to)), stream_(std::move(s)), reused_(reused)
{
}

pooled_connection::~pooled_connection()
{
    pool_.give_back(profile_, to_, std::move(stream_), reusable_);
}

connection_pool::connection_pool(asio::any_io_executor ex, tls_contexts& tls, pool_limits limits)
    : ex_(std::move(ex)), tls_(tls), limits_(limits), sweep_timer_(ex_)
{
}

connection_pool::~connection_pool()
{
    for (auto& [name, p] : profiles_)
        if (p.session)
            SSL_SESSION_free(p.session);
}

void connection_pool::start()
{
    asio::co_spawn(ex_, sweep(), log_task_end{"the upstream pool sweeper"});
}

void connection_pool::stop()
{
    stopped_ = true;
    sweep_timer_.cancel();
    for (auto& [name, p] : profiles_)
        drop_idle(p);
}

void connection_pool::drop_idle(per_profile& p)
{
    for (auto& e : p.idle)
        close_now(e.stream);
    p.open -= p.idle.size();
    p.idle.clear();
}

std::size_t connection_pool::idle_count() const
{
    std::size_t n = 0;
    for (const auto& [name, p] : profiles_)
        n += p.idle.size();
    return n;
}

awaitable<boost::system::result<std::unique_ptr<pooled_connection>, agent_error>>
connection_pool::acquire(const std::string& profile, const endpoint& to, connect_options opts)
{
    per_profile& p = profiles_[profile];
    if (!(p.to == to)) { // a reload pointed the profile elsewhere: nothing idle is of use
        drop_idle(p);
        if (p.session)
            SSL_SESSION_free(std::exchange(p.session, nullptr));
        p.to = to;
    }
    auto idle_by = steady::now() - limits_.idle_limit;
    while (!p.idle.empty()) {
        idle_entry e = std::move(p.idle.back()); // the most recently used is the likeliest alive
        p.idle.pop_back();
        if (e.since > idle_by && still_usable(e.stream))
            co_return std::make_unique<pooled_connection>(*this, profile, to, std::move(e.stream), true);
        close_now(e.stream);
        --p.open;
    }
    if (p.open >= limits_.max_open)
        co_return agent_error{agent_errc::busy, "already " + std::to_string(p.open) + " connections to " + to.host
                                                    + ":" + to.port + " (the most per profile)"};
    ++p.open; // counted now: other requests run while this one connects
    if (!opts.resume)
        opts.resume = p.session;
    auto s = co_await connect_upstream(to, tls_, opts);
    if (!s) {
        --p.open; // std::map: `p` stays where it is while others come and go
        co_return s.error();
    }
    co_return std::make_unique<pooled_connection>(*this, profile, to, std::move(*s), false);
}

void connection_pool::give_back(const std::string& profile, const endpoint& to, upstream_stream stream, bool reusable)
{
    auto it = profiles_.find(profile);
    if (it == profiles_.end()) {
        close_now(stream);
        return;
    }
    per_profile& p = it->second;
    if (SSL_SESSION* session = reusable ? tls_session_of(stream) : nullptr) {
        if (p.session)
            SSL_SESSION_free(p.session);
        p.session = session;
    }
    if (!reusable || stopped_ || !(p.to == to) || p.idle.size() >= limits_.max_idle) {
        close_now(stream);
        --p.open;
        return;
    }
    tcp_layer(stream).expires_never();
    p.idle.push_back({std::move(stream), steady::now()});
}

awaitable<void> connection_pool::sweep()
{
    while (!stopped_) {
        sweep_timer_.expires_after(sweep_every);
        auto [ec] = co_await sweep_timer_.async_wait(nothrow_awaitable);
        if (ec || stopped_)
            co_return;
        auto idle_by = steady::now() - limits_.idle_limit;
        for (auto& [name, p] : profiles_) {
            while (!p.idle.empty() && p.idle.front().since <= idle_by) {
                close_now(p.idle.front().stream);
                p.idle.pop_front();
                --p.open;
            }
        }
    }
}

} // namespace tokend::agent
