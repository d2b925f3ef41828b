// SPDX-License-Identifier: MIT
// The dispatcher on a real agent with static profiles: one request line in, one answer line
// out, for each op and each way a request can be wrong. No sockets (session_test.cpp has them).
#include "config/config.hpp"
#include "engine/agent.hpp"
#include "serve/dispatch.hpp"
#include "sys/log.hpp"

#include <tokend/proto/codec.hpp>
#include <tokend/proto/limits.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>

using namespace tokend::agent;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace proto = tokend::proto;

namespace dispatch_test {

// Static profiles never call the upstream.
class no_upstream final : public transport {
public:
    int calls = 0;
    awaitable<http_outcome> exchange(const endpoint&, const http_request&, duration) override
    {
        ++calls;
        co_return http_outcome{};
    }
};

config static_profiles()
{
    ::setenv("TOKEND_DISPATCH_TEST_ALPHA", "key-alpha", 1);
    ::setenv("TOKEND_DISPATCH_TEST_BETA", "key-beta", 1);
    auto c = parse_config("[profile.beta]\nprovider = \"static\"\ntoken_env = \"TOKEND_DISPATCH_TEST_BETA\"\n"
                          "[profile.alpha]\nprovider = \"static\"\ntoken_env = \"TOKEND_DISPATCH_TEST_ALPHA\"\n",
                          "/etc/tokend-test.toml", 0600);
    BOOST_TEST_REQUIRE(c.has_value());
    return std::move(*c);
}

struct fixture {
    asio::io_context ioc;
    clock_source clock;
    no_upstream upstream;
    services svc{ioc.get_executor(), clock, upstream};
    std::unique_ptr<agent> owner;
    std::optional<std::string> reload_error;
    int reloads = 0;
    std::unique_ptr<dispatcher> d;

    fixture()
    {
        log::set_sink([](log::level, std::string_view) {});
        config c = static_profiles();
        auto secrets = read_all_secrets(c);
        BOOST_TEST_REQUIRE(secrets.has_value());
        owner = std::make_unique<agent>(svc, std::move(c), std::move(*secrets));
        d = std::make_unique<dispatcher>(*owner, [this] {
            ++reloads;
            return reload_error;
        });
    }
    ~fixture()
    {
        owner->stop();
        ioc.run_for(50ms);
        log::set_sink({});
    }

    // Starts the profiles and lets them adopt their keys (bounded).
    void start()
    {
        owner->start();
        auto both_valid = [&] {
            return owner->find("alpha")->state() == profile_state::valid
                   && owner->find("beta")->state() == profile_state::valid;
        };
        for (int i = 0; i < 200 && !both_valid(); ++i)
            ioc.run_for(5ms);
        BOOST_TEST_REQUIRE(both_valid());
    }

    // The answer to a request that is answered at once.
    std::string ask(std::string_view line)
    {
        answer out;
        auto pending = d->handle(line, out);
        BOOST_TEST_REQUIRE(!pending);
        return out.str();
    }
};

} // namespace dispatch_test

BOOST_FIXTURE_TEST_SUITE(dispatch, dispatch_test::fixture)

BOOST_AUTO_TEST_CASE(hello_names_the_agent_and_echoes_the_id)
{
    std::string line = ask(R"({"op":"hello","id":1})");
    BOOST_TEST(line.starts_with(R"({"ok":true,"id":1,"agent":"tokend",)"));
    auto hello = proto::decode_hello_answer(line);
    BOOST_TEST_REQUIRE(hello.has_value());
    BOOST_TEST(hello->protocol == proto::protocol_version);
}

BOOST_AUTO_TEST_CASE(get_serves_the_static_key_with_the_id_echoed)
{
    start();
    std::string line = ask(R"({"op":"get","profile":"alpha","id":"g-1"})");
    BOOST_TEST(line.starts_with(R"({"ok":true,"id":"g-1","profile":"alpha","token":"key-alpha",)"));
    auto t = proto::decode_token_answer(line);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->token == "key-alpha");
    BOOST_TEST(!t->expires_at); // a static key never expires
    BOOST_TEST(upstream.calls == 0);
}

BOOST_AUTO_TEST_CASE(a_get_before_the_key_is_adopted_waits_for_it)
{
    owner->start(); // the first attempt is still ahead
    answer out;
    auto pending = d->handle(R"({"op":"get","profile":"beta","id":2})", out);
    BOOST_TEST_REQUIRE(pending.has_value());
    BOOST_TEST(out.str().empty());
    bool done = false;
    asio::co_spawn(ioc, pending->target->get(pending->min_ttl, std::chrono::steady_clock::now() + 2s),
                   [&](std::exception_ptr e, get_outcome got) {
                       BOOST_TEST(!e);
                       if (!e)
                           render_get(out, pending->id, std::move(got));
                       done = true;
                   });
    for (int i = 0; i < 300 && !done; ++i)
        ioc.run_for(10ms);
    BOOST_TEST_REQUIRE(done);
    BOOST_TEST(out.str().starts_with(R"({"ok":true,"id":2,"profile":"beta","token":"key-beta",)"));
}

BOOST_AUTO_TEST_CASE(an_unknown_profile_is_named_with_the_known_ones)
{
    BOOST_TEST(ask(R"({"op":"get","profile":"gamma","id":3})")
               == R"({"ok":false,"id":3,"error":{"code":"unknown_profile","message":"profile 'gamma' is not configured; known: alpha, beta"}})" "\n");
    BOOST_TEST(ask(R"({"op":"invalidate","profile":"gamma"})").find(R"("code":"unknown_profile")") != std::string::npos);
    BOOST_TEST(ask(R"({"op":"status","profile":"gamma"})").find(R"("code":"unknown_profile")") != std::string::npos);
    BOOST_TEST(ask(R"({"op":"add","profile":"gamma","password":"pw"})").find(R"("code":"unknown_profile")")
               != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unknown_op_is_refused_with_the_id_echoed)
{
    BOOST_TEST(ask(R"({"op":"dance","id":[1,"two"]})")
               == R"({"ok":false,"id":[1,"two"],"error":{"code":"unknown_op","message":"unknown op \"dance\""}})" "\n");
}

BOOST_AUTO_TEST_CASE(bad_json_is_a_bad_request)
{
    for (std::string_view bad : {R"({"op":)", "[]", "", R"({"op":"get","profile":5})"}) {
        BOOST_TEST_CONTEXT(bad)
        {
            auto error = proto::decode_ok_answer(ask(bad));
            BOOST_TEST_REQUIRE(error.has_value());
            BOOST_TEST(proto::to_string(error->code) == "bad_request");
        }
    }
}

BOOST_AUTO_TEST_CASE(status_lists_every_profile_or_the_one_asked_for)
{
    start();
    auto all = proto::decode_status_answer(ask(R"({"op":"status"})"));
    BOOST_TEST_REQUIRE(all.has_value());
    BOOST_TEST_REQUIRE(all->size() == 2u);
    BOOST_TEST((*all)[0].name == "alpha");
    BOOST_TEST((*all)[1].name == "beta");
    auto one = proto::decode_status_answer(ask(R"({"op":"status","profile":"beta","id":4})"));
    BOOST_TEST_REQUIRE(one.has_value());
    BOOST_TEST_REQUIRE(one->size() == 1u);
    BOOST_TEST((*one)[0].state == "valid");
}

BOOST_AUTO_TEST_CASE(invalidate_and_add_answer_ok)
{
    start();
    BOOST_TEST(ask(R"({"op":"invalidate","profile":"alpha","id":5})") == R"({"ok":true,"id":5})" "\n");
    BOOST_TEST(ask(R"({"op":"add","profile":"alpha","password":"key-new"})") == R"({"ok":true})" "\n");
    BOOST_TEST(upstream.calls == 0);
}

BOOST_AUTO_TEST_CASE(reload_answers_ok_or_the_refusal)
{
    BOOST_TEST(ask(R"({"op":"reload"})") == R"({"ok":true})" "\n");
    reload_error = "/etc/tokend-test.toml:2: profile.a.url: bad";
    BOOST_TEST(ask(R"({"op":"reload","id":6})")
               == R"({"ok":false,"id":6,"error":{"code":"bad_request","message":"reload refused: /etc/tokend-test.toml:2: profile.a.url: bad"}})" "\n");
    BOOST_TEST(reloads == 2);
}

BOOST_AUTO_TEST_SUITE_END()
