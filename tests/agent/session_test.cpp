// SPDX-License-Identifier: MIT
// One session over a socketpair on an io_context, with a real agent (static profiles) behind
// it: answers in order, the line limit, the idle deadline and a write the peer's slowness cut
// in pieces. Every wait is bounded by run_for, so no case can hang.
#include "config/config.hpp"
#include "engine/agent.hpp"
#include "serve/dispatch.hpp"
#include "serve/reaper.hpp"
#include "serve/session.hpp"
#include "sys/log.hpp"

#include <tokend/proto/codec.hpp>
#include <tokend/proto/limits.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>

#include <cstdlib>

using namespace tokend::agent;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace proto = tokend::proto;
using local = asio::local::stream_protocol;

namespace session_test {

class no_upstream final : public transport {
public:
    awaitable<http_outcome> exchange(const endpoint&, const http_request&, duration) override
    {
        co_return http_outcome{};
    }
};

// A key whose answer (key and Authorization header, about 12 KB) is larger than a socket
// buffer of 4 KiB takes in one write, so writing it stops in the middle of the token's fields.
const std::string& big_key()
{
    static const std::string key = [] {
        std::string k;
        for (int i = 0; k.size() < 6000; ++i)
            k += "k" + std::to_string(i);
        return k;
    }();
    return key;
}

struct fixture {
    asio::io_context ioc;
    clock_source clock;
    no_upstream upstream;
    services svc{ioc.get_executor(), clock, upstream};
    std::unique_ptr<agent> owner;
    std::unique_ptr<dispatcher> d;
    tokend::agent::reaper deadlines{ioc.get_executor()};
    std::unique_ptr<session_context> cx;
    local::socket client{ioc};
    bool session_over = false;

    fixture()
    {
        log::set_sink([](log::level, std::string_view) {});
        ::setenv("TOKEND_SESSION_TEST_KEY", "key-one", 1);
        ::setenv("TOKEND_SESSION_TEST_BIG_KEY", big_key().c_str(), 1);
        auto c = parse_config("[agent]\nidle_timeout = \"300ms\"\nrequest_timeout = \"2s\"\n"
                              "[profile.one]\nprovider = \"static\"\ntoken_env = \"TOKEND_SESSION_TEST_KEY\"\n"
                              "[profile.big]\nprovider = \"static\"\ntoken_env = \"TOKEND_SESSION_TEST_BIG_KEY\"\n",
                              "/etc/tokend-test.toml", 0600);
        BOOST_TEST_REQUIRE(c.has_value());
        auto secrets = read_all_secrets(*c);
        BOOST_TEST_REQUIRE(secrets.has_value());
        owner = std::make_unique<agent>(svc, std::move(*c), std::move(*secrets));
        d = std::make_unique<dispatcher>(*owner, [] { return std::optional<std::string>(); });
        cx = std::make_unique<session_context>(session_context{*owner, *d, deadlines});
        owner->start();
        asio::co_spawn(ioc, deadlines.run(), asio::detached);
        for (int i = 0; i < 100 && (owner->find("one")->state() != profile_state::valid
                                    || owner->find("big")->state() != profile_state::valid); ++i)
            ioc.run_for(5ms);
    }
    ~fixture()
    {
        boost::system::error_code ignored;
        client.close(ignored);
        deadlines.stop();
        owner->stop();
        ioc.run_for(50ms);
        log::set_sink({});
    }

    // Opens the session; `server_sndbuf` shrinks its socket's send buffer.
    void open(int server_sndbuf = 0)
    {
        local::socket server(ioc);
        asio::local::connect_pair(client, server);
        if (server_sndbuf)
            ::setsockopt(server.native_handle(), SOL_SOCKET, SO_SNDBUF, &server_sndbuf, sizeof server_sndbuf);
        client.non_blocking(true);
        asio::co_spawn(ioc, run_session(std::move(server), *cx), [this](std::exception_ptr) { session_over = true; });
    }

    void send(std::string_view bytes)
    {
        auto until = std::chrono::steady_clock::now() + 5s;
        while (!bytes.empty() && std::chrono::steady_clock::now() < until) {
            ssize_t n = ::send(client.native_handle(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n > 0)
                bytes.remove_prefix(static_cast<std::size_t>(n));
            else
                ioc.run_for(5ms);
        }
        BOOST_TEST_REQUIRE(bytes.empty());
    }

    // Reads until `lines` newlines, end of stream or `limit`; `eof` tells which.
    std::string receive(std::size_t lines, std::chrono::milliseconds limit, bool* eof = nullptr)
    {
        std::string got;
        auto until = std::chrono::steady_clock::now() + limit;
        while (std::count(got.begin(), got.end(), '\n') < static_cast<long>(lines) && std::chrono::steady_clock::now() < until) {
            char buf[4096];
            ssize_t n = ::recv(client.native_handle(), buf, sizeof buf, 0);
            if (n == 0) {
                if (eof)
                    *eof = true;
                break;
            }
            if (n > 0)
                got.append(buf, static_cast<std::size_t>(n));
            else
                ioc.run_for(2ms);
        }
        return got;
    }

    std::vector<std::string> split(const std::string& text)
    {
        std::vector<std::string> out;
        for (std::size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
            out.push_back(text.substr(at, nl - at));
        return out;
    }
};

} // namespace session_test

BOOST_FIXTURE_TEST_SUITE(session, session_test::fixture)

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order)
{
    open();
    send(R"({"op":"hello","id":1})" "\n" R"({"op":"get","profile":"one","id":2})" "\n"
         R"({"op":"status","id":3})" "\n" R"({"op":"get","profile":"nope","id":4})" "\n"
         R"({"op":"invalidate","profile":"one","id":5})" "\n");
    auto lines = split(receive(5, 3000ms));
    BOOST_TEST_REQUIRE(lines.size() == 5u);
    BOOST_TEST(lines[0].starts_with(R"({"ok":true,"id":1,"agent":"tokend")"));
    BOOST_TEST(lines[1].starts_with(R"({"ok":true,"id":2,"profile":"one","token":"key-one")"));
    BOOST_TEST(lines[2].starts_with(R"({"ok":true,"id":3,"profiles":[)"));
    BOOST_TEST(lines[3].starts_with(R"({"ok":false,"id":4,"error":{"code":"unknown_profile")"));
    BOOST_TEST(lines[4] == R"({"ok":true,"id":5})");
    BOOST_TEST(!session_over);
}

BOOST_AUTO_TEST_CASE(a_line_of_exactly_the_limit_is_read)
{
    open();
    send(std::string(proto::max_line_bytes, 'x') + "\n" + R"({"op":"hello","id":2})" "\n");
    auto lines = split(receive(2, 3000ms));
    BOOST_TEST_REQUIRE(lines.size() == 2u);
    BOOST_TEST(lines[0].starts_with(R"({"ok":false,"error":{"code":"bad_request")"));
    BOOST_TEST(lines[1].starts_with(R"({"ok":true,"id":2,)"));
}

BOOST_AUTO_TEST_CASE(one_byte_past_the_limit_is_too_large_before_any_newline)
{
    open();
    send(std::string(proto::max_line_bytes + 1, 'x')); // and no newline: the agent must not wait for one
    bool eof = false;
    std::string got = receive(2, 3000ms, &eof);
    BOOST_TEST(got == R"({"ok":false,"error":{"code":"too_large","message":"request line exceeds 65536 bytes; closing"}})" "\n");
    if (!eof)
        receive(1, 1000ms, &eof);
    BOOST_TEST(eof);
}

BOOST_AUTO_TEST_CASE(an_idle_connection_is_closed_after_idle_timeout)
{
    open();
    auto start = std::chrono::steady_clock::now();
    bool eof = false;
    std::string got = receive(1, 3000ms, &eof);
    auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(got.empty());
    BOOST_TEST(eof);
    BOOST_TEST((took >= 250ms)); // idle_timeout is 300 ms
    BOOST_TEST((took < 2500ms));
}

BOOST_AUTO_TEST_CASE(an_answer_the_peer_is_slow_to_read_is_written_whole)
{
    open(4096); // far less than one answer: each write stops part way
    std::string requests;
    const int n = 20;
    for (int i = 0; i < n; ++i)
        requests += R"({"op":"get","profile":"big","id":)" + std::to_string(i) + "}\n";
    send(requests);
    ioc.run_for(100ms); // the session fills its buffer and parks in the middle of an answer
    auto lines = split(receive(n, 5000ms));
    BOOST_TEST_REQUIRE(lines.size() == static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        BOOST_TEST_CONTEXT("answer " << i)
        {
            const std::string& line = lines[static_cast<std::size_t>(i)];
            BOOST_TEST(line.starts_with(R"({"ok":true,"id":)" + std::to_string(i) + R"(,"profile":"big",)"));
            auto t = proto::decode_token_answer(line);
            BOOST_TEST_REQUIRE(t.has_value());
            BOOST_TEST((t->token == session_test::big_key()));
            BOOST_TEST_REQUIRE(!t->headers.empty());
            BOOST_TEST(t->headers[0].first == "Authorization");
            BOOST_TEST((t->headers[0].second == "Bearer " + session_test::big_key()));
        }
    }
    BOOST_TEST(!session_over);
}

BOOST_AUTO_TEST_SUITE_END()
