// SPDX-License-Identifier: MIT
// One io_context on one thread holds all state, as ssh-agent's poll loop does: no locks, no
// strands. Shutdown stops accepting, lets busy sessions finish their answer (within a grace
// period), removes the socket we created and exits 0.
#include "daemon.hpp"

#include "agent.hpp"
#include "dispatch.hpp"
#include "listener.hpp"
#include "log.hpp"
#include "notify.hpp"
#include "socket_setup.hpp"

#include <tokend/proto/duration.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace tokend::agent {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto shutdown_grace = 5s;
constexpr auto suspend_check_every = 5s;

// CLOCK_BOOTTIME runs ahead of CLOCK_MONOTONIC only while the machine sleeps; when the gap
// grows, every refresher's timer slept through part of its wait and must re-plan now.
awaitable<void> watch_suspend(agent& a, clock_source& clock, const bool& stopped)
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    duration seen = clock.suspended_total();
    while (!stopped) {
        timer.expires_after(suspend_check_every);
        co_await timer.async_wait(nothrow_awaitable);
        duration now = clock.suspended_total();
        if (now - seen > 1s) {
            log::info("resumed after ", proto::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - seen)),
                      " asleep; re-planning every refresh");
            a.nudge_all();
        }
        seen = now;
    }
}

awaitable<void> drain(listener& l, asio::io_context& ioc, bool& forced)
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto give_up = std::chrono::steady_clock::now() + shutdown_grace;
    while (l.open_sessions() > 0 && std::chrono::steady_clock::now() < give_up) {
        timer.expires_after(20ms);
        co_await timer.async_wait(nothrow_awaitable);
    }
    if (l.open_sessions() > 0) {
        log::warn("shutdown: ", l.open_sessions(), " connections still busy after ", shutdown_grace.count(), " s; closing");
        forced = true;
        ioc.stop();
    }
}

} // namespace

int run_daemon(const options& opts, config cfg, std::vector<profile_secrets> secrets)
{
    auto activated = activated_socket();
    if (!activated) {
        log::error(activated.error());
        return 1;
    }
    bool own_socket = *activated < 0;
    std::string path = own_socket ? choose_socket_path(opts.socket, cfg.agent.socket) : "(socket from systemd)";
    auto fd = own_socket ? bind_socket(path) : activated;
    if (!fd) {
        log::error(fd.error());
        return 1;
    }
    struct stat ours {};
    ::stat(path.c_str(), &ours);

    asio::io_context ioc(1);
    clock_source clock;
    https_transport upstream;
    services svc{ioc.get_executor(), clock, upstream};
    agent a(svc, std::move(cfg), std::move(secrets));
    bool stopped = false, forced = false;
    task_group background;

    auto reload = [&]() -> std::optional<std::string> {
        notify::reloading();
        auto error = a.reload();
        if (error)
            log::error("reload refused, the running config stays: ", *error);
        else if (!opts.log_level)
            log::set_level(a.current().agent.log_level.value_or(log::level::info));
        notify::ready(a.summary());
        return error;
    };
    dispatcher dispatch(a, reload);
    listener l(asio::local::stream_protocol::acceptor(ioc, asio::local::stream_protocol(), *fd), a, dispatch);

    asio::signal_set signals(ioc, SIGTERM, SIGINT, SIGHUP);
    auto on_signals = [&]() -> awaitable<void> {
        for (;;) {
            auto [ec, sig] = co_await signals.async_wait(nothrow_awaitable);
            if (ec)
                co_return;
            if (sig == SIGHUP) {
                log::info("SIGHUP: reloading ", a.current().path);
                reload();
                continue;
            }
            log::info(sig == SIGTERM ? "SIGTERM" : "SIGINT", ": stopping");
            notify::stopping();
            stopped = true;
            background.cancel_all();
            l.stop();
            a.stop();
            co_await drain(l, ioc, forced);
            co_return;
        }
    };
    asio::co_spawn(ioc, on_signals, asio::detached);
    background.spawn(ioc.get_executor(), watch_suspend(a, clock, stopped), "the suspend watcher");
    background.spawn(ioc.get_executor(), notify::keepalive([&] { return a.summary(); }, stopped), "the systemd keepalive");
    l.start();
    a.start();
    log::info("tokend ", TOKEND_VERSION, " listening on ", path, " with ", a.size(), a.size() == 1 ? " profile" : " profiles");
    notify::ready(a.summary());

    ioc.run();

    struct stat now {};
    if (own_socket && ::stat(path.c_str(), &now) == 0 && now.st_ino == ours.st_ino && now.st_dev == ours.st_dev)
        ::unlink(path.c_str());
    log::info("stopped");
    if (forced)
        std::_Exit(0); // coroutines still hold references into this frame; skip their destructors
    return 0;
}

} // namespace tokend::agent
