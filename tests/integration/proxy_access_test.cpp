// SPDX-License-Identifier: MIT
// Who may use the proxy (docs/proxy.md, docs/security.md): on TCP the uid owning the
// connecting socket (NETLINK_SOCK_DIAG), on the Unix socket SO_PEERCRED, must be ours or
// root; and no web page may use it: a foreign Host (DNS rebinding), any Origin, or a
// cross-site Sec-Fetch-Site is refused. Every refusal is 403 permission_denied with
// Connection: close, and not one request reaches the API. The other uid (65534) is curl
// under setpriv on TCP and a forked client on the Unix socket: those cases need root.
#include "proxy_harness.hpp"
#include "raw_client.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

using namespace tokend::test;

BOOST_AUTO_TEST_SUITE(proxy_access)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

boost::test_tools::assertion_result running_as_root(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result ok(::geteuid() == 0);
    ok.message() << "SKIPPED: acting as uid 65534 needs root";
    return ok;
}

boost::test_tools::assertion_result root_and_curl(boost::unit_test::test_unit_id)
{
    bool curl = run({"sh", "-c", "command -v curl"}).status == 0;
    boost::test_tools::assertion_result ok(::geteuid() == 0 && curl);
    ok.message() << "SKIPPED: acting as uid 65534 needs root and curl";
    return ok;
}

// curl -i as uid 65534; returns the answer's head and body as curl printed them, lowercased.
std::string curl_as_nobody(std::vector<std::string> args)
{
    std::vector<std::string> argv{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                  "curl", "-sS", "-i", "--noproxy", "*", "--max-time", "5"};
    argv.insert(argv.end(), args.begin(), args.end());
    run_result r = run(argv, {}, {}, 10s);
    BOOST_TEST_MESSAGE("curl as 65534: exit " << r.status << " " << r.err);
    std::string out = r.out;
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A refusal: 403 permission_denied, and tokend closes the connection after it.
void check_refused(const std::string& address, const std::string& request)
{
    http_probe conn(address);
    BOOST_TEST_REQUIRE(conn.connected());
    BOOST_TEST_REQUIRE(conn.send(request));
    auto r = conn.read_response();
    BOOST_TEST(is_tokend_error(r, 403, "permission_denied"));
    if (r)
        BOOST_TEST(r->header("Connection").value_or("") == "close");
    BOOST_TEST(conn.wait_closed(3s), "the connection stayed open after a refusal");
}

int status_of(const std::optional<http_response>& r) { return r ? r->status : -1; }

} // namespace


BOOST_AUTO_TEST_CASE(a_tcp_client_of_another_uid_is_refused_before_anything_is_sent,
                     *boost::unit_test::precondition(root_and_curl))
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));

    // Exercise: uid 65534 on the loopback port; then root (us).
    std::string stranger = curl_as_nobody({"http://" + h.host + "/killb/_api/echo/x"});
    long api_after_stranger = h.mock_total("api_requests");
    auto ours = h.call("GET", "/killb/_api/echo/x");

    // Check: 403 permission_denied, nothing at the API; root is served.
    BOOST_TEST(stranger.starts_with("http/1.1 403"), stranger);
    BOOST_TEST(has(stranger, "x-tokend-error: permission_denied"), stranger);
    BOOST_TEST(has(stranger, "\"code\":\"permission_denied\""), stranger);
    BOOST_TEST(api_after_stranger == 0);
    BOOST_TEST(status_of(ours) == 200);
    BOOST_TEST(h.mock_total("api_requests") == 1);
}

BOOST_AUTO_TEST_CASE(a_unix_client_of_another_uid_is_refused_even_when_the_mode_allows_it,
                     *boost::unit_test::precondition(running_as_root))
{
    // Setup: the socket's directory and the socket opened to everyone after start-up.
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    const std::string socket = h.unix_path.substr(5);
    BOOST_TEST_REQUIRE(::chmod(h.dir.path().c_str(), 0711) == 0);
    BOOST_TEST_REQUIRE(::chmod(socket.c_str(), 0666) == 0);

    // Exercise
    // A forked client as uid 65534 rather than curl: tokend answers at accept, before the
    // request, and curl, still sending, can report a broken pipe instead of the answer.
    foreign_exchange raw = exchange_as(65534, 65534, socket, http_request("GET", "/killb/_api/echo/x", "localhost"));
    std::string stranger = raw.received;
    std::transform(stranger.begin(), stranger.end(), stranger.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    long api_after_stranger = h.mock_total("api_requests");
    auto ours = h.call_raw(h.unix_path, http_request("GET", "/killb/_api/echo/x", "localhost"));

    // Check
    BOOST_TEST(raw.connect_errno == 0);
    BOOST_TEST(stranger.starts_with("http/1.1 403"), stranger);
    BOOST_TEST(has(stranger, "x-tokend-error: permission_denied"), stranger);
    BOOST_TEST(raw.closed_by_agent);
    BOOST_TEST(api_after_stranger == 0);
    BOOST_TEST(status_of(ours) == 200);
}

BOOST_AUTO_TEST_CASE(the_unix_socket_is_private_to_its_owner)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));

    // Exercise
    struct stat st {};
    BOOST_TEST_REQUIRE(::stat(h.unix_path.substr(5).c_str(), &st) == 0);

    // Check: a socket, mode 0600, in the agent socket's directory, named http.
    BOOST_TEST(S_ISSOCK(st.st_mode));
    BOOST_TEST((st.st_mode & 0777) == 0600u);
    BOOST_TEST(h.unix_path == "unix:" + (h.dir.path() / "http").string());
}

BOOST_AUTO_TEST_CASE(web_pages_cannot_use_the_tcp_listener)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    const std::string port = h.host.substr(h.host.rfind(':') + 1);
    auto get = [&](const std::string& host, std::vector<std::string> headers = {}) {
        return http_request("GET", "/killb/_api/echo/x", host, headers);
    };

    // Exercise + Check: refusals, each on its own connection, none reaching the API.
    for (const auto& [why, request] : std::vector<std::pair<std::string, std::string>>{
             {"Origin", get(h.host, {"Origin: http://evil.example"})},
             {"Origin null", get(h.host, {"Origin: null"})},
             {"Origin of the proxy itself", get(h.host, {"Origin: http://" + h.host})},
             {"cross-site", get(h.host, {"Sec-Fetch-Site: cross-site"})},
             {"same-site", get(h.host, {"Sec-Fetch-Site: same-site"})},
             {"foreign Host", get("evil.example:" + port)},
             {"foreign Host, no port", get("evil.example")},
             {"own address without the port", get("127.0.0.1")},
         })
        BOOST_TEST_CONTEXT(why) { check_refused(h.tcp, request); }
    auto no_host = h.call_raw(h.tcp, get(""));
    BOOST_TEST((status_of(no_host) == 403 || status_of(no_host) == 400), "no Host: " << status_of(no_host));
    BOOST_TEST(h.mock_total("api_requests") == 0);

    // Allowed: the listener's own address by IP or as localhost, a tool's Sec-Fetch-Site.
    BOOST_TEST(status_of(h.call_raw(h.tcp, get(h.host))) == 200);
    BOOST_TEST(status_of(h.call_raw(h.tcp, get("localhost:" + port))) == 200);
    BOOST_TEST(status_of(h.call_raw(h.tcp, get(h.host, {"Sec-Fetch-Site: same-origin"}))) == 200);
    BOOST_TEST(status_of(h.call_raw(h.tcp, get(h.host, {"Sec-Fetch-Site: none"}))) == 200);
    BOOST_TEST(h.mock_total("api_requests") == 4);
}

BOOST_AUTO_TEST_CASE(the_unix_socket_takes_any_host_but_refuses_browsers)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    auto get = [&](const std::string& host, std::vector<std::string> headers = {}) {
        return http_request("GET", "/killb/_api/echo/x", host, headers);
    };

    // Exercise + Check: the browser headers are refused there too...
    check_refused(h.unix_path, get("localhost", {"Origin: http://evil.example"}));
    check_refused(h.unix_path, get("localhost", {"Sec-Fetch-Site: cross-site"}));
    BOOST_TEST(h.mock_total("api_requests") == 0);

    // ...while any Host is fine (curl --unix-socket sends Host: localhost).
    BOOST_TEST(status_of(h.call_raw(h.unix_path, get("localhost"))) == 200);
    BOOST_TEST(status_of(h.call_raw(h.unix_path, get("evil.example:1234"))) == 200);
    BOOST_TEST(status_of(h.call_raw(h.unix_path, get(h.host))) == 200);
    BOOST_TEST(h.mock_total("api_requests") == 3);
}

BOOST_AUTO_TEST_CASE(a_refusal_on_a_kept_alive_connection_ends_it)
{
    // Setup
    proxy_harness h;
    h.start(h.killb_profile("killb"));
    http_probe conn(h.tcp);
    BOOST_TEST_REQUIRE(conn.connected());

    // Exercise: a good request, then one with Origin on the same connection.
    BOOST_TEST_REQUIRE(conn.send(http_request("GET", "/killb/_api/echo/1", h.host)));
    auto first = conn.read_response();
    BOOST_TEST_REQUIRE(conn.send(http_request("GET", "/killb/_api/echo/2", h.host, {"Origin: http://evil.example"})));
    auto second = conn.read_response();

    // Check
    BOOST_TEST(status_of(first) == 200);
    BOOST_TEST(is_tokend_error(second, 403, "permission_denied"));
    BOOST_TEST(conn.wait_closed(3s));
    BOOST_TEST(h.mock_total("api_requests") == 1);
}

BOOST_AUTO_TEST_SUITE_END()
