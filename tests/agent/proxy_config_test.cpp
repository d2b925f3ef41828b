// SPDX-License-Identifier: MIT
// [proxy] and api_url (docs/proxy.md, "Configuration").
#include "config/config.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace tokend::agent;

BOOST_AUTO_TEST_SUITE(proxy_config)

namespace {

config_result<config> parse(const std::string& text)
{
    return parse_config(text, "/etc/t.toml", 0600);
}

std::string error_of(const std::string& text)
{
    auto c = parse(text);
    BOOST_REQUIRE(!c);
    return c.error().message;
}

const std::string killb = "[profile.k]\nprovider = \"killb\"\nurl = \"https://api.example.com/base\"\nemail = \"e\"\n";

} // namespace

BOOST_AUTO_TEST_CASE(the_proxy_is_off_by_default_with_a_one_mebibyte_replay_limit)
{
    auto c = parse(killb);
    BOOST_REQUIRE(c);
    BOOST_TEST(c->proxy.listen.empty());
    BOOST_TEST(c->proxy.replay_limit == 1024u * 1024u);
}

BOOST_AUTO_TEST_CASE(listen_takes_unix_and_loopback_addresses_with_their_ports)
{
    auto c = parse("[proxy]\nlisten = [\"unix\", \"127.0.0.1:8787\", \"127.1.2.3:0\", \"[::1]:9000\"]\nreplay_limit = 4096\n");
    BOOST_REQUIRE(c);
    const auto& l = c->proxy.listen;
    BOOST_REQUIRE_EQUAL(l.size(), 4u);
    BOOST_TEST(l[0].unix_socket);
    BOOST_TEST(l[1].address == "127.0.0.1");
    BOOST_TEST(l[1].port == 8787);
    BOOST_TEST(l[2].port == 0);
    BOOST_TEST(l[3].address == "::1");
    BOOST_TEST(l[3].port == 9000);
    BOOST_TEST(c->proxy.replay_limit == 4096u);
}

BOOST_AUTO_TEST_CASE(anything_but_loopback_is_a_config_error_naming_file_line_and_key)
{
    for (std::string bad : {"0.0.0.0:8787", "192.168.1.2:80", "[::]:8787", "localhost:8787", "10.0.0.1:1"}) {
        std::string e = error_of("[proxy]\n\nlisten = [\"" + bad + "\"]\n");
        BOOST_TEST_INFO(bad);
        BOOST_TEST(e.starts_with("/etc/t.toml:3: proxy.listen:"));
        BOOST_TEST_INFO(e);
        BOOST_TEST((e.find("not a loopback address") != std::string::npos
                    || e.find("expected \"unix\" or a loopback address") != std::string::npos));
    }
}

BOOST_AUTO_TEST_CASE(malformed_listen_entries_and_keys_are_errors)
{
    BOOST_TEST(error_of("[proxy]\nlisten = \"unix\"\n").find("proxy.listen: expected a list") != std::string::npos);
    BOOST_TEST(error_of("[proxy]\nlisten = [\"127.0.0.1\"]\n").find("proxy.listen") != std::string::npos);
    BOOST_TEST(error_of("[proxy]\nlisten = [\"127.0.0.1:65536\"]\n").find("0 to 65535") != std::string::npos);
    BOOST_TEST(error_of("[proxy]\nlisten = [\"unix\", \"unix\"]\n").find("listed twice") != std::string::npos);
    BOOST_TEST(error_of("[proxy]\nreplay_limit = -1\n").find("proxy.replay_limit") != std::string::npos);
    BOOST_TEST(error_of("[proxy]\nport = 1\n").find("proxy.port: unknown key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(api_url_defaults_to_url_and_may_point_elsewhere)
{
    auto c = parse(killb);
    BOOST_REQUIRE(c);
    BOOST_REQUIRE(c->profiles[0].api_url.value);
    BOOST_TEST(c->profiles[0].api_url.value->host == "api.example.com");
    BOOST_TEST(c->profiles[0].api_url.value->path == "/base");

    c = parse(killb + "api_url = \"https://billing.example.com:8443/v1\"\n");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->profiles[0].api_url.value->host == "billing.example.com");
    BOOST_TEST(c->profiles[0].api_url.value->port == "8443");
    BOOST_TEST(c->profiles[0].api_url.value->path == "/v1");
}

BOOST_AUTO_TEST_CASE(api_url_follows_the_plain_http_rule_and_oauth2_has_no_default)
{
    std::string e = error_of(killb + "api_url = \"http://billing.example.com/v1\"\n");
    BOOST_TEST(e.starts_with("/etc/t.toml:5: profile.k.api_url:"));
    auto loopback = parse(killb + "api_url = \"http://127.0.0.1:9000\"\n");
    BOOST_REQUIRE(loopback);
    BOOST_TEST(loopback->profiles[0].api_url.value->loopback_only);

    auto oauth = parse("[profile.o]\nprovider = \"oauth2\"\ntoken_url = \"https://idp.example.com/token\"\n"
                       "client_id = \"c\"\nclient_secret_env = \"S\"\n");
    BOOST_REQUIRE(oauth);
    BOOST_TEST(!oauth->profiles[0].api_url.value);
}

BOOST_AUTO_TEST_CASE(changing_only_api_url_keeps_the_profile_equal)
{
    auto a = parse(killb), b = parse(killb + "api_url = \"https://other.example.com\"\n");
    BOOST_REQUIRE(a);
    BOOST_REQUIRE(b);
    BOOST_TEST((a->profiles[0] == b->profiles[0])); // a reload keeps its token and adopts the new target
}

BOOST_AUTO_TEST_SUITE_END()
