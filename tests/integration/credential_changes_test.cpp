// SPDX-License-Identifier: MIT
// When credentials count as changed (docs/refresh.md, "Changing credentials"): only a value
// that differs does, and changes start at most one login per profile per 5 s. Counted at
// mockbill, against a real tokend driven by `tok add` and SIGHUP.
#include "process.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <filesystem>
#include <thread>

using namespace tokend::test;
namespace proto = tokend::proto;
namespace json = boost::json;
namespace fs = std::filesystem;

// Helpers live in the suite's namespace: unity builds put all suites in one file.
BOOST_AUTO_TEST_SUITE(credential_changes)

const auto change_interval = std::chrono::seconds(5);

std::string aviate(const mockbill& mock, const std::string& password_line = "")
{
    return "[profile.av]\nprovider = \"aviate\"\nurl = \"" + mock.url() + "\"\nemail = \"demo@example.com\"\n"
           + password_line;
}

// mockbill's clock (seconds since it started) of each Aviate login, in order.
std::vector<double> login_times(const mockbill& mock)
{
    std::vector<double> out;
    json::value all = json::parse(mock.http("GET", "/_mock/calls").second);
    for (const auto& c : all.at("calls").as_array())
        if (c.at("api").as_string() == "aviate" && c.at("endpoint").as_string() == "login")
            out.push_back(c.at("t").to_number<double>());
    return out;
}

std::string state_of(const agent& a)
{
    auto s = proto::decode_status_answer(a.ask(R"({"op":"status","profile":"av"})"));
    BOOST_TEST_REQUIRE(s.has_value());
    return (*s)[0].state;
}

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

void sighup_and_wait(agent& a)
{
    std::size_t before = count(a.log(), "reload: ");
    a.process().signal(SIGHUP);
    BOOST_TEST_REQUIRE(wait_for([&] { return count(a.log(), "reload: ") > before; }), a.log());
}

BOOST_AUTO_TEST_CASE(thirty_identical_wrong_adds_make_one_login)
{
    // Setup: a profile without a password.
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, aviate(mock));
    BOOST_TEST_REQUIRE(state_of(a) == "no_credentials");

    // Exercise: the same wrong password, thirty times, as a script in a loop would.
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 30; ++i) {
        run_result r = a.tok({"add", "av", "--stdin"}, "wrong-password\n");
        BOOST_TEST(r.status == 0, r.err);
    }
    BOOST_TEST_REQUIRE(wait_for([&] { return state_of(a) == "credentials_rejected"; }, 5s));
    // Past the 5 s window of the first login: a deferred login would have started by then.
    std::this_thread::sleep_until(start + change_interval + 500ms);

    // Check
    BOOST_TEST(mock.stat("aviate.login_calls") == 1);
    BOOST_TEST(state_of(a) == "credentials_rejected");
    BOOST_TEST(count(a.log(), "the same credentials again; nothing to do") == 29u, a.log());
    BOOST_TEST(a.log().find("wrong-password") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(reloads_whose_command_prints_the_same_wrong_password_start_no_login)
{
    // Setup: the helper prints what a file holds; the password there is wrong.
    temp_dir dir;
    mockbill mock(dir);
    std::string pw = dir.write("pw.txt", "wrong-password\n");
    agent a(dir, aviate(mock, "password_command = \"cat " + pw + "\"\n"));
    BOOST_TEST_REQUIRE(wait_for([&] { return state_of(a) == "credentials_rejected"; }, 5s));
    auto first_login = std::chrono::steady_clock::now();

    // Exercise 1: three reloads; the helper still prints the same password.
    // Each reload's command finishes before the next reload (a reload while one runs would
    // start it over, and the count would depend on timing).
    for (std::size_t i = 1; i <= 3; ++i) {
        sighup_and_wait(a);
        BOOST_TEST(wait_for([&] { return count(a.log(), "the command gives the same credentials") == i; }, 5s), a.log());
    }
    std::this_thread::sleep_until(first_login + change_interval + 500ms);

    // Check 1
    BOOST_TEST(mock.stat("aviate.login_calls") == 1);
    BOOST_TEST(state_of(a) == "credentials_rejected");

    // Exercise 2: the password is fixed; a reload asks the helper again.
    dir.write("pw.txt", "demo-password\n");
    sighup_and_wait(a);

    // Check 2: exactly one more login, and it worked.
    BOOST_TEST(wait_for([&] { return mock.stat("aviate.logins_ok") == 1; }, 5s));
    BOOST_TEST(mock.stat("aviate.login_calls") == 2);
    BOOST_TEST(state_of(a) == "valid");
}

BOOST_AUTO_TEST_CASE(changed_passwords_in_a_fast_loop_log_in_once_per_five_seconds)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, aviate(mock));

    // Exercise: five different wrong passwords, then the right one, as fast as the socket goes.
    for (int i = 1; i <= 5; ++i)
        BOOST_TEST(a.ask(R"({"op":"add","profile":"av","password":"wrong-)" + std::to_string(i) + "\"}") == R"({"ok":true})");
    BOOST_TEST(a.ask(R"({"op":"add","profile":"av","password":"demo-password"})") == R"({"ok":true})");
    auto added = std::chrono::steady_clock::now();
    std::this_thread::sleep_until(added + change_interval - 1s);
    long inside_the_window = mock.stat("aviate.login_calls");
    bool served = wait_for([&] { return mock.stat("aviate.logins_ok") == 1; }, 8s);

    // Check: one login at once (with the first password), the next one 5 s later with the
    // newest, which nothing lost on the way; no third.
    BOOST_TEST(inside_the_window == 1);
    BOOST_TEST(served);
    std::vector<double> at = login_times(mock);
    BOOST_TEST_REQUIRE(at.size() == 2u);
    BOOST_TEST(at[1] - at[0] >= 4.9, "second login only " << at[1] - at[0] << " s after the first");
    BOOST_TEST(mock.stat("aviate.login_rejected") == 1);
    auto t = proto::decode_token_answer(a.ask(R"({"op":"get","profile":"av"})"));
    BOOST_TEST(t.has_value());
    BOOST_TEST(mock.stat("aviate.login_calls") == 2);
}

BOOST_AUTO_TEST_SUITE_END()
