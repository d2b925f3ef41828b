// SPDX-License-Identifier: MIT
// One io_context on one thread holds all state, as ssh-agent's poll loop does: no locks, no
// strands. Members are declared so that every I/O object dies before the io_context and
// every coroutine has ended before the objects it refers to.
#include "sys/daemon.hpp"

#include "engine/agent.hpp"
#include "secrets/command.hpp"
#include "proxy/server.hpp"
#include "serve/dispatch.hpp"
#include "serve/listener.hpp"
#include "sys/log.hpp"
#include "sys/notify.hpp"
#include "sys/socket_setup.hpp"
#include "upstream/connect.hpp"
#include "upstream/pool.hpp"

#include <tokend/proto/duration.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <csignal>
#include <cstdlib>
#include <optional>

namespace tokend::agent {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

// Stopping is bounded at about answer_grace + 2 * final_grace (the unit's TimeoutStopSec=
// is the backstop). Requests in flight first get answer_grace to finish normally, with the
// profiles still running, so a login that is about to succeed still serves its waiters.
constexpr auto answer_grace = 3s;
// Then the profiles stop, which answers every request still waiting at once; this is how
// long those answers, and the refreshers' and *_command children's ends, may take.
constexpr auto final_grace = 1s;
constexpr auto suspend_check_every = 5s;

std::string human(steady::duration d)
{
    return proto::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

// ", closing 2 connections" and the like; nothing for none.
std::string connections(std::size_t n, std::string_view lead)
{
    if (n == 0)
        return {};
    return std::string(lead) + std::to_string(n) + (n == 1 ? " connection" : " connections");
}

// CLOCK_BOOTTIME runs ahead of CLOCK_MONOTONIC only while the machine sleeps; when the gap
// grows, every refresher's timer slept through part of its wait and must re-plan now.
awaitable<void> watch_suspend(agent& a, clock_source& clock, const bool& stopped)
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    duration seen = clock.suspended_total();
    while (!stopped) {
        timer.expires_after(suspend_check_every);
        auto [ec] = co_await timer.async_wait(nothrow_awaitable);
        if (ec)
            co_return;
        duration now = clock.suspended_total();
        if (now - seen > 1s) {
            log::info("resumed after ", human(now - seen), " asleep; re-planning every refresh");
            a.nudge_all();
        }
        seen = now;
    }
}

class daemon {
public:
    daemon(const options& opts, config cfg, std::vector<profile_secrets> secrets, const listening_socket& socket,
           std::vector<proxy_socket> proxy_sockets)
        : opts_(opts), socket_(socket), agent_(svc_, std::move(cfg), std::move(secrets)),
          listener_(asio::local::stream_protocol::acceptor(ioc_, asio::local::stream_protocol(), socket_.fd), agent_,
                    dispatch_),
          proxy_(ioc_.get_executor(), agent_, pool_, agent_.proxy(), std::move(proxy_sockets))
    {
        std::vector<std::string> names;
        for (const proxy_socket& s : proxy_.sockets())
            names.push_back(s.name());
        dispatch_.set_proxy_addresses(std::move(names));
    }

    int run();

private:
    std::optional<std::string> reload();
    std::string status_line() const;
    awaitable<void> handle_signals();
    awaitable<void> shut_down();
    awaitable<bool> sessions_end_within(steady::duration limit);

    const options& opts_;
    listening_socket socket_;
    asio::io_context ioc_{1};
    clock_source clock_;
    tls_contexts tls_;
    https_transport upstream_{tls_};
    services svc_{ioc_.get_executor(), clock_, upstream_};
    agent agent_;
    dispatcher dispatch_{agent_, [this] { return reload(); }};
    listener listener_;
    connection_pool pool_{ioc_.get_executor(), tls_};
    proxy_server proxy_;
    asio::signal_set signals_{ioc_, SIGTERM, SIGINT, SIGHUP};
    task_group background_;
    bool stopped_ = false;
    bool signals_done_ = false;
    bool forced_ = false;
    std::optional<steady::time_point> leftovers_by_; // set once the sessions are done
    std::string reload_note_; // why the last reload was refused, until one succeeds
};

int daemon::run()
{
    asio::co_spawn(ioc_, handle_signals(), log_task_end{"the signal handler"});
    background_.spawn(ioc_.get_executor(), watch_suspend(agent_, clock_, stopped_), "the suspend watcher");
    background_.spawn(ioc_.get_executor(), notify::keepalive([this] { return status_line(); }, stopped_),
                      "the systemd keepalive");
    listener_.start();
    pool_.start();
    proxy_.start();
    agent_.start();
    log::info("tokend ", TOKEND_VERSION, " listening on ", socket_.path, socket_.activated ? " (from systemd)" : "",
              " with ", agent_.size(), agent_.size() == 1 ? " profile" : " profiles");
    for (const proxy_socket& s : proxy_.sockets())
        log::info("proxy listening on ", s.name().substr(s.name().find(':') + 1), s.activated ? " (from systemd)" : "");
    // The config is loaded and the socket listens: now, and only now, are we ready.
    notify::ready(status_line());

    ioc_.run(); // until shut_down() hands over, or a second signal forces the end
    if (!forced_ && leftovers_by_) {
        // Refreshers and *_command children end on cancellation within moments; a stuck
        // upstream read must still not hold the exit past the deadline.
        ioc_.restart();
        ioc_.run_until(*leftovers_by_);
        if (!ioc_.stopped()) {
            log::warn("shutdown: background tasks still busy after ", human(final_grace), "; exiting without them");
            forced_ = true;
        }
    }
    remove_socket_file(socket_);
    remove_proxy_socket_files(proxy_.sockets());
    log::info("stopped");
    if (forced_) {
        kill_running_commands(); // their guards are among the destructors skipped here
        std::_Exit(0); // coroutines still hold references into this object; skip all destructors
    }
    return 0;
}

std::string daemon::status_line() const
{
    std::string s = agent_.summary();
    if (!reload_note_.empty())
        s += "; " + reload_note_;
    return s;
}

// SIGHUP and `tok reload` both come here. The running config stays unless the new one
// loads completely, secrets included.
std::optional<std::string> daemon::reload()
{
    if (stopped_)
        return std::string("the agent is stopping");
    notify::reloading();
    auto done = agent_.reload();
    std::optional<std::string> error;
    if (!done) {
        error = done.error();
        log::error("reload refused, the running config stays: ", *error);
        reload_note_ = "last reload refused: " + *error;
    } else {
        reload_note_.clear();
        if (!opts_.log_level) // before the summary, which is logged at the new level
            log::set_level(agent_.settings().log_level.value_or(log::level::info));
        log::info("reload: ", done->kept, " kept, ", done->added, " added, ", done->changed, " changed, ", done->removed,
                  " removed");
    }
    notify::ready(status_line());
    return error;
}

awaitable<void> daemon::handle_signals()
{
    // co_spawn may run shut_down() to its end before this loop waits again, when there was
    // nothing to wait for; then its cancel() found no wait, and the flag says it all.
    while (!signals_done_) {
        auto [ec, sig] = co_await signals_.async_wait(nothrow_awaitable);
        if (ec)
            co_return; // cancelled: the shutdown is done with signals
        if (sig == SIGHUP) {
            if (stopped_)
                continue;
            log::info("SIGHUP: reloading ", agent_.config_path());
            reload();
            continue;
        }
        const char* name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
        if (stopped_) { // asked twice: the operator does not want to wait
            log::warn(name, " again: stopping now", connections(listener_.open_sessions(), ", closing "));
            forced_ = true;
            ioc_.stop();
            co_return;
        }
        log::info(name, ": stopping");
        asio::co_spawn(ioc_, shut_down(), log_task_end{"the shutdown"});
    }
}

// docs/operations.md: stop accepting, finish answering, remove the socket we created, exit 0.
awaitable<void> daemon::shut_down()
{
    notify::stopping();
    stopped_ = true;
    background_.cancel_all();
    listener_.stop(); // idle connections close now, busy ones after their answer
    proxy_.stop();
    // A client arriving from now on finds no socket (tok: agent unreachable) instead of one
    // nobody accepts on; a newer agent may bind the path at once.
    remove_socket_file(socket_);
    remove_proxy_socket_files(proxy_.sockets());
    bool done = co_await sessions_end_within(answer_grace);
    agent_.stop();
    pool_.stop();
    if (!done && !co_await sessions_end_within(final_grace)) {
        log::warn("shutdown: still busy after ", human(answer_grace + final_grace),
                  connections(listener_.open_sessions(), "; closing "));
        forced_ = true;
    }
    signals_done_ = true;
    signals_.cancel();
    leftovers_by_ = steady::now() + final_grace;
    ioc_.stop(); // run() takes over with a deadline for what is left
}

// Polls: sessions end on their own schedule, and 20 ms is far below any grace period.
awaitable<bool> daemon::sessions_end_within(steady::duration limit)
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto give_up = steady::now() + limit;
    auto open = [this] { return listener_.open_sessions() + proxy_.open_sessions(); };
    while (open() > 0 && steady::now() < give_up) {
        timer.expires_after(20ms);
        co_await timer.async_wait(nothrow_awaitable);
    }
    co_return open() == 0;
}

} // namespace

int run_daemon(const options& opts, config cfg, std::vector<profile_secrets> secrets)
{
    auto socket = open_listening_socket(opts.socket, cfg.agent.socket);
    if (!socket) {
        log::error(socket.error());
        return 1;
    }
    if (socket->activated && (opts.socket || cfg.agent.socket))
        log::info("socket-activated: --socket and [agent] socket are ignored; systemd's tokend.socket decides");
    auto proxy_sockets = open_proxy_sockets(cfg.proxy, *socket);
    if (!proxy_sockets) {
        log::error(proxy_sockets.error());
        remove_socket_file(*socket);
        return 1;
    }
    std::vector<proxy_socket> bound = *proxy_sockets; // for the clean-up should the daemon not start
    try {
        daemon d(opts, std::move(cfg), std::move(secrets), *socket, std::move(*proxy_sockets));
        return d.run();
    } catch (const std::exception& e) { // e.g. the descriptor cannot join the event loop
        log::error("cannot start: ", e.what());
        remove_socket_file(*socket);
        remove_proxy_socket_files(bound);
        return 1;
    }
}

} // namespace tokend::agent
