// SPDX-License-Identifier: MIT
// A 401 from the API (docs/proxy.md): tokend invalidates the token it used and sends the
// request once more with a fresh one, byte for byte the same but for Authorization, and says
// so with X-Tokend-Retried: 1; a second 401 goes to the client; a body over replay_limit is
// not kept, so its 401 goes straight to the client. mockbill hands out opaque (random) killb
// tokens here, so that two logins in one second still give two different tokens.
#include "proxy_harness.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>

using namespace tokend::test;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(proxy_replay)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

void start(proxy_harness& h, const std::string& proxy_extra = {})
{
    h.mock.control("/_mock/config", R"({"killb":{"opaque_tokens":true}})");
    h.start(h.killb_profile("killb"), proxy_extra);
}

// `n` bytes covering every byte value, NUL and CR LF included.
std::string binary_body(std::size_t n)
{
    std::string b(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        b[i] = static_cast<char>((i * 131 + i / 256) & 0xff);
    return b;
}

void fault_401(const proxy_harness& h, int count)
{
    h.mock.control("/_mock/faults",
                   R"({"endpoint":"resource","kind":"status","status":401,"count":)" + std::to_string(count) + "}");
}

// The headers of a recorded call without Authorization, in order.
json::array without_authorization(const json::object& call)
{
    json::array out;
    for (const auto& h : call.at("headers").as_array())
        if (h.at(0).as_string() != "Authorization" && h.at(0).as_string() != "authorization")
            out.push_back(h);
    return out;
}

std::int64_t counter(const proxy_harness& h, const char* name) { return h.status("killb").at(name).as_int64(); }

const std::vector<std::string> post_headers{"Content-Type: application/octet-stream", "X-Request-Id: r-17",
                                            "Accept: application/json"};

} // namespace


BOOST_AUTO_TEST_CASE(a_401_is_replayed_once_with_a_fresh_token_and_the_same_bytes)
{
    // Setup: the API refuses the first call with 401.
    proxy_harness h;
    start(h);
    const std::string body = binary_body(100 * 1024);
    const std::string token_before = h.token("killb");
    fault_401(h, 1);

    // Exercise
    auto r = h.call("POST", "/killb/_api/echo/orders?dry=1", post_headers, body);
    const std::string token_after = h.token("killb");

    // Check: the client sees the replay's answer, marked as retried.
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->status == 200, r->body);
    BOOST_TEST(r->header("X-Tokend-Retried").value_or("") == "1");
    BOOST_TEST(json::parse(r->body).at("body_sha256").as_string() == sha256_hex(body));

    // mockbill saw the same request twice, credentials aside: the old token, then a new one.
    auto calls = h.api_calls();
    BOOST_TEST_REQUIRE(calls.size() == 2u);
    BOOST_TEST(calls[0].at("status").as_int64() == 401);
    BOOST_TEST(calls[1].at("status").as_int64() == 200);
    for (const char* field : {"method", "target", "body_bytes", "body_sha256"})
        BOOST_TEST(calls[0].at(field) == calls[1].at(field), field);
    BOOST_TEST(calls[1].at("body_sha256").as_string() == sha256_hex(body));
    BOOST_TEST(calls[1].at("target").as_string() == "/_api/echo/orders?dry=1");
    BOOST_TEST(json::serialize(without_authorization(calls[0])) == json::serialize(without_authorization(calls[1])));
    auto auth0 = listed_header(calls[0].at("headers"), "Authorization");
    auto auth1 = listed_header(calls[1].at("headers"), "Authorization");
    BOOST_TEST((auth0 == "sha256:" + sha256_hex("Bearer " + token_before)), "first try did not use the old token");
    BOOST_TEST((auth1 == "sha256:" + sha256_hex("Bearer " + token_after)), "replay did not use the new token");
    BOOST_TEST((token_before != token_after), "the token was not renewed");
    BOOST_TEST(counter(h, "proxied") == 1);
    BOOST_TEST(counter(h, "proxy_retries") == 1);
}

BOOST_AUTO_TEST_CASE(a_second_401_goes_to_the_client)
{
    // Setup: the API refuses the first two calls.
    proxy_harness h;
    start(h);
    const std::string body = binary_body(4096);
    fault_401(h, 2);

    // Exercise
    auto r = h.call("PUT", "/killb/_api/echo/item/1", post_headers, body);

    // Check: the second 401, as the API sent it, marked as retried; no third try.
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->status == 401);
    BOOST_TEST(r->header("X-Tokend-Retried").value_or("") == "1");
    BOOST_TEST(r->header_count("X-Tokend-Error") == 0u);
    auto calls = h.api_calls();
    BOOST_TEST(calls.size() == 2u);
    BOOST_TEST(counter(h, "proxy_retries") == 1);
    BOOST_TEST(counter(h, "proxied") == 1);
}

BOOST_AUTO_TEST_CASE(a_body_up_to_replay_limit_is_replayed_and_one_over_it_is_not)
{
    // Setup: replay_limit 1000 bytes.
    proxy_harness h;
    start(h, "replay_limit = 1000\n");
    const std::string at_limit = binary_body(1000), over = binary_body(1001);

    // Exercise: a 401 for a body of exactly the limit, then for one byte more.
    fault_401(h, 1);
    auto kept = h.call("POST", "/killb/_api/echo/at-limit", post_headers, at_limit);
    fault_401(h, 1);
    auto not_kept = h.call("POST", "/killb/_api/echo/over", post_headers, over);

    // Check: the first replayed; the second's 401 went straight to the client.
    BOOST_TEST_REQUIRE(kept.has_value());
    BOOST_TEST(kept->status == 200);
    BOOST_TEST(kept->header("X-Tokend-Retried").value_or("") == "1");
    BOOST_TEST_REQUIRE(not_kept.has_value());
    BOOST_TEST(not_kept->status == 401);
    BOOST_TEST(not_kept->header_count("X-Tokend-Retried") == 0u);
    auto calls = h.api_calls();
    BOOST_TEST_REQUIRE(calls.size() == 3u);
    BOOST_TEST(calls[2].at("target").as_string() == "/_api/echo/over");
    BOOST_TEST(calls[2].at("body_bytes").as_int64() == 1001);
    BOOST_TEST(counter(h, "proxy_retries") == 1);
    BOOST_TEST(counter(h, "proxied") == 2);
}

BOOST_AUTO_TEST_CASE(a_small_chunked_body_and_a_get_are_replayed_too)
{
    // Setup
    proxy_harness h;
    start(h);
    const std::string body = binary_body(3000);
    http_probe conn(h.tcp);
    BOOST_TEST_REQUIRE(conn.connected());

    // Exercise: a chunked POST, then (a second later, past the once-per-second bound on
    // re-logins) a GET, each refused once.
    fault_401(h, 1);
    BOOST_TEST_REQUIRE(conn.send("POST /killb/_api/echo/chunked HTTP/1.1\r\nHost: " + h.host
                                 + "\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + body.substr(0, 2000) + "\r\n3e8\r\n"
                                 + body.substr(2000) + "\r\n0\r\n\r\n"));
    auto chunked = conn.read_response();
    std::this_thread::sleep_for(1100ms);
    fault_401(h, 1);
    BOOST_TEST_REQUIRE(conn.send(http_request("GET", "/killb/_api/echo/get", h.host)));
    auto get = conn.read_response();

    // Check
    BOOST_TEST_REQUIRE(chunked.has_value());
    BOOST_TEST(chunked->status == 200);
    BOOST_TEST(chunked->header("X-Tokend-Retried").value_or("") == "1");
    BOOST_TEST(json::parse(chunked->body).at("body_sha256").as_string() == sha256_hex(body));
    BOOST_TEST_REQUIRE(get.has_value());
    BOOST_TEST(get->status == 200);
    BOOST_TEST(get->header("X-Tokend-Retried").value_or("") == "1");
    BOOST_TEST(h.api_calls().size() == 4u);
    BOOST_TEST(counter(h, "proxy_retries") == 2);
}

BOOST_AUTO_TEST_SUITE_END()
