// SPDX-License-Identifier: MIT
#include "upstream/endpoint.hpp"

#include <boost/test/unit_test.hpp>

using namespace tokend::agent;

BOOST_AUTO_TEST_SUITE(endpoint_parsing)

BOOST_AUTO_TEST_CASE(parses_hosts_ports_and_paths)
{
    auto e = parse_endpoint("https://Billing.Example.com:8443/kb/", false);
    BOOST_TEST_REQUIRE(e.has_value());
    BOOST_TEST(e->tls);
    BOOST_TEST(e->host == "billing.example.com");
    BOOST_TEST(e->port == "8443");
    BOOST_TEST(e->path == "/kb");
    auto v6 = parse_endpoint("http://[::1]:9000", false);
    BOOST_TEST_REQUIRE(v6.has_value());
    BOOST_TEST(!v6->tls);
    BOOST_TEST(v6->host == "::1");
    BOOST_TEST(v6->port == "9000");
    BOOST_TEST(v6->path == "");
    BOOST_TEST(v6->loopback_only);
    auto plain = parse_endpoint("https://h.example/a%20b", false);
    BOOST_TEST_REQUIRE(plain.has_value());
    BOOST_TEST(plain->port == "443");
    BOOST_TEST(plain->path == "/a%20b"); // sent as written
}

BOOST_AUTO_TEST_CASE(plain_http_only_to_loopback_unless_allowed)
{
    BOOST_TEST(parse_endpoint("http://127.0.0.1", false).has_value());
    BOOST_TEST(parse_endpoint("http://127.9.9.9:80", false).has_value());
    BOOST_TEST(parse_endpoint("http://localhost:3000", false).has_value());
    BOOST_TEST(!parse_endpoint("http://10.0.0.1", false).has_value());
    BOOST_TEST(!parse_endpoint("http://128.0.0.1", false).has_value());
    BOOST_TEST(parse_endpoint("http://10.0.0.1", true).has_value());
    BOOST_TEST(!parse_endpoint("http://10.0.0.1", true)->loopback_only);
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_a_base_url)
{
    for (const char* bad : {"ftp://h", "https://", "https://user:pw@h", "https://h:0", "https://h:70000", "http://127.0.0.1:",
                            "https://h/p?x=1", "https://h/p#f", "https://[::1", "h.example.com", "https:h.example.com",
                            // accepted before Boost.URL did the parsing (issue 15)
                            "https://exa mple.com/", "https://ho%st/", "https://ho%41st/", "https://h/a b",
                            "https://h/%zz", "https://[v1.x]/", "https://h:8x/"})
        BOOST_TEST_CONTEXT(bad)
        {
            auto e = parse_endpoint(bad, true);
            BOOST_TEST_REQUIRE(!e.has_value());
            BOOST_TEST((e.error().code == agent_errc::config));
            BOOST_TEST(!e.error().message().empty());
        }
}

BOOST_AUTO_TEST_CASE(messages_say_what_to_fix)
{
    BOOST_TEST(parse_endpoint("https://exa mple.com/", false).error().message()
               == "a URL has no spaces; percent-encode them as %20");
    BOOST_TEST(parse_endpoint("https://user:pw@h/", false).error().message()
               == "credentials do not belong in the URL; use the profile's secret keys");
    BOOST_TEST(parse_endpoint("http://10.0.0.1", false).error().message()
               == "plain http:// is only allowed to loopback hosts; use https:// or set allow_insecure_http = true");
    BOOST_TEST(parse_endpoint("https://h:70000", false).error().message() == "invalid port");
    BOOST_TEST(parse_endpoint("http://127.0.0.1:", false).error().message() == "missing port after ':'");
}

BOOST_AUTO_TEST_SUITE_END()
