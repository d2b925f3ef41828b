// SPDX-License-Identifier: MIT
// The refresh engine under upstream faults injected by mockbill: the exact call pattern at
// the mock, what clients are told, and what status shows.
#include "process.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <thread>

using namespace tokend::test;
namespace proto = tokend::proto;
namespace json = boost::json;

// Helpers live in the suite's namespace: unity builds put all suites in one file.
BOOST_AUTO_TEST_SUITE(faults)

struct setup {
    temp_dir dir;
    mockbill mock{dir};
    std::unique_ptr<agent> a;

    // One aviate profile with `lifetime`-second tokens at the mock. The agent logs in as soon
    // as it starts, so a fault meant for that first login is installed before the start.
    explicit setup(int lifetime, const std::string& first_login_fault = {})
    {
        mock.control("/_mock/config", R"({"aviate":{"lifetime":)" + std::to_string(lifetime) + R"(},"killb":{"lifetime":)"
                                          + std::to_string(lifetime) + "}}");
        if (!first_login_fault.empty())
            fault(first_login_fault);
        std::string pw = dir.write("pw", "demo-password\n");
        a = std::make_unique<agent>(dir, "[profile.av]\nprovider = \"aviate\"\nurl = \"" + mock.url()
                                             + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pw + "\"\n");
    }
    std::string get(const std::string& p = "av", const std::string& more = "") const
    {
        return a->ask(R"({"op":"get","profile":")" + p + "\"" + more + "}");
    }
    proto::profile_status status(const std::string& p = "av") const
    {
        auto s = proto::decode_status_answer(a->ask(R"({"op":"status","profile":")" + p + "\"}"));
        BOOST_TEST_REQUIRE(s.has_value());
        return (*s)[0];
    }
    void fault(const std::string& json) const { mock.control("/_mock/faults", json); }
    // Auth calls of one API at the mock: (seconds since mock start, status, fault kind).
    std::vector<std::tuple<double, long, std::string>> calls(const std::string& api = "aviate") const
    {
        std::vector<std::tuple<double, long, std::string>> out;
        json::value all = json::parse(mock.http("GET", "/_mock/calls").second);
        for (const auto& c : all.at("calls").as_array())
            if (c.at("api").as_string() == api)
                out.emplace_back(c.at("t").to_number<double>(), static_cast<long>(c.at("status").as_int64()),
                                 std::string(c.at("fault").as_string()));
        return out;
    }
};

bool ok(const std::string& answer) { return answer.starts_with(R"({"ok":true)"); }

// Compares answers by token_id, so that a failing check never prints a token.
std::string id_of(const std::string& answer)
{
    auto t = proto::decode_token_answer(answer);
    return t ? t->token_id : "(no token)";
}
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string http_date_in(int seconds)
{
    std::time_t t = std::time(nullptr) + seconds;
    char buf[64];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}


BOOST_AUTO_TEST_CASE(failing_upstream_backs_off_serves_the_valid_token_then_says_so)
{
    // Setup: a 7 s token (L = 6 s, m = 1.5 s): the refresh starts ~4.5 s after the login.
    setup s(7);
    std::string first = s.get();
    BOOST_TEST_REQUIRE(ok(first));
    s.fault(R"({"api":"aviate","endpoint":"login","kind":"status","status":503,"count":-1})");

    // Exercise + Check: while the token is valid it is served, and status says "failing".
    BOOST_TEST(wait_for([&] { return s.status().state == "failing"; }, 8s));
    BOOST_TEST(id_of(s.get()) == id_of(first));
    auto st = s.status();
    BOOST_TEST(st.last_error.starts_with("login failed: HTTP 503"), st.last_error);
    BOOST_TEST(st.last_error_at.has_value());
    BOOST_TEST(st.failures >= 1u);

    // Once the token's floor is reached, a get answers at once with the reason.
    BOOST_TEST(wait_for([&] { return s.status().state == "expired"; }, 8s));
    auto start = std::chrono::steady_clock::now();
    std::string after = s.get();
    BOOST_TEST(has(after, R"("code":"upstream_unavailable")"), after);
    BOOST_TEST(has(after, "login failed: HTTP 503 (Service Unavailable); next attempt in"), after);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 500ms));

    // The attempts backed off: the n-th retry came no later than 2^(n-1) s after the previous.
    auto c = s.calls();
    BOOST_TEST_REQUIRE(c.size() >= 3u);
    for (std::size_t i = 2; i < c.size(); ++i) {
        double gap = std::get<0>(c[i]) - std::get<0>(c[i - 1]);
        double cap = std::min(60.0, double(1u << std::min<std::size_t>(i - 2, 6)));
        BOOST_TEST_CONTEXT("retry " << i - 1) { BOOST_TEST(gap <= cap + 0.25); }
    }

    // Recovery: the fault ends, the next attempt succeeds, the profile is valid again.
    s.mock.http("DELETE", "/_mock/faults");
    BOOST_TEST(wait_for([&] { return s.status().state == "valid"; }, 40s));
    BOOST_TEST(s.status().last_error.empty());
    BOOST_TEST(s.a->log().find("-> failing") != std::string::npos);
    BOOST_TEST(s.mock.stat("aviate.expired_requests") == 0);
}

BOOST_AUTO_TEST_CASE(retry_after_as_an_http_date_is_honoured)
{
    // The date has one-second resolution, so "4 s from now" is at least 3 s away when the fault
    // is installed, and at least 2 s after the first login, which follows the start at once.
    setup s(3600, R"({"api":"aviate","endpoint":"login","kind":"status","status":503,"retry_after":")" + http_date_in(4) + "\"}");
    BOOST_TEST(has(s.get(), "upstream_unavailable"));
    BOOST_TEST(wait_for([&] { return ok(s.get()); }, 10s));
    auto c = s.calls();
    BOOST_TEST_REQUIRE(c.size() == 2u);
    BOOST_TEST(std::get<0>(c[1]) - std::get<0>(c[0]) >= 1.999);
}

BOOST_AUTO_TEST_CASE(garbage_truncation_and_resets_are_transient)
{
    struct tc {
        const char* kind;
        const char* says;
    };
    for (tc t : {tc{"garbage", "login answer (HTTP 200) is not the expected JSON"},
                 tc{"truncate", "the connection closed before a complete response"},
                 tc{"reset", "login failed: reading from 127.0.0.1"}}) {
        BOOST_TEST_CONTEXT(t.kind)
        {
            // Setup
            setup s(3600, R"({"api":"aviate","endpoint":"login","kind":")" + std::string(t.kind) + "\"}");

            // Exercise
            std::string first = s.get();
            bool recovered = wait_for([&] { return ok(s.get()); }, 5s);

            // Check: a clear reason, then one more attempt within the first backoff (1 s).
            BOOST_TEST(has(first, "upstream_unavailable"), first);
            BOOST_TEST(has(first, t.says), first);
            BOOST_TEST(recovered);
            BOOST_TEST(s.mock.stat("aviate.login_calls") == 2);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_hung_upstream_blocks_neither_other_profiles_nor_clients)
{
    // Setup: aviate hangs forever with a 1 s upstream timeout; killb works.
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/faults", R"({"api":"aviate","endpoint":"login","kind":"hang","count":-1})");
    std::string pw = dir.write("pw", "demo-password\n");
    agent a(dir,
            "[profile.av]\nprovider = \"aviate\"\nurl = \"" + mock.url()
                + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pw + "\"\ntimeout = \"1s\"\n"
                  "[profile.kb]\nprovider = \"killb\"\nurl = \"" + mock.url() + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pw + "\"\n");

    // Exercise: one client waits on the hung login while others use the agent.
    std::string hung;
    std::thread waiter([&] { hung = a.ask(R"({"op":"get","profile":"av"})"); });
    std::this_thread::sleep_for(100ms);
    auto start = std::chrono::steady_clock::now();
    std::string kb = a.ask(R"({"op":"get","profile":"kb"})");
    std::string status = a.ask(R"({"op":"status"})");
    auto others_took = std::chrono::steady_clock::now() - start;
    waiter.join();

    // Check
    BOOST_TEST(ok(kb), kb);
    BOOST_TEST(ok(status));
    BOOST_TEST((others_took < 1s));
    BOOST_TEST(has(hung, "upstream_unavailable"), hung);
    BOOST_TEST(has(hung, "timed out (timeout 1 s)"), hung);
}

BOOST_AUTO_TEST_CASE(a_get_waits_for_a_refresh_only_when_min_ttl_needs_it)
{
    // Setup: 9 s tokens (L = 8 s, m = 2 s); the next login will take 1.5 s.
    setup s(9);
    std::string first = s.get();
    BOOST_TEST_REQUIRE(ok(first));
    s.fault(R"({"api":"aviate","endpoint":"login","kind":"delay","delay_ms":1500})");
    BOOST_TEST_REQUIRE(wait_for([&] { return s.status().state == "refreshing"; }, 10s));

    // Exercise
    auto start = std::chrono::steady_clock::now();
    std::string plain = s.get();
    auto plain_took = std::chrono::steady_clock::now() - start;
    std::string demanding = s.get("av", R"(,"min_ttl":5)");

    // Check: ~2 s left satisfies a plain get at once; min_ttl 5 waits for the new token.
    BOOST_TEST(id_of(plain) == id_of(first));
    BOOST_TEST((plain_took < 300ms));
    BOOST_TEST(ok(demanding), demanding);
    BOOST_TEST(id_of(demanding) != id_of(first));
    BOOST_TEST(s.mock.stat("aviate.login_calls") == 2);
}

BOOST_AUTO_TEST_CASE(status_carries_counters_and_times)
{
    setup s(3600);
    BOOST_TEST_REQUIRE(ok(s.get()));
    auto st = s.status();
    std::time_t now = std::time(nullptr);
    BOOST_TEST(st.state == "valid");
    BOOST_TEST(st.provider == "aviate");
    BOOST_TEST(st.logins == 1u);
    BOOST_TEST(st.refreshes == 0u);
    BOOST_TEST(st.failures == 0u);
    BOOST_TEST_REQUIRE(st.expires_at.has_value());
    BOOST_TEST_REQUIRE(st.refresh_at.has_value());
    BOOST_TEST(std::abs(*st.expires_at - (now + 3599)) <= 2);
    // refresh_margin 5m with jitter up to 30 s.
    BOOST_TEST(*st.refresh_at <= *st.expires_at - 300);
    BOOST_TEST(*st.refresh_at >= *st.expires_at - 331);
}

BOOST_AUTO_TEST_SUITE_END()
