// SPDX-License-Identifier: MIT
// `tok url PROFILE` (docs/client.md, docs/proxy.md "Finding the base URL"): the rule that picks
// the listener, then the tok binary against a fake agent that answers status and hello in turn,
// and against the real tokend.
#include "fake_listener.hpp"
#include "fixtures.hpp"

#include "tok/proxy_url.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>

using namespace tokend::test;
using namespace tok::test;

BOOST_AUTO_TEST_SUITE(proxy_url)

BOOST_AUTO_TEST_CASE(takes_the_first_tcp_listener_after_any_unix_one)
{
    auto r = tok::cli::proxy_url({"unix:/run/user/1000/tokend/http", "tcp:127.0.0.1:8787", "tcp:[::1]:8788"}, "killb");
    BOOST_TEST(r.url.value_or("") == "http://127.0.0.1:8787/killb");
    BOOST_TEST(tok::cli::proxy_url({"tcp:[::1]:8787"}, "a.b-c_d").url.value_or("") == "http://[::1]:8787/a.b-c_d");
}

BOOST_AUTO_TEST_CASE(without_a_tcp_listener_says_how_to_add_one)
{
    for (const auto& listeners : {std::vector<std::string>{}, std::vector<std::string>{"unix:/tmp/x/http"}}) {
        auto r = tok::cli::proxy_url(listeners, "p");
        BOOST_TEST(!r.url.has_value());
        BOOST_TEST(r.error == R"(the agent has no TCP proxy listener; add [proxy] listen = ["127.0.0.1:8787"] )"
                              "to the config (docs/proxy.md)");
    }
}

BOOST_AUTO_TEST_CASE(refuses_an_address_that_would_change_the_url)
{
    for (std::string bad : {"tcp:", "tcp:evil.example:80", "tcp:127.0.0.1:80/x", "tcp:127.0.0.1:80@x", "tcp:1 2"}) {
        auto r = tok::cli::proxy_url({bad}, "p");
        BOOST_TEST(!r.url.has_value(), bad);
        BOOST_TEST(r.error.find("malformed proxy listener") != std::string::npos, bad);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tok_url)

namespace tok_url_fixtures {

const std::string status_of_p = R"({"ok":true,"profiles":[{"name":"p","provider":"static","state":"valid",)"
                                R"("expires_at":null,"refresh_at":null,"last_error":null,"logins":0,)"
                                R"("refreshes":0,"failures":0,"proxied":0,"proxy_retries":0}]})";

std::string hello_listing(const std::string& proxy_list)
{
    return R"({"ok":true,"agent":"tokend","version":"9.9.9","protocol":1,"proxy":)" + proxy_list + "}";
}

// A fake agent in a private directory (libtok talks only to a directory of ours, 0700)
// answering a connection's lines with `answers` in turn; runs `tok --socket S args...`.
run_result tok_against(const std::vector<std::string>& answers, std::vector<std::string> args)
{
    temp_dir dir;
    std::filesystem::path run_dir = dir.path() / "run";
    std::filesystem::create_directory(run_dir);
    ::chmod(run_dir.c_str(), 0700);
    std::string socket = (run_dir / "socket").string();
    fake_listener fake(socket, fake_listener_options().answering_in_turn(answers));
    args.insert(args.begin(), {tok_bin(), "--socket", socket});
    return run(args);
}

} // namespace tok_url_fixtures

using namespace tok_url_fixtures;

BOOST_AUTO_TEST_CASE(prints_the_base_url_of_the_first_tcp_listener)
{
    // Exercise
    auto v4 = tok_against({status_of_p, hello_listing(R"(["unix:/run/user/0/tokend/http","tcp:127.0.0.1:8787"])")},
                          {"url", "p"});
    auto v6 = tok_against({status_of_p, hello_listing(R"(["tcp:[::1]:8787","tcp:127.0.0.1:9"])")}, {"url", "p"});

    // Check
    BOOST_TEST(v4.status == 0, v4.err);
    BOOST_TEST(v4.out == "http://127.0.0.1:8787/p\n");
    BOOST_TEST(v4.err.empty());
    BOOST_TEST(v6.status == 0, v6.err);
    BOOST_TEST(v6.out == "http://[::1]:8787/p\n");
}

BOOST_AUTO_TEST_CASE(json_prints_the_hello_answer_as_it_is)
{
    const std::string hello = hello_listing(R"(["tcp:127.0.0.1:8787"])");
    auto r = tok_against({status_of_p, hello}, {"url", "p", "--json"});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == hello + "\n");
}

BOOST_AUTO_TEST_CASE(exits_1_without_a_tcp_listener)
{
    // Exercise: a proxy on the Unix socket only; an agent older than the proxy (no "proxy").
    auto unix_only = tok_against({status_of_p, hello_listing(R"(["unix:/run/user/0/tokend/http"])")}, {"url", "p"});
    auto older = tok_against({status_of_p, R"({"ok":true,"agent":"tokend","version":"0.1.0","protocol":1})"},
                             {"url", "p"});

    // Check
    for (const run_result* r : {&unix_only, &older}) {
        BOOST_TEST(r->status == 1);
        BOOST_TEST(r->out.empty());
        BOOST_TEST(r->err == "tok: the agent has no TCP proxy listener; add [proxy] listen = [\"127.0.0.1:8787\"] "
                             "to the config (docs/proxy.md)\n");
    }
}

BOOST_AUTO_TEST_CASE(exits_4_for_an_unknown_profile_before_asking_for_the_listeners)
{
    // Setup: were hello asked, the answer would give a URL.
    const std::string unknown = R"({"ok":false,"error":{"code":"unknown_profile","message":"no profile 'nope'"}})";

    // Exercise
    auto r = tok_against({unknown, hello_listing(R"(["tcp:127.0.0.1:8787"])")}, {"url", "nope"});
    auto json = tok_against({unknown, hello_listing(R"(["tcp:127.0.0.1:8787"])")}, {"url", "nope", "--json"});

    // Check
    BOOST_TEST(r.status == 4);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(r.err == "tok: no profile 'nope'\n");
    BOOST_TEST(json.status == 4);
    BOOST_TEST(json.out == unknown + "\n");
}

BOOST_AUTO_TEST_CASE(refuses_a_malformed_listener)
{
    auto r = tok_against({status_of_p, hello_listing(R"(["tcp:evil.example:80"])")}, {"url", "p"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(r.err.find("malformed proxy listener") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(takes_exactly_one_profile)
{
    auto none = run({tok_bin(), "url"});
    auto two = run({tok_bin(), "url", "a", "b"});
    BOOST_TEST(none.status == 2);
    BOOST_TEST(none.err.starts_with("tok: url takes exactly one profile name\n"), none.err);
    BOOST_TEST(two.status == 2);
}

BOOST_AUTO_TEST_CASE(the_real_agent_without_a_tcp_listener)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));

    // Exercise
    auto known = a.tok({"url", "s"});
    auto unknown = a.tok({"url", "nope"});

    // Check
    BOOST_TEST(known.status == 1, known.out);
    BOOST_TEST(known.err.find("no TCP proxy listener") != std::string::npos, known.err);
    BOOST_TEST(unknown.status == 4, unknown.err);
}

BOOST_AUTO_TEST_CASE(the_real_agent_with_a_tcp_listener_on_any_free_port)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir, "[proxy]\nlisten = [\"127.0.0.1:0\"]\n"));

    // Exercise
    auto url = a.tok({"url", "s"});
    auto hello = a.ask(R"({"op":"hello"})");

    // Check: the port the agent bound, the same hello reports.
    BOOST_TEST(url.status == 0, url.err);
    BOOST_TEST(url.out.starts_with("http://127.0.0.1:"), url.out);
    BOOST_TEST(url.out.find(":0/") == std::string::npos, url.out);
    BOOST_TEST(url.out.ends_with("/s\n"), url.out);
    std::string address = url.out.substr(7, url.out.size() - 7 - 3);
    BOOST_TEST(hello.find(R"("proxy":["tcp:)" + address + R"("])") != std::string::npos, hello);
}

BOOST_AUTO_TEST_SUITE_END()
