// SPDX-License-Identifier: MIT
#include "upstream/url.hpp"

#include <boost/test/unit_test.hpp>

using namespace tokend::agent;

BOOST_AUTO_TEST_SUITE(urls)

BOOST_AUTO_TEST_CASE(parses_hosts_ports_and_paths)
{
    auto e = parse_endpoint("https://Billing.Example.com:8443/kb/", false);
    BOOST_TEST_REQUIRE(e.has_value());
    BOOST_TEST(e->host == "billing.example.com");
    BOOST_TEST(e->port == "8443");
    BOOST_TEST(e->path == "/kb");
    auto v6 = parse_endpoint("http://[::1]:9000", false);
    BOOST_TEST_REQUIRE(v6.has_value());
    BOOST_TEST(v6->host == "::1");
    BOOST_TEST(to_string(*v6) == "http://[::1]:9000");
}

BOOST_AUTO_TEST_CASE(plain_http_only_to_loopback_unless_allowed)
{
    BOOST_TEST(parse_endpoint("http://127.0.0.1", false).has_value());
    BOOST_TEST(parse_endpoint("http://127.9.9.9:80", false).has_value());
    BOOST_TEST(parse_endpoint("http://localhost:3000", false).has_value());
    BOOST_TEST(!parse_endpoint("http://10.0.0.1", false).has_value());
    BOOST_TEST(!parse_endpoint("http://128.0.0.1", false).has_value());
    BOOST_TEST(parse_endpoint("http://10.0.0.1", true).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_a_base_url)
{
    for (const char* bad : {"ftp://h", "https://", "https://user:pw@h", "https://h:0", "https://h:70000", "http://127.0.0.1:",
                            "https://h/p?x=1", "https://[::1", "h.example.com"})
        BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!parse_endpoint(bad, true).has_value()); }
}

BOOST_AUTO_TEST_SUITE_END()
