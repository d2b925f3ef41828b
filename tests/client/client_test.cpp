// SPDX-License-Identifier: MIT
// libtok's C++ API against a real tokend: every operation, both error forms, the kept
// connection (idle close, agent restart), threads, timeouts and large answers.
#include "fake_listener.hpp"
#include "fixtures.hpp"

#include <tok/client.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <thread>

using namespace tokend::test;
using namespace tok::test;
using namespace std::chrono_literals;

namespace {

tok::client client_for(const std::string& socket, std::chrono::milliseconds timeout = 10s)
{
    return tok::client(tok::client_options{socket, timeout});
}

} // namespace

BOOST_AUTO_TEST_SUITE(client)

BOOST_AUTO_TEST_CASE(get_returns_token_headers_and_expiry)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    auto c = client_for(a.socket());

    // Exercise
    tok::token t = c.get("s");

    // Check
    BOOST_TEST(t.value == static_token);
    BOOST_TEST(!t.id.empty());
    BOOST_TEST(!t.expires_at.has_value());
    BOOST_TEST_REQUIRE(t.headers.size() == 1u);
    BOOST_TEST(t.headers[0].first == "Authorization");
    BOOST_TEST(t.headers[0].second == std::string("Bearer ") + static_token);
    BOOST_TEST(tok::client::last_error_message().empty());
}

BOOST_AUTO_TEST_CASE(unknown_profile_in_both_error_forms)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    auto c = client_for(a.socket());
    std::error_code ec;

    // Exercise
    tok::token t = c.get("nope", ec);

    // Check: the error_code form, and the agent's message that lists the known profiles.
    BOOST_TEST((ec == tok::errc::unknown_profile));
    BOOST_TEST(t.value.empty());
    BOOST_TEST(tok::client::last_error_message() == "profile 'nope' is not configured; known: down, nopass, s");
    try {
        c.get("nope");
        BOOST_FAIL("get did not throw");
    } catch (const std::system_error& e) {
        BOOST_TEST((e.code() == tok::errc::unknown_profile));
        BOOST_TEST(std::string(e.what()).find("known: down, nopass, s") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(agent_errors_map_to_tok_errc)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    auto c = client_for(a.socket());
    std::error_code no_creds, down;

    // Exercise
    c.get("nopass", no_creds);
    c.get("down", down);

    // Check
    BOOST_TEST((no_creds == tok::errc::no_credentials));
    BOOST_TEST((down == tok::errc::upstream_unavailable));
    BOOST_TEST(make_error_code(tok::errc::timeout).category().name() == std::string("tok"));
}

BOOST_AUTO_TEST_CASE(status_invalidate_add_reload_and_hello)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    auto c = client_for(a.socket());
    tok::token t = c.get("s");

    // Exercise
    auto all = c.status();
    auto one = c.status("s");
    std::string json = c.status_json("s");
    c.invalidate("s", t.id);
    c.add("nopass", "a-password");
    c.reload();
    tok::agent_info info = c.hello();

    // Check
    BOOST_TEST(all.size() == 3u);
    BOOST_TEST_REQUIRE(one.size() == 1u);
    BOOST_TEST(one[0].name == "s");
    BOOST_TEST(one[0].provider == "static");
    BOOST_TEST(one[0].state == "valid");
    BOOST_TEST(json.starts_with(R"({"ok":true,"profiles":[{"name":"s")"));
    BOOST_TEST(json.find(static_token) == std::string::npos); // status never carries a secret
    BOOST_TEST(info.agent == "tokend");
    BOOST_TEST(info.protocol == 1);
    BOOST_TEST(c.status("nopass")[0].state != "no_credentials");
}

BOOST_AUTO_TEST_CASE(raw_answer_overloads_hand_out_every_answer_line)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    auto c = client_for(a.socket());
    std::error_code ec;
    std::string raw;

    // Exercise and check, one operation at a time: the parsed result as without raw_answer,
    // and the agent's line as it came, error answers included.
    tok::token t = c.get("s", {}, ec, raw);
    BOOST_TEST(!ec);
    BOOST_TEST(t.value == static_token);
    BOOST_TEST(raw.starts_with(R"({"ok":true,"profile":"s","token":")" + std::string(static_token)), raw);
    BOOST_TEST(raw.find('\n') == std::string::npos);

    t = c.get("nope", {}, ec, raw);
    BOOST_TEST((ec == tok::errc::unknown_profile));
    BOOST_TEST(raw.starts_with(R"({"ok":false,"error":{"code":"unknown_profile")"), raw);

    auto profiles = c.status("s", ec, raw);
    BOOST_TEST(!ec);
    BOOST_TEST(profiles.size() == 1u);
    BOOST_TEST(raw.starts_with(R"({"ok":true,"profiles":[{"name":"s")"), raw);

    c.invalidate("s", t.id, ec, raw);
    BOOST_TEST(!ec);
    BOOST_TEST(raw == R"({"ok":true})");
    c.add("nopass", "a-password", ec, raw);
    BOOST_TEST(!ec);
    BOOST_TEST(raw == R"({"ok":true})");
    c.reload(ec, raw);
    BOOST_TEST(!ec);
    BOOST_TEST(raw == R"({"ok":true})");
    tok::agent_info info = c.hello(ec, raw);
    BOOST_TEST(info.agent == "tokend");
    BOOST_TEST(raw.find(R"("agent":"tokend")") != std::string::npos, raw);

    // No answer at all: raw_answer is left empty, not holding the previous line.
    auto gone = client_for(stale_socket(dir));
    gone.reload(ec, raw);
    BOOST_TEST((ec == tok::errc::agent_unreachable));
    BOOST_TEST(raw.empty());
}

BOOST_AUTO_TEST_CASE(an_agents_internal_error_is_not_taken_for_a_malformed_answer)
{
    // Setup: two fake agents, one answering with an internal error that happens to use the
    // words the decoder used to mark a malformed line, one answering with no JSON at all.
    temp_dir dir;
    std::string spoken_socket = (dir.path() / "spoken").string();
    std::string garbage_socket = (dir.path() / "garbage").string();
    fake_listener spoken(spoken_socket, fake_listener_options().answering(
        R"({"ok":false,"error":{"code":"internal","message":"malformed answer from the agent"}})"));
    fake_listener garbage(garbage_socket, fake_listener_options().answering("garbage"));
    std::error_code spoken_ec, garbage_ec;

    // Exercise
    client_for(spoken_socket).reload(spoken_ec);
    std::string spoken_message = tok::client::last_error_message();
    client_for(garbage_socket).reload(garbage_ec);

    // Check: the agent's error stays the agent's; only the broken line is a protocol error.
    BOOST_TEST((spoken_ec == tok::errc::internal));
    BOOST_TEST(spoken_message == "malformed answer from the agent");
    BOOST_TEST((garbage_ec == tok::errc::protocol_error));
    BOOST_TEST(tok::client::last_error_message().find("does not speak tokend's protocol") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(socket_path_comes_from_option_then_environment)
{
    // Setup
    ::setenv("TOKEND_SOCK", "/from/env.sock", 1);

    // Exercise
    tok::client from_env;
    tok::client explicit_path(tok::client_options{"/explicit.sock", 10s});
    ::unsetenv("TOKEND_SOCK");

    // Check
    BOOST_TEST(from_env.socket_path() == "/from/env.sock");
    BOOST_TEST(explicit_path.socket_path() == "/explicit.sock");
}

BOOST_AUTO_TEST_CASE(missing_and_stale_sockets_are_agent_unreachable)
{
    // Setup
    temp_dir dir;
    auto missing = client_for((dir.path() / "none.sock").string());
    auto stale = client_for(stale_socket(dir));
    std::error_code missing_ec, stale_ec;

    // Exercise
    missing.hello(missing_ec);
    std::string missing_message = tok::client::last_error_message();
    stale.hello(stale_ec);
    std::string stale_message = tok::client::last_error_message();

    // Check
    BOOST_TEST((missing_ec == tok::errc::agent_unreachable));
    BOOST_TEST(missing_message.find("no socket there") != std::string::npos);
    BOOST_TEST((stale_ec == tok::errc::agent_unreachable));
    BOOST_TEST(stale_message.find("stale socket") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(silent_agent_times_out)
{
    // Setup
    temp_dir dir;
    silent_listener silent(dir);
    auto c = client_for(silent.path(), 300ms);
    std::error_code ec;
    auto start = std::chrono::steady_clock::now();

    // Exercise
    c.hello(ec);

    // Check
    auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST((ec == tok::errc::timeout));
    BOOST_TEST((took >= 250ms));
    BOOST_TEST((took < 3s));
}

BOOST_AUTO_TEST_CASE(per_call_timeout_overrides_the_clients)
{
    // Setup
    temp_dir dir;
    silent_listener silent(dir);
    auto c = client_for(silent.path(), 60s);
    std::error_code ec;
    auto start = std::chrono::steady_clock::now();

    // Exercise
    c.get("s", tok::get_options{{}, 200ms}, ec);

    // Check
    BOOST_TEST((ec == tok::errc::timeout));
    BOOST_TEST((std::chrono::steady_clock::now() - start < 3s));
}

BOOST_AUTO_TEST_CASE(reconnects_after_the_agent_closed_an_idle_connection)
{
    // Setup: the agent drops connections idle for 300 ms.
    temp_dir dir;
    agent a(dir, "[agent]\nidle_timeout = \"300ms\"\n\n" + static_config(dir));
    auto c = client_for(a.socket());
    c.get("s");
    std::this_thread::sleep_for(600ms);

    // Exercise
    std::error_code ec;
    tok::token t = c.get("s", ec);

    // Check
    BOOST_TEST(!ec, tok::client::last_error_message());
    BOOST_TEST(t.value == static_token);
}

BOOST_AUTO_TEST_CASE(reconnects_after_the_agent_restarted)
{
    // Setup: the client talks to a symlink that is re-pointed at a second agent.
    temp_dir dir;
    auto link = dir.path() / "current.sock";
    auto first = std::make_unique<agent>(dir, static_config(dir));
    std::filesystem::create_symlink(first->socket(), link);
    auto c = client_for(link.string());
    c.get("s");
    first->process().signal(SIGTERM);
    BOOST_TEST_REQUIRE(first->process().wait(5s).has_value());
    agent second(dir, static_config(dir));
    std::filesystem::remove(link);
    std::filesystem::create_symlink(second.socket(), link);

    // Exercise
    std::error_code ec;
    tok::token t = c.get("s", ec);

    // Check
    BOOST_TEST(!ec, tok::client::last_error_message());
    BOOST_TEST(t.value == static_token);
}

BOOST_AUTO_TEST_CASE(one_client_is_safe_to_share_between_threads)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    auto c = client_for(a.socket());
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;

    // Exercise
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            for (int j = 0; j < 50; ++j) {
                std::error_code ec;
                if (c.get("s", ec).value == static_token && !ec)
                    ++ok;
                c.status("s", ec);
            }
        });
    for (auto& t : threads)
        t.join();

    // Check
    BOOST_TEST(ok.load() == 8 * 50);
}

BOOST_AUTO_TEST_CASE(status_answers_larger_than_the_request_limit_are_read)
{
    // Setup: 1500 static profiles make a status line of several hundred KiB.
    temp_dir dir;
    std::string token = dir.write("many.token", "t\n", 0600);
    std::string config;
    for (int i = 0; i < 1500; ++i)
        config += "[profile.p" + std::to_string(i) + "]\nprovider = \"static\"\ntoken_file = \"" + token + "\"\n";
    agent a(dir, config);
    auto c = client_for(a.socket());

    // Exercise
    std::string json = c.status_json();
    auto all = c.status();

    // Check
    BOOST_TEST(json.size() > 64u * 1024u);
    BOOST_TEST(all.size() == 1500u);
}

BOOST_AUTO_TEST_SUITE_END()
