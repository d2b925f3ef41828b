// SPDX-License-Identifier: MIT
#include "serve/listener.hpp"

#include "engine/agent.hpp"
#include "sys/log.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tokend::agent {
namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {

// Answers once, without a session: the peer gets no other byte from us. A fresh socket's
// send buffer is empty, so this short write cannot block.
void answer_once(int fd, proto::errc code, std::string_view message)
{
    std::string line;
    proto::encode_error(line, "", {code, std::string(message)});
    [[maybe_unused]] auto n = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

int open_spare() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

} // namespace

listener::listener(local::acceptor acceptor, agent& owner, dispatcher& dispatch)
    : acceptor_(std::move(acceptor)), our_uid_(::geteuid()), spare_fd_(open_spare()),
      refusal_timer_(acceptor_.get_executor()), reaper_(acceptor_.get_executor()), cx_{owner, dispatch, reaper_}
{
}

listener::~listener()
{
    if (spare_fd_ >= 0)
        ::close(spare_fd_);
}

void listener::start()
{
    auto ex = acceptor_.get_executor();
    asio::co_spawn(ex, reaper_.run(), log_task_end{"the connection reaper"});
    asio::co_spawn(ex, accept_loop(), log_task_end{"the accept loop"});
}

void listener::stop()
{
    cx_.stopping = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    refusal_timer_.cancel();
    for (const auto& line : refusals_.flush())
        log::warn(line);
    reaper_.expire_all();
    reaper_.stop();
}

std::optional<std::pair<proto::errc, std::string_view>> listener::screen(int fd, bool out_of_descriptors)
{
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0)
        return std::pair{proto::errc::permission_denied, "cannot identify the peer"};
    // Root may ask, as with ssh-agent: it can read our memory anyway.
    if (peer.uid != our_uid_ && peer.uid != 0) {
        if (auto line = refusals_.refused(peer.uid, peer.pid, refusal_log::clock::now()))
            log::warn(*line);
        else
            schedule_refusal_report();
        return std::pair{proto::errc::permission_denied, "this agent serves only its own user"};
    }
    std::size_t cap = cx_.owner.settings().max_connections;
    if (out_of_descriptors || cx_.open >= cap) {
        if (out_of_descriptors)
            log::warn("refused a connection from pid ", peer.pid, ": out of file descriptors (RLIMIT_NOFILE) with ",
                      cx_.open, " connections open");
        else
            log::warn("refused a connection from pid ", peer.pid, ": max_connections (", cap, ") reached");
        return std::pair{proto::errc::busy, "too many connections; try again shortly"};
    }
    return std::nullopt;
}

void listener::schedule_refusal_report()
{
    auto when = refusals_.next_due();
    if (refusal_report_due_ || !when || cx_.stopping)
        return;
    refusal_report_due_ = true;
    refusal_timer_.expires_at(*when);
    refusal_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) // cancelled by stop(), which reports what is left itself
            return;
        refusal_report_due_ = false;
        for (const auto& line : refusals_.due(refusal_log::clock::now()))
            log::warn(line);
        schedule_refusal_report();
    });
}

// Out of descriptors, the client at the head of the backlog would wait there unanswered while
// the accept loop spins. Release the spare descriptor for a moment to accept it, answer it
// (`busy`, or `permission_denied` for a stranger) and close it. False when even that failed.
bool listener::shed_one()
{
    if (spare_fd_ >= 0)
        ::close(spare_fd_);
    int fd = ::accept4(acceptor_.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
        if (auto refusal = screen(fd, true))
            answer_once(fd, refusal->first, refusal->second);
        ::close(fd);
    }
    spare_fd_ = open_spare();
    return fd >= 0;
}

awaitable<void> listener::accept_loop()
{
    auto ex = co_await asio::this_coro::executor;
    while (!cx_.stopping) {
        auto [ec, socket] = co_await acceptor_.async_accept(nothrow_awaitable);
        if (ec == asio::error::operation_aborted || cx_.stopping)
            break;
        bool no_fds = ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system;
        if (no_fds && shed_one())
            continue;
        if (ec) { // anything else, or not even a spare descriptor: say so, breathe, keep serving
            log::warn("accept failed: ", ec.message());
            asio::steady_timer pause(ex, std::chrono::milliseconds(100));
            co_await pause.async_wait(nothrow_awaitable);
            continue;
        }
        if (auto refusal = screen(socket.native_handle(), false)) {
            answer_once(socket.native_handle(), refusal->first, refusal->second);
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        asio::co_spawn(ex, run_session(std::move(socket), cx_), log_task_end{"a session"});
    }
}

} // namespace tokend::agent
