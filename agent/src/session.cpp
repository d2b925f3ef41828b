// SPDX-License-Identifier: MIT
#include "session.hpp"

#include "agent.hpp"
#include "dispatch.hpp"
#include "reaper.hpp"

#include <tokend/proto/codec.hpp>
#include <tokend/proto/json_text.hpp>
#include <tokend/proto/line_buffer.hpp>

#include <boost/asio/write.hpp>

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
        socket_.non_blocking(true);
    }
    ~session()
    {
        proto::secure_wipe(out_);
        --cx_.open;
    }

    awaitable<void> run();

private:
    const agent_settings& limits() const { return cx_.owner.settings(); }
    awaitable<bool> answer(std::string_view line);
    awaitable<bool> write_out();
    void on_deadline(bool shutting_down);

    asio::local::stream_protocol::socket socket_;
    session_context& cx_;
    reaper::entry deadline_;
    proto::line_buffer in_;
    std::string out_;
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
            if (!co_await answer(line) || close_after_answer_ || cx_.stopping)
                co_return;
            deadline_.expires_at(steady::now() + (in_.empty() ? limits().idle_timeout : limits().request_timeout));
            continue;
        }
        if (st == proto::line_buffer::status::too_large) {
            out_.clear();
            proto::encode_error(out_, "", {proto::errc::too_large, "request line exceeds 65536 bytes; closing"});
            co_await write_out();
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

awaitable<bool> session::answer(std::string_view line)
{
    busy_ = true;
    out_.clear();
    if (auto pending = cx_.dispatch.handle(line, out_)) {
        deadline_.expires_at(steady::time_point::max()); // the get keeps its own deadline
        co_await cx_.dispatch.finish(*pending, out_, steady::now() + limits().request_timeout);
    }
    bool ok = co_await write_out();
    proto::secure_wipe(out_.data(), out_.size()); // the answer may carry a token
    busy_ = false;
    co_return ok;
}

// Writes without a round trip through the scheduler when the socket takes it all at once,
// which it nearly always does; only a client that does not read makes us wait (bounded).
awaitable<bool> session::write_out()
{
    boost::system::error_code ec;
    std::size_t n = socket_.write_some(asio::buffer(out_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again)
        ec = {}, n = 0;
    if (ec)
        co_return false;
    if (n == out_.size())
        co_return true;
    deadline_.expires_at(steady::now() + limits().request_timeout);
    auto [wec, written] = co_await asio::async_write(socket_, asio::buffer(out_.data() + n, out_.size() - n),
                                                     nothrow_awaitable);
    co_return !wec;
}

} // namespace

awaitable<void> run_session(asio::local::stream_protocol::socket socket, session_context& cx)
{
    session s(std::move(socket), cx);
    co_await s.run();
}

} // namespace tokend::agent
