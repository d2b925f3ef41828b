// SPDX-License-Identifier: MIT
// Aviate end to end: real mockbill, real tokend, real tok, private sockets and ports.
#include "process.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include <atomic>
#include <sstream>
#include <thread>

using namespace tokend::test;
namespace proto = tokend::proto;

// Helpers live in the suite's namespace: unity builds put all suites in one file.
BOOST_AUTO_TEST_SUITE(aviate)

std::string aviate_config(const temp_dir& dir, const mockbill& mock, const std::string& password = "demo-password")
{
    std::string pass = dir.write("aviate.pass", password + "\n", 0600);
    return "[profile.av]\nprovider = \"aviate\"\nurl = \"" + mock.url() + "\"\nemail = \"demo@example.com\"\n"
           "password_file = \"" + pass + "\"\napi_key = \"demo-tenant\"\napi_secret_env = \"AV_SECRET\"\n";
}

const std::vector<std::string> aviate_env{"AV_SECRET=demo-secret"};

proto::token_answer get_token(const agent& a, const std::string& profile = "av")
{
    auto t = proto::decode_token_answer(a.ask(R"({"op":"get","profile":")" + profile + "\"}"));
    BOOST_TEST_REQUIRE(t.has_value(), (t ? "" : t.error().message));
    return *t;
}

// Calls the protected endpoint the way a script would, with the served headers.
int call_catalog(const mockbill& mock, const proto::header_list& headers)
{
    std::vector<std::string> lines;
    for (const auto& [k, v] : headers)
        lines.push_back(k + ": " + v);
    return mock.http("GET", "/plugins/aviate-plugin/v1/catalog/info", "", lines).first;
}


BOOST_AUTO_TEST_CASE(tok_header_is_accepted_by_the_protected_endpoint)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, aviate_config(dir, mock), aviate_env);

    // Exercise
    run_result r = a.tok({"header", "av"});

    // Check: Authorization first, then the tenant headers, one per line.
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    std::istringstream lines(r.out);
    proto::header_list headers;
    for (std::string line; std::getline(lines, line);) {
        auto colon = line.find(": ");
        BOOST_TEST_REQUIRE(colon != std::string::npos, line);
        headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    BOOST_TEST_REQUIRE(headers.size() == 3u);
    BOOST_TEST(headers[0].first == "Authorization");
    BOOST_TEST(headers[0].second.starts_with("Bearer eyJ"));
    BOOST_TEST(headers[1].first == "X-Killbill-ApiKey");
    BOOST_TEST(headers[2].first == "X-Killbill-ApiSecret");
    BOOST_TEST(call_catalog(mock, headers) == 200);
    BOOST_TEST(mock.stat("aviate.logins_ok") == 1);
    BOOST_TEST(mock.stat("aviate.requests_ok") == 1);
}

BOOST_AUTO_TEST_CASE(short_lifetimes_never_serve_an_expired_token)
{
    // Setup: tokens live 4 s at the mock; 15 s of continuous use spans several renewals.
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/config", R"({"aviate":{"lifetime":4}})");
    agent a(dir, aviate_config(dir, mock), aviate_env);

    // Exercise
    int calls = 0, ok = 0;
    auto until = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < until) {
        ok += call_catalog(mock, get_token(a).headers) == 200;
        ++calls;
        std::this_thread::sleep_for(20ms);
    }

    // Check: every call succeeded, none with an expired token, and renewals were not wasteful:
    // with L = 3 s and m = 0.75 s a login is due every ~2.2 s, so about 7 in 15 s.
    BOOST_TEST(ok == calls);
    BOOST_TEST(mock.stat("aviate.expired_requests") == 0);
    long logins = mock.stat("aviate.logins_ok");
    BOOST_TEST_MESSAGE("15 s at a 4 s lifetime: " << calls << " calls, " << logins << " logins");
    BOOST_TEST(logins >= 5);
    BOOST_TEST(logins <= 9);
}

BOOST_AUTO_TEST_CASE(hundred_concurrent_gets_after_invalidate_cause_one_login)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, aviate_config(dir, mock), aviate_env);
    proto::token_answer before = get_token(a);
    std::this_thread::sleep_for(1100ms); // past the first login's one-second invalidate window
    long logins_before = mock.stat("aviate.login_calls");

    // Exercise: report the token, then 100 clients ask at once.
    BOOST_TEST(a.ask(R"({"op":"invalidate","profile":"av","token_id":")" + before.token_id + "\"}") == R"({"ok":true})");
    std::vector<std::thread> clients;
    std::atomic<int> fresh{0};
    for (int i = 0; i < 100; ++i)
        clients.emplace_back([&] {
            auto t = proto::decode_token_answer(a.ask(R"({"op":"get","profile":"av"})"));
            fresh += t && t->token_id != before.token_id;
        });
    for (auto& c : clients)
        c.join();

    // Check
    BOOST_TEST(fresh == 100);
    BOOST_TEST(mock.stat("aviate.login_calls") == logins_before + 1);
}

BOOST_AUTO_TEST_CASE(bad_credentials_are_tried_once_and_reported)
{
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, aviate_config(dir, mock, "wrong-password"), aviate_env);

    for (int i = 0; i < 5; ++i) {
        run_result r = a.tok({"token", "av"});
        BOOST_TEST(r.status == 5, r.err);
        BOOST_TEST(r.err.find("login refused: HTTP 401") != std::string::npos, r.err);
    }
    BOOST_TEST(mock.stat("aviate.login_calls") == 1);
    BOOST_TEST(a.log().find("wrong-password") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(upstream_failure_maps_to_exit_code_6_with_the_reason)
{
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/faults", R"({"api":"aviate","endpoint":"login","kind":"status","status":503,"retry_after":"30","count":-1})");
    agent a(dir, aviate_config(dir, mock), aviate_env);

    run_result r = a.tok({"token", "av"});
    BOOST_TEST(r.status == 6, r.err);
    BOOST_TEST(r.err.find("HTTP 503") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("next attempt in") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(first_logins_are_spread_out_at_start)
{
    // Setup: 40 profiles log in eagerly, spread over 40 x 25 ms.
    temp_dir dir;
    mockbill mock(dir);
    std::string pass = dir.write("aviate.pass", "demo-password\n");
    std::string config;
    for (int i = 0; i < 40; ++i)
        config += "[profile.p" + std::to_string(i) + "]\nprovider = \"aviate\"\nurl = \"" + mock.url()
                  + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pass + "\"\n";

    // Exercise: nobody asks; the agent logs in by itself.
    agent a(dir, config);
    BOOST_TEST_REQUIRE(wait_for([&] { return mock.stat("aviate.logins_ok") == 40; }, 10s));

    // Check: spread over most of the second, never a burst.
    std::vector<double> t;
    boost::json::value all = boost::json::parse(mock.http("GET", "/_mock/calls").second);
    for (const auto& c : all.at("calls").as_array())
        t.push_back(c.at("t").to_number<double>());
    std::sort(t.begin(), t.end());
    BOOST_TEST(t.back() - t.front() > 0.5);
    std::size_t busiest = 0;
    for (std::size_t i = 0, j = 0; i < t.size(); ++i) {
        while (t[i] - t[j] > 0.1)
            ++j;
        busiest = std::max(busiest, i - j + 1);
    }
    BOOST_TEST_MESSAGE("40 first logins over " << t.back() - t.front() << " s, at most " << busiest << " in 100 ms");
    BOOST_TEST(busiest <= 15u);
}

BOOST_AUTO_TEST_SUITE_END()
