// SPDX-License-Identifier: MIT
// The real profile engine on a real io_context, with the upstream replaced by a scripted
// transport and the clock by one the test can move (to simulate a suspend). Answers are
// rendered as the dispatcher renders them; the rules alone are in serving_rules_test.cpp.
#include "jwt_fixture.hpp"
#include "sys/log.hpp"
#include "engine/profile.hpp"
#include "upstream/providers/registry.hpp"
#include "serve/dispatch.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/test/unit_test.hpp>

#include <functional>

using namespace tokend::agent;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

std::string make_jwt(long long iat, long long lifetime_s, int serial)
{
    return test::make_jwt(R"({"iat":)" + std::to_string(iat) + R"(,"exp":)" + std::to_string(iat + lifetime_s) + R"(,"n":)"
                          + std::to_string(serial) + "}");
}

class fake_clock final : public clock_source {
public:
    duration skip{}; // time that passed while "suspended"
    boot_time boot_now() const noexcept override { return boot_clock::now() + skip; }
    wall_time wall_now() const noexcept override { return std::chrono::system_clock::now() + skip; }
};

// Answers each exchange by calling `respond`, after `delay`.
class scripted_transport final : public transport {
public:
    std::function<http_response(int call)> respond;
    duration delay = 0ms;
    int calls = 0;
    std::string last_authorization; // what the last login sent: tells which password it used

    awaitable<http_outcome> exchange(const endpoint&, const http_request& req, duration) override
    {
        int n = ++calls;
        last_authorization = std::string(req.authorization.view());
        if (delay > 0ms) {
            asio::steady_timer t(co_await asio::this_coro::executor, delay);
            co_await t.async_wait(nothrow_awaitable);
        }
        http_outcome o;
        o.response = respond(n);
        co_return o;
    }
};

http_response token_answer(long long lifetime_s, int serial)
{
    std::string body = R"({"token":")" + make_jwt(std::time(nullptr), lifetime_s, serial) + R"("})";
    http_response r;
    r.status = 200;
    r.body.assign(body.begin(), body.end());
    return r;
}

http_response status_answer(unsigned status, std::string retry_after = {})
{
    http_response r;
    r.status = status;
    r.retry_after = std::move(retry_after);
    return r;
}

struct fixture {
    asio::io_context ioc;
    fake_clock clock;
    scripted_transport upstream;
    services svc{ioc.get_executor(), clock, upstream};
    std::shared_ptr<profile> p;

    fixture()
    {
        log::set_sink([](log::level, std::string_view) {});
        profile_config cfg;
        cfg.name = "av";
        cfg.provider = find_provider("aviate");
        cfg.email = "e@example.com";
        cfg.password.how = secret_source::kind::env;
        profile_secrets s;
        s.password = secret::copy_of("pw");
        // The first login waits a minute, so each test decides when the upstream is called.
        p = std::make_shared<profile>(svc, std::move(cfg), std::move(s), 5min, 60s);
        p->start();
    }
    ~fixture()
    {
        p->stop("test over");
        ioc.run_for(100ms);
        log::set_sink({});
    }

    // Runs `n` concurrent gets and returns their answer lines.
    std::vector<std::string> get_many(int n, std::optional<double> min_ttl = std::nullopt,
                                      std::chrono::milliseconds timeout = 5s)
    {
        std::vector<answer> answers(static_cast<std::size_t>(n));
        int done = 0;
        for (auto& a : answers) {
            if (auto outcome = p->try_get(min_ttl)) {
                render_get(a, "", std::move(*outcome));
                ++done;
                continue;
            }
            asio::co_spawn(ioc, p->get(min_ttl, std::chrono::steady_clock::now() + timeout),
                           [&](std::exception_ptr e, get_outcome outcome) {
                               BOOST_TEST(!e);
                               if (!e)
                                   render_get(a, "", std::move(outcome));
                               ++done;
                           });
        }
        auto until = std::chrono::steady_clock::now() + timeout + 2s;
        while (done < n && std::chrono::steady_clock::now() < until)
            ioc.run_for(10ms);
        BOOST_TEST(done == n);
        std::vector<std::string> out;
        for (const auto& a : answers)
            out.push_back(a.str());
        return out;
    }
    std::string get_one(std::optional<double> min_ttl = std::nullopt, std::chrono::milliseconds timeout = 5s)
    {
        return get_many(1, min_ttl, timeout)[0];
    }
};

bool has_code(const std::string& answer, const std::string& code)
{
    return answer.find("\"code\":\"" + code + "\"") != std::string::npos;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(profile_engine, fixture)

BOOST_AUTO_TEST_CASE(a_header_secret_with_a_control_character_is_never_sent)
{
    // Setup: an api_secret whose value would smuggle a header into the login and `tok header`.
    upstream.respond = [](int n) { return token_answer(3600, n); };
    profile_config cfg;
    cfg.name = "inj";
    cfg.provider = find_provider("aviate");
    cfg.email = "e@example.com";
    cfg.password.how = secret_source::kind::env;
    cfg.api_secret.how = secret_source::kind::env;
    profile_secrets s;
    s.password = secret::copy_of("pw");
    s.api_secret = secret::copy_of("abc\r\nX-Injected: yes");
    auto q = std::make_shared<profile>(svc, std::move(cfg), std::move(s), 5min, 0s);

    // Exercise
    q->start();
    ioc.run_for(200ms);

    // Check: nothing reached the upstream, and the profile says why without the value.
    BOOST_TEST(upstream.calls == 0);
    BOOST_TEST(to_string(q->state()) == "credentials_rejected");
    BOOST_TEST(q->status().last_error.find("X-Killbill-ApiSecret holds a control character") != std::string::npos,
               q->status().last_error);
    BOOST_TEST(q->status().last_error.find("Injected") == std::string::npos);
    q->stop("test over");
}

BOOST_AUTO_TEST_CASE(concurrent_gets_share_one_login)
{
    // Setup
    upstream.delay = 50ms;
    upstream.respond = [](int n) { return token_answer(3600, n); };

    // Exercise
    auto answers = get_many(100);

    // Check
    BOOST_TEST(upstream.calls == 1);
    for (const auto& a : answers) {
        BOOST_TEST(a.starts_with(R"({"ok":true,"profile":"av","token":")"), a);
        BOOST_TEST(a == answers[0]);
    }
}

BOOST_AUTO_TEST_CASE(a_hundred_reports_of_one_token_cause_one_login)
{
    upstream.respond = [](int n) { return token_answer(3600, n); };
    auto first = tokend::proto::decode_token_answer(get_one());
    BOOST_TEST_REQUIRE(first.has_value());
    ioc.run_for(1100ms); // past the one-invalidate-per-second window of the first login

    // Exercise: every client reports the same token, then asks again.
    for (int i = 0; i < 100; ++i)
        p->invalidate(std::string_view(first->token_id));
    auto answers = get_many(100);

    // Check
    BOOST_TEST(upstream.calls == 2);
    auto second = tokend::proto::decode_token_answer(answers[99]);
    BOOST_TEST_REQUIRE(second.has_value());
    BOOST_TEST(second->token_id != first->token_id);
    p->invalidate(std::string_view(first->token_id)); // stale report: no-op
    BOOST_TEST(get_one() == answers[0]);
    BOOST_TEST(upstream.calls == 2);
}

BOOST_AUTO_TEST_CASE(backing_off_answers_upstream_unavailable_at_once)
{
    upstream.respond = [](int) { return status_answer(503, "30"); };
    std::string first = get_one();
    BOOST_TEST(has_code(first, "upstream_unavailable"), first);
    BOOST_TEST(first.find("HTTP 503") != std::string::npos);

    auto start = std::chrono::steady_clock::now();
    std::string second = get_one();
    BOOST_TEST(has_code(second, "upstream_unavailable"));
    BOOST_TEST(second.find("next attempt in 30 s") != std::string::npos, second);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 1s));
    BOOST_TEST(upstream.calls == 1); // the request neither waits nor shortens Retry-After
    BOOST_TEST(p->status().state == "expired");
    BOOST_TEST(p->status().failures == 1u);
}

BOOST_AUTO_TEST_CASE(rejected_credentials_are_tried_once)
{
    upstream.respond = [](int) { return status_answer(401); };
    for (int i = 0; i < 5; ++i)
        BOOST_TEST(has_code(get_one(), "credentials_rejected"));
    BOOST_TEST(upstream.calls == 1);
    BOOST_TEST(p->status().state == "credentials_rejected");

    // New credentials lift the block for exactly one more attempt, five seconds after the last
    // one (docs/refresh.md, "Changing credentials"): the clock moves on instead of the test waiting.
    upstream.respond = [](int n) { return token_answer(3600, n); };
    p->add_secret(secret::copy_of("new-pw"));
    clock.skip = 5s;
    BOOST_TEST(get_one().starts_with(R"({"ok":true)"));
    BOOST_TEST(upstream.calls == 2);
}

BOOST_AUTO_TEST_CASE(the_same_password_added_again_starts_nothing)
{
    // Setup: the fixture's password "pw" is refused.
    upstream.respond = [](int) { return status_answer(401); };
    BOOST_TEST_REQUIRE(has_code(get_one(), "credentials_rejected"));

    // Exercise: `tok add` with that same password, thirty times, then the clock moves on.
    for (int i = 0; i < 30; ++i)
        p->add_secret(secret::copy_of("pw"));
    clock.skip = 6s;
    p->nudge();
    ioc.run_for(200ms);

    // Check
    BOOST_TEST(upstream.calls == 1);
    BOOST_TEST(p->status().state == "credentials_rejected");
    BOOST_TEST(has_code(get_one(), "credentials_rejected"));
}

BOOST_AUTO_TEST_CASE(changed_passwords_log_in_once_per_five_seconds_with_the_latest)
{
    // Setup
    upstream.respond = [](int) { return status_answer(401); };
    BOOST_TEST_REQUIRE(has_code(get_one(), "credentials_rejected"));
    std::string first = upstream.last_authorization;

    // Exercise: five new passwords in a row, at once.
    for (int i = 1; i <= 5; ++i)
        p->add_secret(secret::copy_of("new-" + std::to_string(i)));
    ioc.run_for(300ms);
    int calls_within_the_window = upstream.calls;
    clock.skip = 5s; // the window since the first login has passed
    p->nudge();
    ioc.run_for(300ms);

    // Check: one more login, and it used the last password ("e@example.com:new-5").
    BOOST_TEST(calls_within_the_window == 1);
    BOOST_TEST(upstream.calls == 2);
    BOOST_TEST(upstream.last_authorization != first);
    BOOST_TEST(upstream.last_authorization == "Basic ZUBleGFtcGxlLmNvbTpuZXctNQ==");
}

BOOST_AUTO_TEST_CASE(a_token_is_not_served_past_a_suspend)
{
    // Setup
    upstream.respond = [](int n) { return token_answer(3600, n); };
    std::string before = get_one();

    // Exercise: the machine sleeps for two hours; Asio's timers never noticed.
    clock.skip = 2h;
    std::string after = get_one();

    // Check
    BOOST_TEST(after.starts_with(R"({"ok":true)"));
    BOOST_TEST(after != before);
    BOOST_TEST(upstream.calls == 2);
}

BOOST_AUTO_TEST_CASE(a_hung_upstream_times_the_request_out)
{
    upstream.delay = 10s;
    upstream.respond = [](int n) { return token_answer(3600, n); };
    std::string a = get_one(std::nullopt, 200ms);
    BOOST_TEST(has_code(a, "timeout"), a);
    BOOST_TEST(p->status().state == "refreshing");
}

BOOST_AUTO_TEST_CASE(min_ttl_beyond_the_lifetime_is_a_bad_request)
{
    upstream.respond = [](int n) { return token_answer(60, n); };
    BOOST_TEST(get_one().starts_with(R"({"ok":true)"));
    std::string a = get_one(120.0);
    BOOST_TEST(has_code(a, "bad_request"));
    BOOST_TEST(a.find("min_ttl 120 s is more than the token lifetime (59 s)") != std::string::npos, a);
}

BOOST_AUTO_TEST_CASE(min_ttl_at_the_edges_of_the_lifetime)
{
    // Setup: a 60 s JWT has a lifetime of 59 s (exp - iat - 1).
    upstream.respond = [](int n) { return token_answer(60, n); };
    std::string token = get_one();
    BOOST_TEST_REQUIRE(token.starts_with(R"({"ok":true)"));

    // Exercise and check: exactly the lifetime is served by the fresh token; a second more,
    // and any value too large for a duration (a float-to-integer overflow once served a
    // token), is a bad_request that starts nothing.
    BOOST_TEST(get_one(59.0) == token);
    std::string over = get_one(60.0);
    BOOST_TEST(has_code(over, "bad_request"), over);
    BOOST_TEST(over.find("min_ttl 60 s is more than the token lifetime (59 s)") != std::string::npos, over);
    for (double huge : {1e10, 1e19, 1e300}) {
        std::string a = get_one(huge);
        BOOST_TEST(has_code(a, "bad_request"), a);
        BOOST_TEST(a.find("min_ttl of more than ten years is more than the token lifetime (59 s)") != std::string::npos, a);
    }
    BOOST_TEST(upstream.calls == 1);
}

BOOST_AUTO_TEST_CASE(min_ttl_beyond_ten_years_is_refused_before_any_login)
{
    upstream.respond = [](int n) { return token_answer(60, n); };
    std::string a = get_one(1e300);
    BOOST_TEST(has_code(a, "bad_request"), a);
    BOOST_TEST(a.find("more than any token lives") != std::string::npos, a);
    BOOST_TEST(upstream.calls == 0);
}

BOOST_AUTO_TEST_CASE(a_jwt_expiring_in_2300_is_served_with_an_expiry_within_ten_years)
{
    // Setup: exp in year 2300, iat now.
    upstream.respond = [](int) {
        std::string jwt = test::make_jwt(R"({"iat":)" + std::to_string(std::time(nullptr)) + R"(,"exp":10413792000})");
        http_response r;
        r.status = 200;
        std::string body = R"({"token":")" + jwt + R"("})";
        r.body.assign(body.begin(), body.end());
        return r;
    };

    // Exercise
    auto t = tokend::proto::decode_token_answer(get_one());
    auto s = p->status();

    // Check: ten years from now, give or take the test's own run time.
    BOOST_TEST_REQUIRE(t.has_value());
    std::int64_t now = std::time(nullptr), ten_years = 3650LL * 86400;
    BOOST_TEST_REQUIRE(t->expires_at.has_value());
    BOOST_TEST(*t->expires_at <= now + ten_years);
    BOOST_TEST(*t->expires_at >= now + ten_years - 60);
    BOOST_TEST_REQUIRE(s.expires_at.has_value());
    BOOST_TEST(*s.expires_at <= now + ten_years);
    BOOST_TEST(*s.expires_at >= now + ten_years - 60);
    BOOST_TEST(s.state == "valid");
}

BOOST_AUTO_TEST_CASE(min_ttl_above_what_is_left_waits_for_a_fresh_token)
{
    upstream.respond = [](int n) { return token_answer(60, n); };
    std::string first = get_one();
    clock.skip = 30s; // 29 s left of 59
    std::string same = get_one(20.0);
    BOOST_TEST(same == first);
    std::string fresh = get_one(40.0);
    BOOST_TEST(fresh.starts_with(R"({"ok":true)"));
    BOOST_TEST(fresh != first);
    BOOST_TEST(upstream.calls == 2);
}

BOOST_AUTO_TEST_CASE(status_never_shows_a_secret)
{
    upstream.respond = [](int n) { return token_answer(3600, n); };
    auto token = tokend::proto::decode_token_answer(get_one());
    BOOST_TEST_REQUIRE(token.has_value());
    std::string line;
    tokend::proto::encode_status(line, "", {p->status()});
    BOOST_TEST(line.find(token->token) == std::string::npos);
    BOOST_TEST(line.find("pw") == std::string::npos);
    BOOST_TEST(line.find(R"("state":"valid")") != std::string::npos, line);
}

BOOST_AUTO_TEST_SUITE_END()
