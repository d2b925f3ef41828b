// SPDX-License-Identifier: MIT
// The proxy's browser rules (agent/src/proxy/browser_rules.hpp), one table row per case: which
// Host names a listener answers to, and that Origin and a cross-site Sec-Fetch-Site are refused.
#include "proxy/browser_rules.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace tokend::agent;
namespace ip = boost::asio::ip;

BOOST_AUTO_TEST_SUITE(browser_rules)

namespace browser_rules_table {

using header = std::optional<std::string_view>;
constexpr std::nullopt_t absent = std::nullopt;

struct row {
    const char* name;
    proxy_listener listener;
    browser_headers headers;
    bool allowed;
    std::string_view reason_has; // a piece of the 403 reason; empty when allowed
};

proxy_listener tcp(const char* address, unsigned short port)
{
    return {ip::tcp::endpoint(ip::make_address(address), port)};
}

const proxy_listener v4 = tcp("127.0.0.1", 8787);
const proxy_listener v6 = tcp("::1", 8787);
const proxy_listener unix_socket{};

std::vector<row> rows()
{
    return {
        {"v4 own address", v4, {"127.0.0.1:8787", absent, absent}, true, ""},
        {"v4 localhost", v4, {"localhost:8787", absent, absent}, true, ""},
        {"v4 LOCALHOST in capitals", v4, {"LOCALHOST:8787", absent, absent}, true, ""},
        {"v6 own address", v6, {"[::1]:8787", absent, absent}, true, ""},
        {"v6 localhost", v6, {"localhost:8787", absent, absent}, true, ""},
        {"DNS rebinding name", v4, {"evil.example:8787", absent, absent}, false, "does not name this listener"},
        {"missing port", v4, {"127.0.0.1", absent, absent}, false, "does not name this listener"},
        {"localhost without port", v4, {"localhost", absent, absent}, false, "does not name this listener"},
        {"wrong port", v4, {"127.0.0.1:8788", absent, absent}, false, "does not name this listener"},
        {"port with a leading zero", v4, {"127.0.0.1:08787", absent, absent}, false, "does not name this listener"},
        {"empty port", v4, {"127.0.0.1:", absent, absent}, false, "does not name this listener"},
        {"[::1] on a v4 listener", v4, {"[::1]:8787", absent, absent}, false, "expected 127.0.0.1:8787 or localhost:8787"},
        {"127.0.0.1 on a v6 listener", v6, {"127.0.0.1:8787", absent, absent}, false, "expected [::1]:8787 or localhost:8787"},
        {"localhost with a trailing dot", v4, {"localhost.:8787", absent, absent}, false, "does not name this listener"},
        {"rebinding name ending in localhost", v4, {"evil.localhost:8787", absent, absent}, false, "does not name"},
        {"empty Host", v4, {"", absent, absent}, false, "does not name this listener"},
        {"missing Host on TCP", v4, {absent, absent, absent}, false, "no Host header"},
        {"port 80 may be left out", tcp("127.0.0.1", 80), {"127.0.0.1", absent, absent}, true, ""},
        {"port 80 may be written", tcp("127.0.0.1", 80), {"localhost:80", absent, absent}, true, ""},
        {"another loopback address", tcp("127.0.0.2", 8787), {"127.0.0.2:8787", absent, absent}, true, ""},
        {"Origin null", v4, {"127.0.0.1:8787", "null", absent}, false, "Origin"},
        {"Origin of a page", v4, {"127.0.0.1:8787", "https://evil.example", absent}, false, "Origin"},
        {"empty Origin", v4, {"127.0.0.1:8787", "", absent}, false, "Origin"},
        {"Sec-Fetch-Site cross-site", v4, {"127.0.0.1:8787", absent, "cross-site"}, false, "Sec-Fetch-Site"},
        {"Sec-Fetch-Site same-site", v4, {"127.0.0.1:8787", absent, "same-site"}, false, "Sec-Fetch-Site"},
        {"Sec-Fetch-Site empty", v4, {"127.0.0.1:8787", absent, ""}, false, "Sec-Fetch-Site"},
        {"Sec-Fetch-Site none", v4, {"127.0.0.1:8787", absent, "none"}, true, ""},
        {"Sec-Fetch-Site same-origin", v4, {"127.0.0.1:8787", absent, "same-origin"}, true, ""},
        {"unix: any Host", unix_socket, {"evil.example", absent, absent}, true, ""},
        {"unix: no Host", unix_socket, {absent, absent, absent}, true, ""},
        {"unix: Origin still refused", unix_socket, {"localhost", "null", absent}, false, "Origin"},
        {"unix: cross-site still refused", unix_socket, {"localhost", absent, "cross-site"}, false, "Sec-Fetch-Site"},
        {"unix: Sec-Fetch-Site none", unix_socket, {"localhost", absent, "none"}, true, ""},
    };
}

} // namespace browser_rules_table
using namespace browser_rules_table;

BOOST_AUTO_TEST_CASE(every_row_of_the_table)
{
    for (const auto& r : rows()) {
        BOOST_TEST_CONTEXT(r.name)
        {
            // Exercise
            const auto decision = check_browser_rules(r.listener, r.headers);

            // Check
            BOOST_TEST(decision.allowed == r.allowed);
            if (r.allowed) {
                BOOST_TEST(decision.reason.empty());
            } else {
                BOOST_TEST(decision.reason.find(r.reason_has) != std::string::npos, decision.reason);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_refusal_never_echoes_what_the_request_sent)
{
    // Header values are chosen by a web page: a reason must not carry them into a response.
    const browser_headers hostile{"<script>x</script>:8787", "https://<b>evil</b>", "\r\nX-Injected: 1"};
    for (const auto& listener : {v4, v6, unix_socket}) {
        const auto decision = check_browser_rules(listener, hostile);
        BOOST_TEST_REQUIRE(!decision.allowed);
        BOOST_TEST(decision.reason.find('<') == std::string::npos, decision.reason);
        BOOST_TEST(decision.reason.find("evil") == std::string::npos, decision.reason);
        BOOST_TEST(decision.reason.find('\r') == std::string::npos);
        BOOST_TEST(decision.reason.find("Injected") == std::string::npos);
    }
    const browser_headers cross{"localhost:8787", absent, "\r\nX-Injected: 1"};
    const auto decision = check_browser_rules(v4, cross);
    BOOST_TEST_REQUIRE(!decision.allowed);
    BOOST_TEST(decision.reason.find("Injected") == std::string::npos, decision.reason);
}

BOOST_AUTO_TEST_SUITE_END()
