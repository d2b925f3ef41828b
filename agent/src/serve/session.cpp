// SPDX-License-Identifier: MIT
#include "serve/session.hpp"

#include "engine/agent.hpp"
#include "serve/dispatch.hpp"
#include "serve/reaper.hpp"

#include <tokend/proto/codec.hpp>
#include <tokend/proto/limits.hpp>
#include <tokend/proto/line_buffer.hpp>

#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>

namespace tokend::agent {
namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

namespace {

class session {
public:
    session(asio::local::stream_protocol::socket s, session_context& cx)
        : socket_(std::move(s)), cx_(cx), deadline_(cx.deadlines, [this](bool stopping) { on_deadline(stopping); })
    {
        ++cx_.open;
    }
    ~session() { --cx_.open; }

    awaitable<void> run();

private:
    const agent_settings& limits() const { return cx_.owner.settings(); }
    bool write_now();
    awaitable<bool> write_rest();
    void on_deadline(bool shutting_down);

    asio::local::stream_protocol::socket socket_;
    session_context& cx_;
    reaper::entry deadline_;
    proto::line_buffer in_;
    answer out_; // its text is reused from one answer to the next
    std::size_t sent_ = 0; // bytes of out_ already written
    bool busy_ = false;
    bool close_after_answer_ = false;
};

void session::on_deadline(bool shutting_down)
{
    if (shutting_down && busy_) {
        close_after_answer_ = true; // finish answering first
        return;
    }
    boost::system::error_code ignored;
    socket_.close(ignored);
}

awaitable<void> session::run()
{
    deadline_.expires_at(steady::now() + limits().idle_timeout);
    bool line_started = false;
    for (;;) {
        std::string_view line;
        auto st = in_.next(line);
        if (st == proto::line_buffer::status::line) {
            line_started = false;
            // The common request is answered and written without suspending: no coroutine
            // frame and no trip through the scheduler between reading a line and replying.
            busy_ = true;
            out_.clear();
            if (auto pending = cx_.dispatch.handle(line, out_)) { // a get that waits for the upstream
                deadline_.expires_at(steady::time_point::max());    // it keeps its own deadline
                get_outcome got = co_await pending->target->get(pending->min_ttl, steady::now() + limits().request_timeout);
                render_get(out_, pending->id, std::move(got));
            }
            bool ok = write_now();
            if (ok && sent_ < out_.size())
                ok = co_await write_rest();
            out_.clear(); // lets go of the token's fields
            busy_ = false;
            if (!ok || close_after_answer_ || cx_.stopping)
                co_return;
            deadline_.expires_at(steady::now() + (in_.empty() ? limits().idle_timeout : limits().request_timeout));
            continue;
        }
        if (st == proto::line_buffer::status::too_large) {
            out_.clear();
            proto::encode_error(out_.text, "", {proto::errc::too_large, "request line exceeds "
                                                                  + std::to_string(proto::max_line_bytes) + " bytes; closing"});
            if (write_now() && sent_ < out_.size())
                co_await write_rest();
            co_return;
        }
        if (!in_.empty() && !line_started) { // the clock for a slow request starts at its first byte
            line_started = true;
            deadline_.expires_at(steady::now() + limits().request_timeout);
        }
        std::span<char> space = in_.prepare();
        auto [ec, n] = co_await socket_.async_read_some(asio::buffer(space.data(), space.size()), nothrow_awaitable);
        if (ec)
            co_return;
        in_.commit(n);
    }
}

// Writes what the socket takes at once (MSG_DONTWAIT: no mode switch on the socket), the
// token's fields straight from the profile's locked copy. False when the peer is gone.
bool session::write_now()
{
    sent_ = 0;
    std::array<iovec, 3> iov{};
    std::size_t count = 0;
    for (std::string_view piece : out_.pieces(0))
        if (!piece.empty())
            iov[count++] = {const_cast<char*>(piece.data()), piece.size()};
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    sent_ = static_cast<std::size_t>(n);
    return true;
}

// What write_now() could not: only a client that does not read makes us wait, and then no
// longer than request_timeout. out_ keeps the token's fields alive meanwhile.
awaitable<bool> session::write_rest()
{
    deadline_.expires_at(steady::now() + limits().request_timeout);
    auto [a, b, c] = out_.pieces(sent_);
    std::array<asio::const_buffer, 3> rest{asio::buffer(a.data(), a.size()), asio::buffer(b.data(), b.size()),
                                           asio::buffer(c.data(), c.size())};
    auto [ec, written] = co_await asio::async_write(socket_, rest, nothrow_awaitable);
    co_return !ec;
}

} // namespace

awaitable<void> run_session(asio::local::stream_protocol::socket socket, session_context& cx)
{
    session s(std::move(socket), cx);
    co_await s.run();
}

} // namespace tokend::agent
