// SPDX-License-Identifier: MIT
// The proxy's own errors (docs/proxy.md, "Errors"): each with its status, X-Tokend-Error and
// the JSON body {"error":{"code","message"}}, and none of them sending anything to the API
// when the request itself is at fault: unknown profile 404, malformed 400, a head over 32 KiB
// 431, a Content-Length over 64 GiB 413, Upgrade 501, an unreachable API 502, refused or
// missing credentials 502, backing off 503 with Retry-After, a hanging API 504, too many
// connections 503 busy.
#include "proxy_harness.hpp"

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace tokend::test;

BOOST_AUTO_TEST_SUITE(proxy_errors)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

// A loopback port where nothing listens: bound, never listened on, closed.
int closed_port()
{
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    BOOST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    ::close(fd);
    return ntohs(a.sin_port);
}

double seconds_since(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

} // namespace


BOOST_AUTO_TEST_CASE(an_unknown_profile_is_404)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));

    // Exercise
    auto r = h.call("GET", "/nosuch/_api/echo/x");
    auto encoded = h.call("GET", "/kill%62/_api/echo/x"); // names are taken literally

    // Check
    BOOST_TEST(is_tokend_error(r, 404, "unknown_profile"));
    BOOST_TEST(is_tokend_error(encoded, 404, "unknown_profile"));
    BOOST_TEST(h.mock_total("api_requests") == 0);
}

BOOST_AUTO_TEST_CASE(malformed_requests_are_400_and_reach_nothing)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    const std::string host = "Host: " + h.host + "\r\n";

    // Exercise + Check
    for (const auto& [why, bytes] : std::vector<std::pair<std::string, std::string>>{
             {"not HTTP", "HELLO THERE\r\n\r\n"},
             {"absolute-form", "GET http://" + h.host + "/killb/_api/echo/x HTTP/1.1\r\n" + host + "\r\n"},
             {"asterisk-form", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n"},
             {"no leading slash", "GET killb/_api/echo/x HTTP/1.1\r\n" + host + "\r\n"},
             {"empty profile segment", "GET //_api/echo/x HTTP/1.1\r\n" + host + "\r\n"},
             {"header without a colon", "GET /killb/_api/echo/x HTTP/1.1\r\n" + host + "Broken header\r\n\r\n"},
             {"two Content-Lengths", "POST /killb/_api/echo/x HTTP/1.1\r\n" + host
                                         + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"},
             {"Content-Length and chunked", "POST /killb/_api/echo/x HTTP/1.1\r\n" + host
                                                + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
             {"bad chunk size", "POST /killb/_api/echo/x HTTP/1.1\r\n" + host
                                    + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"},
         })
        BOOST_TEST_CONTEXT(why) { BOOST_TEST(is_tokend_error(h.call_raw(h.tcp, bytes), 400, "bad_request")); }
    BOOST_TEST(h.mock_total("api_requests") == 0);
}

BOOST_AUTO_TEST_CASE(oversized_heads_and_bodies_are_refused_unread)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));

    // Exercise: a 40 KiB header; a declared 100 GB body of which nothing is sent.
    auto big_head = h.call("GET", "/killb/_api/echo/x", {"X-Big: " + std::string(40 * 1024, 'b')});
    auto started = std::chrono::steady_clock::now();
    auto big_body = h.call_raw(h.tcp, "PUT /killb/_api/upload HTTP/1.1\r\nHost: " + h.host
                                          + "\r\nContent-Length: 100000000000\r\n\r\n");

    // Check: answered at once, before any body byte; nothing at the API.
    BOOST_TEST(is_tokend_error(big_head, 431, "too_large"));
    BOOST_TEST(is_tokend_error(big_body, 413, "too_large"));
    BOOST_TEST(seconds_since(started) < 3.0);
    BOOST_TEST(h.mock_total("api_requests") == 0);
}

BOOST_AUTO_TEST_CASE(upgrade_requests_are_501)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));

    // Exercise: a WebSocket handshake and an h2c upgrade.
    auto ws = h.call("GET", "/killb/_api/echo/ws",
                     {"Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="});
    auto h2c = h.call("GET", "/killb/_api/echo/h2", {"Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c",
                                                      "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"});

    // Check
    BOOST_TEST(is_tokend_error(ws, 501, "bad_request"));
    BOOST_TEST(is_tokend_error(h2c, 501, "bad_request"));
    BOOST_TEST(h.mock_total("api_requests") == 0);
}

BOOST_AUTO_TEST_CASE(an_unreachable_api_is_502)
{
    // Setup: the token comes from mockbill; the API is a port where nothing listens.
    proxy_harness h;
    h.start(h.killb_profile("gone", "api_url = \"http://127.0.0.1:" + std::to_string(closed_port()) + "\"\n"));

    // Exercise
    auto r = h.call("GET", "/gone/x");

    // Check
    BOOST_TEST(is_tokend_error(r, 502, "upstream_unavailable"));
}

BOOST_AUTO_TEST_CASE(refused_and_missing_credentials_are_502)
{
    // Setup: a wrong password; no password at all.
    proxy_harness h;
    std::string wrong = "[profile.wrong]\nprovider = \"killb\"\nurl = \"" + h.mock.url()
                        + "\"\nemail = \"demo@example.com\"\n" + h.password_line("not-the-password");
    std::string none = "[profile.none]\nprovider = \"killb\"\nurl = \"" + h.mock.url() + "\"\nemail = \"demo@example.com\"\n";
    h.start(wrong + none);

    // Exercise
    auto rejected = h.call("GET", "/wrong/_api/echo/x");
    auto missing = h.call("GET", "/none/_api/echo/x");

    // Check
    BOOST_TEST(is_tokend_error(rejected, 502, "credentials_rejected"));
    BOOST_TEST(is_tokend_error(missing, 502, "no_credentials"));
    BOOST_TEST(h.mock_total("api_requests") == 0);
    BOOST_TEST(h.a->log().find("not-the-password") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(backing_off_is_503_with_retry_after)
{
    // Setup: every login answered 503 with Retry-After: 30, from the first one on.
    proxy_harness h;
    h.mock.control("/_mock/faults",
                   R"({"api":"killb","endpoint":"login","kind":"status","status":503,"retry_after":"30","count":-1})");
    h.start(h.killb_profile("killb"));

    // Exercise: the first request waits for the first login; the second is answered at once.
    auto first = h.call("GET", "/killb/_api/echo/x");
    auto started = std::chrono::steady_clock::now();
    auto second = h.call("GET", "/killb/_api/echo/x");
    double second_took = seconds_since(started);

    // Check: Retry-After is the seconds until the next attempt (at most the API's 30).
    for (const auto* r : {&first, &second}) {
        BOOST_TEST(is_tokend_error(*r, 503, "upstream_unavailable"));
        int retry_after = r->has_value() ? std::atoi((*r)->header("Retry-After").value_or("-1").c_str()) : -1;
        BOOST_TEST(retry_after >= 1);
        BOOST_TEST(retry_after <= 30);
    }
    BOOST_TEST(second_took < 1.0);
    BOOST_TEST(h.mock_total("api_requests") == 0);
}

BOOST_AUTO_TEST_CASE(an_api_that_does_not_answer_is_504_after_the_profile_timeout)
{
    // Setup: a 1 s timeout; the API never answers the next call.
    proxy_harness h;
    h.start(h.killb_profile("slow", {}, "1s"));
    auto warm = h.call("GET", "/slow/_api/small"); // the login is not what is timed
    h.mock.control("/_mock/faults", R"({"endpoint":"resource","kind":"hang"})");

    // Exercise
    auto started = std::chrono::steady_clock::now();
    auto r = h.call("GET", "/slow/_api/small");
    double took = seconds_since(started);

    // Check
    BOOST_TEST((warm && warm->status == 200));
    BOOST_TEST(is_tokend_error(r, 504, "timeout"));
    BOOST_TEST(took >= 0.9);
    BOOST_TEST(took < 3.0);
}

BOOST_AUTO_TEST_CASE(connections_past_max_connections_are_503_busy)
{
    // Setup: room for two connections; two clients hold theirs open (keep-alive).
    proxy_harness h;
    h.start(h.killb_profile("killb"), {}, {}, "[agent]\nmax_connections = 2\n");
    http_probe one(h.tcp), two(h.tcp);
    for (http_probe* p : {&one, &two}) {
        BOOST_TEST_REQUIRE(p->connected());
        BOOST_TEST_REQUIRE(p->send(http_request("GET", "/killb/_api/small", h.host)));
        auto r = p->read_response();
        BOOST_TEST_REQUIRE((r && r->status == 200));
    }

    // Exercise
    auto third = h.call("GET", "/killb/_api/small");

    // Check: the third is turned away; the two held ones still work.
    BOOST_TEST(is_tokend_error(third, 503, "busy"));
    BOOST_TEST_REQUIRE(one.send(http_request("GET", "/killb/_api/small", h.host)));
    auto again = one.read_response();
    BOOST_TEST((again && again->status == 200));
}

BOOST_AUTO_TEST_SUITE_END()
