// SPDX-License-Identifier: MIT
// The proxy forwards (docs/proxy.md): METHOD /PROFILE/REST?QUERY reaches {api_url}/REST?QUERY
// with the profile's credentials in place of the client's, hop-by-hop headers dropped, nothing
// added, and the API's answers passed through; clients keep their connections alive. Each
// case runs a real tokend against mockbill, whose /_api/echo answers what arrived.
#include "proxy_harness.hpp"

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace tokend::test;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(proxy_forwarding)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

// The echo of a proxied request: fails the test unless the proxy answered 200 with JSON.
json::object echoed(const std::optional<http_response>& r)
{
    BOOST_TEST_REQUIRE(r.has_value(), "no answer from the proxy");
    BOOST_TEST_REQUIRE(r->status == 200, "proxy answered " << r->status << ": " << r->body);
    std::error_code ec;
    json::value v = json::parse(r->body, ec);
    BOOST_TEST_REQUIRE((!ec && v.is_object()), "echo is not JSON: " << r->body);
    return v.as_object();
}

std::string target_of(const json::object& echo) { return std::string(echo.at("target").as_string()); }

} // namespace


BOOST_AUTO_TEST_CASE(path_and_query_reach_the_api_unchanged)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    const std::string body = "{\"a\":[1,2,3],\"b\":\"\\u00e9\"}";

    // Exercise
    auto get = h.call("GET", "/killb/_api/echo/a/b?x=1&y=2");
    auto odd = h.call("GET", "/killb/_api/echo/a%2Fb/./c;p?q=a%20b&e=&x=%00");
    auto post = h.call("POST", "/killb/_api/echo/items", {"Content-Type: application/json"}, body);
    auto del = h.call("DELETE", "/killb/_api/echo/items/7");

    // Check: target as sent (nothing decoded or normalised), method, body, and the killb token.
    json::object g = echoed(get), o = echoed(odd), p = echoed(post), d = echoed(del);
    BOOST_TEST(target_of(g) == "/_api/echo/a/b?x=1&y=2");
    BOOST_TEST(g.at("method").as_string() == "GET");
    BOOST_TEST(g.at("body_bytes").as_int64() == 0);
    BOOST_TEST(g.at("token_api").as_string() == "killb");
    BOOST_TEST(target_of(o) == "/_api/echo/a%2Fb/./c;p?q=a%20b&e=&x=%00");
    BOOST_TEST(target_of(p) == "/_api/echo/items");
    BOOST_TEST(p.at("method").as_string() == "POST");
    BOOST_TEST(p.at("body_bytes").as_int64() == static_cast<std::int64_t>(body.size()));
    BOOST_TEST(p.at("body_sha256").as_string() == sha256_hex(body));
    BOOST_TEST(d.at("method").as_string() == "DELETE");
    BOOST_TEST(target_of(d) == "/_api/echo/items/7");
}

BOOST_AUTO_TEST_CASE(api_url_path_is_the_base_and_a_bare_profile_maps_to_it)
{
    // Setup: api_url with a path; mockbill's echo answers under any /_api/echo/ path.
    proxy_harness h;
    h.start(h.killb_profile("pre", "api_url = \"" + h.mock.url() + "/_api/echo/base\"\n"));

    // Exercise
    auto deep = h.call("GET", "/pre/x/y?z=1");
    auto bare = h.call("GET", "/pre");
    auto bare_query = h.call("GET", "/pre?q=1");
    auto slash = h.call("GET", "/pre/");

    // Check: the profile prefix is replaced by the api_url's path, as docs/proxy.md's table says
    // (as nginx's proxy_pass with a path does): /pre is the path itself, /pre/ under it.
    BOOST_TEST(target_of(echoed(deep)) == "/_api/echo/base/x/y?z=1");
    BOOST_TEST(target_of(echoed(bare)) == "/_api/echo/base");
    BOOST_TEST(target_of(echoed(bare_query)) == "/_api/echo/base?q=1");
    BOOST_TEST(target_of(echoed(slash)) == "/_api/echo/base/");
}

BOOST_AUTO_TEST_CASE(credentials_are_replaced_hop_by_hop_headers_dropped_and_nothing_added)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    const std::vector<std::string> sent{
        "Authorization: Bearer the-clients-own",
        "Connection: keep-alive, X-Hop",
        "X-Hop: must-not-pass",
        "Keep-Alive: timeout=5",
        "Proxy-Authorization: Basic cHJveHk6cHc=",
        "Proxy-Connection: keep-alive",
        "TE: trailers",
        "Trailer: X-Later",
        "X-Pass: yes",
        "Accept: application/json",
        "User-Agent: proxy-test/1",
        "X-Multi: one",
        "X-Multi: two",
    };

    // Exercise
    auto r = h.call("GET", "/killb/_api/echo/h", sent);
    const std::string token = h.token("killb");

    // Check: the API's Host; one Authorization, the profile's (mockbill shows its SHA-256);
    // hop-by-hop headers gone; end-to-end ones kept, repeated ones too; no proxy headers added.
    json::object e = echoed(r);
    const json::value& got = e.at("headers");
    BOOST_TEST(listed_header(got, "Host").value_or("") == "127.0.0.1:" + std::to_string(h.mock.port()));
    BOOST_TEST(listed_header_count(got, "Host") == 1u);
    BOOST_TEST(listed_header_count(got, "Authorization") == 1u);
    BOOST_TEST((listed_header(got, "Authorization") == "sha256:" + sha256_hex("Bearer " + token)),
               "Authorization is not the profile's token");
    for (const std::string name : {"Connection", "X-Hop", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "TE",
                                   "Trailer", "Upgrade", "Transfer-Encoding", "Via", "Forwarded", "X-Forwarded-For",
                                   "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP"})
        BOOST_TEST(listed_header_count(got, name) == 0u, name << " reached the API");
    BOOST_TEST(listed_header(got, "X-Pass").value_or("") == "yes");
    BOOST_TEST(listed_header(got, "Accept").value_or("") == "application/json");
    BOOST_TEST(listed_header(got, "User-Agent").value_or("") == "proxy-test/1");
    BOOST_TEST(listed_header_count(got, "X-Multi") == 2u);
    BOOST_TEST(r->header_count("X-Tokend-Retried") == 0u);
}

BOOST_AUTO_TEST_CASE(the_aviate_tenant_headers_are_the_profiles)
{
    // Setup
    proxy_harness h;
    h.start(h.aviate_profile("av"));

    // Exercise: a client that sends its own tenant headers, in another case.
    auto r = h.call("GET", "/av/_api/echo/catalog",
                    {"x-killbill-apikey: someone-else", "X-KILLBILL-APISECRET: not-ours", "Authorization: Basic eDp5"});
    const std::string token = h.token("av");

    // Check: exactly one of each, with the profile's values, and the aviate token.
    json::object e = echoed(r);
    const json::value& got = e.at("headers");
    BOOST_TEST(e.at("token_api").as_string() == "aviate");
    BOOST_TEST(listed_header_count(got, "X-Killbill-ApiKey") == 1u);
    BOOST_TEST(listed_header_count(got, "X-Killbill-ApiSecret") == 1u);
    BOOST_TEST(listed_header(got, "X-Killbill-ApiKey").value_or("") == "demo-tenant");
    BOOST_TEST((listed_header(got, "X-Killbill-ApiSecret") == std::optional<std::string>("demo-secret")));
    BOOST_TEST((listed_header(got, "Authorization") == "sha256:" + sha256_hex("Bearer " + token)),
               "Authorization is not the profile's token");
}

BOOST_AUTO_TEST_CASE(the_apis_answers_and_their_headers_pass_through)
{
    // Setup: the API answers the first call 429 with its own body and Retry-After.
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    h.mock.control("/_mock/faults", R"({"endpoint":"resource","kind":"status","status":429,"retry_after":"7"})");

    // Exercise
    auto limited = h.call("GET", "/killb/_api/echo/limited");
    auto fine = h.call("GET", "/killb/_api/echo/fine");

    // Check: the API's status, header and body as they were; tokend adds no error of its own.
    BOOST_TEST_REQUIRE(limited.has_value());
    BOOST_TEST(limited->status == 429);
    BOOST_TEST(limited->header("Retry-After").value_or("") == "7");
    BOOST_TEST(limited->header_count("X-Tokend-Error") == 0u);
    BOOST_TEST(limited->body == R"({"statusCode":"429","message":["Too Many Requests"]})");
    json::object e = echoed(fine);
    BOOST_TEST(fine->header("Content-Type").value_or("").starts_with("application/json"));
    BOOST_TEST(target_of(e) == "/_api/echo/fine");
}

BOOST_AUTO_TEST_CASE(one_client_connection_carries_many_requests)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    http_probe conn(h.tcp);
    BOOST_TEST_REQUIRE(conn.connected());

    // Exercise + Check: ten requests, GET and POST alternating, in turn on one connection.
    for (int i = 0; i < 10; ++i) {
        BOOST_TEST_CONTEXT("request " << i)
        {
            std::string body = i % 2 ? std::string(static_cast<std::size_t>(1000 * i), static_cast<char>('a' + i)) : "";
            std::string target = "/killb/_api/echo/" + std::to_string(i) + "?n=" + std::to_string(i);
            BOOST_TEST_REQUIRE(conn.send(http_request(i % 2 ? "POST" : "GET", target, h.host, {}, body)));
            json::object e = echoed(conn.read_response());
            BOOST_TEST(target_of(e) == target.substr(6));
            BOOST_TEST(e.at("body_sha256").as_string() == sha256_hex(body));
        }
    }
}

BOOST_AUTO_TEST_CASE(expect_continue_is_answered_and_a_chunked_body_forwarded)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    std::string body(300 * 1024, '\0');
    for (std::size_t i = 0; i < body.size(); ++i)
        body[i] = static_cast<char>(i * 7 + i / 251);
    http_probe conn(h.tcp);
    BOOST_TEST_REQUIRE(conn.connected());

    // Exercise: Expect: 100-continue, the body only once tokend said 100; then a chunked body.
    BOOST_TEST_REQUIRE(conn.send("POST /killb/_api/echo/continue HTTP/1.1\r\nHost: " + h.host
                                 + "\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(body.size())
                                 + "\r\n\r\n"));
    auto interim = conn.read_interim();
    BOOST_TEST_REQUIRE(conn.send(body));
    auto continued = conn.read_response();
    std::string chunked = "POST /killb/_api/echo/chunked HTTP/1.1\r\nHost: " + h.host
                          + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t at = 0; at < body.size(); at += 70000) {
        std::size_t n = std::min<std::size_t>(70000, body.size() - at);
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", n);
        chunked += size + body.substr(at, n) + "\r\n";
    }
    BOOST_TEST_REQUIRE(conn.send(chunked + "0\r\n\r\n"));
    auto dechunked = conn.read_response();

    // Check: one 100 Continue from tokend, Expect not forwarded, both bodies whole.
    BOOST_TEST_REQUIRE(interim.has_value());
    BOOST_TEST(interim->status == 100);
    json::object c = echoed(continued);
    BOOST_TEST(continued->interim.empty()); // one 100, not two
    BOOST_TEST(listed_header_count(c.at("headers"), "Expect") == 0u);
    BOOST_TEST(c.at("body_sha256").as_string() == sha256_hex(body));
    json::object d = echoed(dechunked);
    BOOST_TEST(d.at("body_bytes").as_int64() == static_cast<std::int64_t>(body.size()));
    BOOST_TEST(d.at("body_sha256").as_string() == sha256_hex(body));
}

BOOST_AUTO_TEST_SUITE_END()
