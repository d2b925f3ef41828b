// SPDX-License-Identifier: MIT
// Hostile and broken clients against a real tokend (PROTOCOL.md limits;
// docs/security.md): malformed lines, the 64 KiB line limit, the connection cap, idle and
// slowloris deadlines, floods of idle connections and a client that pipelines without
// reading. None of them may stop a well-behaved client from being served promptly.
#include "process.hpp"
#include "raw_client.hpp"

#include <boost/test/unit_test.hpp>

#include <poll.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

using namespace tokend::test;

BOOST_AUTO_TEST_SUITE(hostile_clients)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

using steady = std::chrono::steady_clock;

std::string config_with(const temp_dir& dir, const mockbill& mock, const std::string& agent_section)
{
    std::string pass = dir.write("av.pass", "demo-password\n", 0600);
    return "[agent]\n" + agent_section + "\n[profile.av]\nprovider = \"aviate\"\nurl = \"" + mock.url()
           + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + pass + "\"\n";
}

std::string error_line(const std::string& code, const std::string& message)
{
    return R"({"ok":false,"error":{"code":")" + code + R"(","message":")" + message + "\"}}";
}

const std::string hello_answer = R"({"ok":true,"agent":"tokend","version":")" TOKEND_VERSION R"(","protocol":1,"proxy":[]})";

long ms_since(steady::time_point t)
{
    return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t).count());
}

// A get on a fresh connection, as a well-behaved client makes it; returns its latency.
std::chrono::milliseconds timed_get(const agent& a, bool& ok)
{
    auto t0 = steady::now();
    std::string answer = a.ask(R"({"op":"get","profile":"av"})");
    ok = answer.starts_with(R"({"ok":true,"profile":"av","token":")");
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
}

// Under AddressSanitizer the agent's freed memory waits in a quarantine (256 MiB by default)
// that would count as growth; a small one keeps the measurement about buffering.
std::vector<std::string> small_quarantine()
{
#if defined(__SANITIZE_ADDRESS__)
    const char* given = std::getenv("ASAN_OPTIONS");
    return {"ASAN_OPTIONS=" + (given && *given ? std::string(given) + ":" : std::string()) + "quarantine_size_mb=1"};
#else
    return {};
#endif
}

// In a sanitizer build (scripts/test makes one with ASan and UBSan together), the runtimes
// need descriptors of their own: UBSan probes memory through a pipe, and reports a false
// "invalid vptr" in a process that has none left.
boost::test_tools::assertion_result not_under_sanitizers(boost::unit_test::test_unit_id)
{
#if defined(__SANITIZE_ADDRESS__)
    boost::test_tools::assertion_result skip(false);
    skip.message() << "sanitizer runtimes misreport a process that is out of descriptors";
    return skip;
#else
    return true;
#endif
}

// The growth of RSS that counts as bounded; ASan's allocator keeps more memory around.
#if defined(__SANITIZE_ADDRESS__)
constexpr long rss_slack_kb = 24 * 1024;
#else
constexpr long rss_slack_kb = 8 * 1024;
#endif

// True when the agent has closed `c` (a read would return EOF); never blocks.
bool closed_now(raw_conn& c)
{
    return c.closed() || c.wait_closed(0ms);
}

} // namespace


BOOST_AUTO_TEST_CASE(malformed_lines_are_answered_bad_request_and_the_connection_survives)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, config_with(dir, mock, ""));
    raw_conn c(a.socket());
    BOOST_TEST_REQUIRE(c.connected());
    const std::string deep = std::string(40, '[') + std::string(40, ']');
    std::string long_op; // "x" and 16 two-byte characters: 33 bytes, over the 32 echoed
    for (int i = 0; i < 16; ++i)
        long_op += "\xc3\xa9";
    struct case_t {
        std::string name, line, answer_prefix;
    };
    const std::vector<case_t> cases{
        {"garbage bytes", std::string("\x01\xff\xfe garbage \x7f", 13), R"({"ok":false,"error":{"code":"bad_request","message":"invalid JSON: )"},
        {"NUL inside", std::string("{\"op\":\"hello\"\0}", 15), R"({"ok":false,"error":{"code":"bad_request","message":"invalid JSON: )"},
        {"unfinished JSON", R"({"op":)", R"({"ok":false,"error":{"code":"bad_request","message":"invalid JSON: )"},
        {"trailing garbage", R"({"op":"hello"} x)", R"({"ok":false,"error":{"code":"bad_request","message":"invalid JSON: )"},
        {"empty line", "", R"({"ok":false,"error":{"code":"bad_request","message":"invalid JSON: )"},
        {"too deep", R"({"op":"hello","id":)" + deep + "}", R"({"ok":false,"error":{"code":"bad_request","message":"invalid JSON: )"},
        {"array", "[1,2,3]", error_line("bad_request", "a request must be a JSON object")},
        {"string", R"("hello")", error_line("bad_request", "a request must be a JSON object")},
        {"null", "null", error_line("bad_request", "a request must be a JSON object")},
        {"no op", "{}", error_line("bad_request", R"(missing \"op\")")},
        {"op not a string", R"({"op":1})", error_line("bad_request", R"(\"op\" must be a string)")},
        {"unknown op", R"({"op":"fly","id":3})", R"({"ok":false,"id":3,"error":{"code":"unknown_op","message":"unknown op \"fly\""}})"},
        {"no profile", R"({"op":"get"})", error_line("bad_request", R"(missing \"profile\")")},
        {"profile not a string", R"({"op":"get","profile":5})", error_line("bad_request", R"(\"profile\" must be a string)")},
        {"min_ttl not a number", R"({"op":"get","profile":"av","min_ttl":"x"})",
         error_line("bad_request", R"(\"min_ttl\" must be a non-negative number of seconds)")},
        {"negative min_ttl", R"({"op":"get","profile":"av","min_ttl":-1})",
         error_line("bad_request", R"(\"min_ttl\" must be a non-negative number of seconds)")},
        {"password not a string", R"({"op":"add","profile":"av","password":7})",
         error_line("bad_request", R"(\"password\" must be a string)")},
        {"token_id not a string", R"({"op":"invalidate","profile":"av","token_id":[]})",
         error_line("bad_request", R"(\"token_id\" must be a string)")},
        {"unknown profile", R"({"op":"get","profile":"nope"})", R"({"ok":false,"error":{"code":"unknown_profile","message":"profile 'nope' is not configured)"},
        {"odd id echoed", R"({"op":"hello","id":{"a":[1,"x",null]}})",
         R"({"ok":true,"id":{"a":[1,"x",null]},"agent":"tokend")"},
        // Found by fuzz_request: both used to produce answers that are not JSON.
        {"id out of double range", R"({"op":"hello","id":[1e400]})",
         error_line("bad_request", R"(\"id\" must not hold a number out of range)")},
        {"long unknown op cut at a character boundary", R"({"op":"x)" + long_op + "\"}",
         error_line("unknown_op", R"(unknown op \"x)" + long_op.substr(0, 30) + R"(...\")")},
    };

    // Exercise and check: each line gets its answer on the same connection, in order.
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name)
        {
            BOOST_TEST_REQUIRE(c.send(tc.line + "\n"));
            std::string answer = c.read_line();
            BOOST_TEST(answer.starts_with(tc.answer_prefix), answer);
        }
    }
    BOOST_TEST_REQUIRE(c.send("{\"op\":\"hello\"}\r\n"));
    BOOST_TEST(c.read_line() == hello_answer);
    BOOST_TEST(a.process().running());
}

BOOST_AUTO_TEST_CASE(a_line_of_exactly_64_KiB_is_accepted)
{
    // Setup: a hello padded with an unknown member to exactly 65536 bytes.
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, config_with(dir, mock, ""));
    const std::string head = R"({"op":"hello","pad":")", tail = "\"}";
    std::string line = head + std::string(65536 - head.size() - tail.size(), 'x') + tail;
    BOOST_TEST_REQUIRE(line.size() == 65536u);

    // Exercise
    raw_conn c(a.socket());
    BOOST_TEST_REQUIRE(c.send(line + "\n"));

    // Check: answered, and the connection still serves.
    BOOST_TEST(c.read_line() == hello_answer);
    BOOST_TEST_REQUIRE(c.send("{\"op\":\"hello\"}\n"));
    BOOST_TEST(c.read_line() == hello_answer);
}

BOOST_AUTO_TEST_CASE(a_longer_line_is_answered_too_large_before_its_newline_and_closed)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, config_with(dir, mock, ""));
    raw_conn c(a.socket());

    // Exercise: one byte over the limit, and no newline at all.
    BOOST_TEST_REQUIRE(c.send(std::string(65537, 'x')));

    // Check: the answer comes without a newline from us, then the agent closes.
    BOOST_TEST(c.read_line(2s) == error_line("too_large", "request line exceeds 65536 bytes; closing"));
    std::string after;
    BOOST_TEST(c.wait_closed(2s, &after));
    BOOST_TEST(after.empty());
    BOOST_TEST(a.ask(R"({"op":"hello"})") == hello_answer);
}

BOOST_AUTO_TEST_CASE(connections_past_max_connections_are_answered_busy_not_dropped)
{
    // Setup: three sessions, each proven alive by an answer.
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, config_with(dir, mock, "max_connections = 3"));
    std::vector<std::unique_ptr<raw_conn>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<raw_conn>(a.socket()));
        BOOST_TEST_REQUIRE(held.back()->send("{\"op\":\"hello\"}\n"));
        BOOST_TEST_REQUIRE(held.back()->read_line() == hello_answer);
    }

    // Exercise
    raw_conn fourth(a.socket());
    BOOST_TEST_REQUIRE(fourth.connected());
    fourth.send("{\"op\":\"hello\"}\n");

    // Check: one busy answer, then EOF; the held sessions still work; a slot frees up.
    std::string got;
    BOOST_TEST(fourth.wait_closed(2s, &got));
    BOOST_TEST(got == error_line("busy", "too many connections; try again shortly") + "\n");
    BOOST_TEST(a.log().find("max_connections (3) reached") != std::string::npos, a.log());
    BOOST_TEST_REQUIRE(held[0]->send("{\"op\":\"hello\"}\n"));
    BOOST_TEST(held[0]->read_line() == hello_answer);
    held.pop_back();
    BOOST_TEST(wait_for([&] { return a.ask(R"({"op":"hello"})") == hello_answer; }, 2s));
}

BOOST_AUTO_TEST_CASE(connections_past_the_descriptor_limit_are_answered_busy_too,
                     *boost::unit_test::precondition(not_under_sanitizers))
{
    // Setup: tokend may open 64 descriptors and keeps the default max_connections (1024), so
    // the descriptor limit runs out long before the cap.
    temp_dir dir;
    mockbill mock(dir);
    std::string config = dir.write("config.toml", config_with(dir, mock, ""));
    std::string socket = (dir.path() / "agent.sock").string();
    child agent({"prlimit", "--nofile=64:64", tokend_bin(), "--config", config, "--socket", socket}, {},
                dir.path().string());
    BOOST_TEST_REQUIRE(wait_for([&] { return ask(socket, R"({"op":"hello"})", 1s) == hello_answer; }, 10s));

    // Exercise: 100 clients connect and say hello, and keep their connections.
    std::vector<raw_conn> clients;
    clients.reserve(100);
    for (int i = 0; i < 100; ++i) {
        clients.emplace_back(socket);
        clients.back().send("{\"op\":\"hello\"}\n");
    }

    // Check: every one was answered, served or told busy; none was left hanging. Once they
    // leave, a new client is served again.
    int served = 0, busy = 0;
    for (auto& c : clients) {
        std::string line = c.read_line(3s);
        served += line == hello_answer;
        busy += line == error_line("busy", "too many connections; try again shortly");
    }
    BOOST_TEST_MESSAGE(served << " served, " << busy << " busy");
    BOOST_TEST(served + busy == 100);
    BOOST_TEST(served >= 40);
    BOOST_TEST(busy >= 1);
    clients.clear();
    BOOST_TEST(wait_for([&] { return ask(socket, R"({"op":"hello"})", 1s) == hello_answer; }, 3s));
    BOOST_TEST(agent.running());
}

BOOST_AUTO_TEST_CASE(a_silent_connection_is_closed_after_idle_timeout)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, config_with(dir, mock, "idle_timeout = \"300ms\"\nrequest_timeout = \"5s\""));

    // Exercise: one connection says nothing; another asks every 100 ms for a second.
    auto t0 = steady::now();
    raw_conn silent(a.socket()), chatty(a.socket());
    int answered = 0;
    auto last_answer = t0;
    while (ms_since(t0) < 1000) {
        std::this_thread::sleep_for(100ms);
        chatty.send("{\"op\":\"hello\"}\n");
        answered += chatty.read_line() == hello_answer;
        last_answer = steady::now();
    }

    // Check: the silent one was closed, without a word, about 300 ms in; the chatty one
    // lived on, and closes 300 ms after it falls silent.
    std::string got;
    BOOST_TEST(silent.wait_closed(0ms, &got));
    BOOST_TEST(got.empty());
    BOOST_TEST(answered >= 8);
    BOOST_TEST(!closed_now(chatty));
    BOOST_TEST(chatty.wait_closed(2s));
    long waited = ms_since(last_answer);
    BOOST_TEST(waited >= 250);
    BOOST_TEST(waited < 1500);
}

BOOST_AUTO_TEST_CASE(a_request_that_never_finishes_is_closed_after_request_timeout)
{
    // Setup: a long idle timeout, a short request timeout.
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, config_with(dir, mock, "idle_timeout = \"10s\"\nrequest_timeout = \"500ms\""));
    raw_conn slow(a.socket()), split(a.socket());

    // Exercise: one client dribbles a byte every 50 ms and never ends its line; another sends
    // one request in two halves 200 ms apart, which is slow but within the deadline.
    auto t0 = steady::now();
    slow.send("{\"op\":\"hello\"");
    split.send("{\"op\":");
    bool split_done = false;
    long closed_at = -1;
    while (ms_since(t0) < 3000 && closed_at < 0) {
        std::this_thread::sleep_for(50ms);
        if (!split_done && ms_since(t0) >= 200) {
            split.send("\"hello\"}\n");
            BOOST_TEST(split.read_line() == hello_answer);
            split_done = true;
        }
        if (closed_now(slow))
            closed_at = ms_since(t0);
        else
            slow.send(" ");
    }

    // Check
    BOOST_TEST_MESSAGE("slowloris connection closed after " << closed_at << " ms");
    BOOST_TEST(closed_at >= 450);
    BOOST_TEST(closed_at < 1500);
    BOOST_TEST(split_done);
    BOOST_TEST(!closed_now(split));
}

BOOST_AUTO_TEST_CASE(idle_and_slowloris_floods_do_not_delay_a_well_behaved_get)
{
    // Setup: 300 idle connections and 20 slowloris ones against deadlines of 3 s and 1 s.
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, config_with(dir, mock, "idle_timeout = \"3s\"\nrequest_timeout = \"1s\""));
    bool ok = false;
    timed_get(a, ok); // the first get logs in; the flood is about serving, not the upstream
    BOOST_TEST_REQUIRE(ok);
    auto t0 = steady::now();
    std::vector<raw_conn> idle, slow;
    idle.reserve(300);
    slow.reserve(20);
    for (int i = 0; i < 300; ++i)
        idle.emplace_back(a.socket());
    for (int i = 0; i < 20; ++i) {
        slow.emplace_back(a.socket());
        slow.back().send("{\"op\":\"get\",");
    }
    BOOST_TEST_REQUIRE(std::all_of(idle.begin(), idle.end(), [](auto& c) { return c.connected(); }));

    // Exercise: for 2 s, keep the slowloris ones dribbling and make a get every 20 ms.
    std::chrono::milliseconds worst{0};
    int gets = 0, good = 0;
    std::vector<long> slow_closed(slow.size(), -1);
    while (ms_since(t0) < 2000) {
        for (std::size_t i = 0; i < slow.size(); ++i) {
            if (slow_closed[i] >= 0)
                continue;
            if (closed_now(slow[i]))
                slow_closed[i] = ms_since(t0);
            else
                slow[i].send_nonblocking(" ");
        }
        worst = std::max(worst, timed_get(a, ok));
        ++gets;
        good += ok;
        std::this_thread::sleep_for(20ms);
    }
    bool idle_alive_at_2s = std::none_of(idle.begin(), idle.end(), [](auto& c) { return closed_now(c); });
    bool idle_closed = std::all_of(idle.begin(), idle.end(), [](auto& c) { return c.wait_closed(3s); });
    long idle_closed_at = ms_since(t0);

    // Check: every get answered promptly; the slowloris ones cut at about 1 s, the idle ones
    // at about 3 s.
    BOOST_TEST_MESSAGE(gets << " gets during the flood, slowest " << worst.count() << " ms");
    BOOST_TEST(good == gets);
    BOOST_TEST(worst < 1000ms);
    for (long at : slow_closed) {
        BOOST_TEST(at >= 900);
        BOOST_TEST(at < 2000);
    }
    BOOST_TEST(idle_alive_at_2s);
    BOOST_TEST(idle_closed);
    BOOST_TEST(idle_closed_at < 5000);
    BOOST_TEST(a.ask(R"({"op":"hello"})") == hello_answer);
}

BOOST_AUTO_TEST_CASE(a_client_that_pipelines_without_reading_is_throttled_not_buffered)
{
    // Setup
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, config_with(dir, mock, ""), small_quarantine());
    for (int i = 0; i < 50; ++i)
        a.ask(R"({"op":"hello"})");
    const long rss_before = proc_status_kb(a.process().pid(), "VmRSS");
    // 100,000 requests of 200 bytes: 20 MB that an agent queueing requests would hold.
    const int requests = 100'000;
    const std::string request = R"({"op":"hello","pad":")" + std::string(200 - 24, '.') + "\"}\n";
    BOOST_TEST_REQUIRE(request.size() == 200u);
    std::string flood;
    flood.reserve(request.size() * requests);
    for (int i = 0; i < requests; ++i)
        flood += request;

    // Exercise: write without reading until the socket stops taking bytes for 300 ms.
    raw_conn c(a.socket());
    std::size_t sent = 0;
    for (;;) {
        sent += c.send_nonblocking(std::string_view(flood).substr(sent));
        pollfd p{c.fd(), POLLOUT, 0};
        if (sent == flood.size() || ::poll(&p, 1, 300) == 0)
            break;
    }
    const long rss_stuck = proc_status_kb(a.process().pid(), "VmRSS");
    auto t0 = steady::now();
    std::string other = a.ask(R"({"op":"hello"})");
    long other_ms = ms_since(t0);

    // Check (throttled): the agent stopped taking requests once its answers backed up, its
    // memory did not grow with the flood, and another client was served at once.
    BOOST_TEST_MESSAGE("stuck after " << sent << " of " << flood.size() << " bytes; RSS " << rss_before
                                      << " -> " << rss_stuck << " kB; another client served in " << other_ms << " ms");
    BOOST_TEST(sent < flood.size() / 10);
    BOOST_TEST(rss_stuck - rss_before < rss_slack_kb);
    BOOST_TEST(other == hello_answer);
    BOOST_TEST(other_ms < 1000);

    // Exercise: now read, and send the rest as the agent takes it.
    std::size_t answers = 0;
    std::string tail;
    char buf[65536];
    auto until = steady::now() + 30s;
    while (answers < static_cast<std::size_t>(requests) && steady::now() < until) {
        pollfd p{c.fd(), static_cast<short>(POLLIN | (sent < flood.size() ? POLLOUT : 0)), 0};
        ::poll(&p, 1, 1000);
        if (p.revents & POLLOUT)
            sent += c.send_nonblocking(std::string_view(flood).substr(sent));
        if (p.revents & POLLIN) {
            ssize_t n = ::read(c.fd(), buf, sizeof buf);
            if (n <= 0)
                break;
            answers += static_cast<std::size_t>(std::count(buf, buf + n, '\n'));
            tail.assign(buf, static_cast<std::size_t>(n));
        }
    }

    // Check (not dropped): every request was answered, in the end, and memory stayed flat.
    BOOST_TEST(answers == static_cast<std::size_t>(requests));
    BOOST_TEST(tail.ends_with(hello_answer + "\n"));
    BOOST_TEST(proc_status_kb(a.process().pid(), "VmRSS") - rss_before < rss_slack_kb);
}

BOOST_AUTO_TEST_SUITE_END()
