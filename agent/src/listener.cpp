// SPDX-License-Identifier: MIT
#include "listener.hpp"

#include "agent.hpp"
#include "log.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <sys/socket.h>
#include <unistd.h>

namespace tokend::agent {
namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

void log_task_end(std::string_view what, std::exception_ptr e)
{
    if (!e)
        return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        log::error(what, " ended by an unexpected error: ", x.what());
    }
}

} // namespace

listener::listener(local::acceptor acceptor, agent& owner, dispatcher& dispatch)
    : acceptor_(std::move(acceptor)), reaper_(acceptor_.get_executor()), cx_{owner, dispatch, reaper_}
{
}

void listener::start()
{
    auto ex = acceptor_.get_executor();
    asio::co_spawn(ex, reaper_.run(), [](std::exception_ptr e) { log_task_end("the connection reaper", e); });
    asio::co_spawn(ex, accept_loop(), [](std::exception_ptr e) { log_task_end("the accept loop", e); });
}

void listener::stop()
{
    cx_.stopping = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    reaper_.expire_all();
    reaper_.stop();
}

// Answers once and closes, without a session: the peer gets no other byte from us.
void listener::refuse(local::socket& s, std::string_view code, std::string_view message)
{
    std::string line;
    proto::encode_error(line, "", {*proto::errc_from_string(code), std::string(message)});
    // A fresh socket's send buffer is empty, so this short write cannot block.
    [[maybe_unused]] auto n = ::send(s.native_handle(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    boost::system::error_code ignored;
    s.close(ignored);
}

awaitable<void> listener::accept_loop()
{
    auto ex = co_await asio::this_coro::executor;
    const uid_t me = ::geteuid();
    while (!cx_.stopping) {
        auto [ec, socket] = co_await acceptor_.async_accept(nothrow_awaitable);
        if (ec == asio::error::operation_aborted || cx_.stopping)
            break;
        if (ec) { // EMFILE and friends: say so, breathe, and keep serving the clients we have
            log::warn("accept failed: ", ec.message());
            asio::steady_timer pause(ex, std::chrono::milliseconds(100));
            co_await pause.async_wait(nothrow_awaitable);
            continue;
        }
        ucred peer{};
        socklen_t len = sizeof peer;
        if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0) {
            refuse(socket, "permission_denied", "cannot identify the peer");
            continue;
        }
        // Root may ask, as with ssh-agent: it can read our memory anyway.
        if (peer.uid != me && peer.uid != 0) {
            log::warn("refused a connection from uid ", peer.uid, " (pid ", peer.pid, "): not the agent's user");
            refuse(socket, "permission_denied", "this agent serves only its own user");
            continue;
        }
        if (cx_.open >= cx_.owner.current().agent.max_connections) {
            log::warn("refused a connection from pid ", peer.pid, ": max_connections (",
                      cx_.owner.current().agent.max_connections, ") reached");
            refuse(socket, "busy", "too many connections; try again shortly");
            continue;
        }
        asio::co_spawn(ex, run_session(std::move(socket), cx_), [](std::exception_ptr e) { log_task_end("a session", e); });
    }
}

} // namespace tokend::agent
