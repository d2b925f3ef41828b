// SPDX-License-Identifier: MIT
// Running the proxy (docs/proxy.md, docs/configuration.md): connections to the API pooled
// and reused (counted at mockbill); one debug line per request that never holds a query
// string, a header value, a token or a password; hello's "proxy" list, status's "proxied" and
// "proxy_retries", `tok url`; a listener that is not loopback refused at start.
#include "proxy_harness.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <regex>
#include <set>

using namespace tokend::test;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(proxy_operations)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

int status_of(const std::optional<http_response>& r) { return r ? r->status : -1; }

} // namespace


BOOST_AUTO_TEST_CASE(connections_to_the_api_are_pooled_across_client_connections)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    BOOST_TEST_REQUIRE(status_of(h.call("GET", "/killb/_api/small")) == 200);
    long connections_after_first = h.mock_total("connections");

    // Exercise: 20 more requests, each on a client connection of its own, one after another.
    int ok = 0;
    for (int i = 0; i < 20; ++i)
        ok += status_of(h.call("GET", "/killb/_api/echo/" + std::to_string(i))) == 200;

    // Check: all served over the one API connection opened by the first request.
    BOOST_TEST(ok == 20);
    std::set<std::int64_t> used;
    for (const auto& c : h.api_calls())
        used.insert(c.at("connection").as_int64());
    BOOST_TEST(h.api_calls().size() == 21u);
    BOOST_TEST(used.size() == 1u);
    BOOST_TEST(h.mock_total("connections") == connections_after_first);
    BOOST_TEST(h.mock_total("api_requests") == 21);
}

BOOST_AUTO_TEST_CASE(debug_logs_one_line_per_request_without_secrets)
{
    // Setup: values no log may show, distinct in every run.
    proxy_harness h;
    const std::string query_secret = random_hex(8), header_secret = random_hex(8), body_secret = random_hex(8);
    h.start(h.killb_profile("killb"), {}, {"--log-level", "debug"});

    // Exercise
    auto get = h.call("GET", "/killb/_api/echo/some/path?secret=" + query_secret + "&x=1",
                      {"X-Custom: " + header_secret, "Authorization: Bearer " + header_secret});
    auto post = h.call("POST", "/killb/_api/echo/form?k=" + query_secret, {"Content-Type: text/plain"}, body_secret);
    auto unknown = h.call("GET", "/nosuch/x?q=" + query_secret);
    const std::string token = h.token("killb");
    const std::regex get_line(R"(proxy: GET killb /_api/echo/some/path -> 200, \d+ bytes, \d+ ms)");
    bool logged = wait_for([&] { return has(h.a->log(), "proxy: POST killb /_api/echo/form -> 200"); }, 3s);
    const std::string log = h.a->log();

    // Check: the lines are there, without query, headers, body, token or password.
    BOOST_TEST(status_of(get) == 200);
    BOOST_TEST(status_of(post) == 200);
    BOOST_TEST(status_of(unknown) == 404);
    BOOST_TEST(logged, "no per-request line for the POST");
    BOOST_TEST(std::regex_search(log, get_line), "no per-request line for the GET");
    for (const auto& [what, secret] : std::vector<std::pair<std::string, std::string>>{
             {"query value", query_secret}, {"header value", header_secret}, {"body", body_secret},
             {"token", token}, {"password", "demo-password"}, {"query string", "secret="}})
        BOOST_TEST(!has(log, secret), "the log shows the " << what);
}

BOOST_AUTO_TEST_CASE(requests_are_not_logged_at_info)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));

    // Exercise
    auto r = h.call("GET", "/killb/_api/echo/quiet");

    // Check
    BOOST_TEST(status_of(r) == 200);
    BOOST_TEST(!has(h.a->log(), "proxy: GET"), h.a->log());
}

BOOST_AUTO_TEST_CASE(hello_lists_the_listeners_in_order_with_the_real_port)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    temp_dir other_dir;
    agent off(other_dir, h.killb_profile("killb"));

    // Exercise
    json::value on = h.hello();
    json::value none = json::parse(off.ask(R"({"op":"hello"})"));

    // Check: unix first as configured, then TCP with the port the kernel chose; [] when off.
    const json::array& list = on.at("proxy").as_array();
    BOOST_TEST_REQUIRE(list.size() == 2u);
    BOOST_TEST(list[0].as_string() == "unix:" + (h.dir.path() / "http").string());
    BOOST_TEST(std::regex_match(std::string(list[1].as_string()), std::regex(R"(tcp:127\.0\.0\.1:[1-9][0-9]*)")));
    BOOST_TEST(on.at("ok").as_bool());
    BOOST_TEST(none.at("proxy").as_array().empty());
}

BOOST_AUTO_TEST_CASE(status_counts_proxied_requests_and_retries)
{
    // Setup
    proxy_harness h;
    h.mock.control("/_mock/config", R"({"killb":{"opaque_tokens":true}})");
    h.start(h.killb_profile("killb") + h.killb_profile("idle"));

    // Exercise: three forwarded (one of them replayed after a 401); two refused by tokend.
    h.call("GET", "/killb/_api/echo/1");
    h.mock.control("/_mock/faults", R"({"endpoint":"resource","kind":"status","status":401})");
    h.call("POST", "/killb/_api/echo/2", {}, "body");
    h.call("GET", "/killb/_api/echo/3");
    h.call("GET", "/killb/_api/echo/4", {"Origin: http://evil.example"});
    h.call("GET", "/killb/_api/echo/5", {"Upgrade: websocket", "Connection: Upgrade"});
    run_result r = h.a->tok({"--json", "status"});

    // Check
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    std::map<std::string, json::object> by_name;
    json::value answer = json::parse(r.out);
    for (const auto& p : answer.at("profiles").as_array())
        by_name[std::string(p.at("name").as_string())] = p.as_object();
    BOOST_TEST(by_name["killb"].at("proxied").as_int64() == 3);
    BOOST_TEST(by_name["killb"].at("proxy_retries").as_int64() == 1);
    BOOST_TEST(by_name["idle"].at("proxied").as_int64() == 0);
    BOOST_TEST(by_name["idle"].at("proxy_retries").as_int64() == 0);
}

BOOST_AUTO_TEST_CASE(tok_url_prints_the_base_url_of_the_tcp_listener)
{
    // Setup: one agent with a TCP listener, one with the Unix socket only.
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    temp_dir other_dir;
    agent unix_only(other_dir, "[proxy]\nlisten = [\"unix\"]\n" + h.killb_profile("killb"));

    // Exercise
    run_result url = h.a->tok({"url", "killb"});
    run_result unknown = h.a->tok({"url", "nosuch"});
    run_result no_tcp = unix_only.tok({"url", "killb"});

    // Check
    BOOST_TEST(url.status == 0, url.err);
    BOOST_TEST(url.out == "http://" + h.host + "/killb\n");
    BOOST_TEST(unknown.status == 4, unknown.err);
    BOOST_TEST(unknown.out.empty());
    BOOST_TEST(no_tcp.status == 1);
    BOOST_TEST(no_tcp.out.empty());
    BOOST_TEST(!no_tcp.err.empty());
}

BOOST_AUTO_TEST_CASE(a_listener_that_is_not_loopback_is_a_config_error)
{
    // Setup
    temp_dir dir;
    for (const std::string address : {"0.0.0.0:0", "192.0.2.1:8787", "[::]:0", "localhost:0"}) {
        std::string config = dir.write("c.toml", "[proxy]\nlisten = [\"" + address + "\"]\n");

        // Exercise
        run_result r = run({tokend_bin(), "--config", config, "--socket", (dir.path() / "s.sock").string()}, {}, {}, 5s);

        // Check: refused at start, naming the key.
        BOOST_TEST_CONTEXT(address)
        {
            BOOST_TEST(r.status != 0);
            BOOST_TEST(r.status != -1); // it exited rather than listened
            BOOST_TEST(has(r.err, "listen"), r.err);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
