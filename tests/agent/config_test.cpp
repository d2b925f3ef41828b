// SPDX-License-Identifier: MIT
#include "config.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace tokend::agent;
using namespace std::chrono_literals;

namespace {

constexpr const char* full_example = R"(
[agent]
socket = "/run/user/1000/tokend/socket"
refresh_margin = "5m"
log_level = "info"
max_connections = 64
idle_timeout = 30
request_timeout = "2s"

[profile.aviate-prod]
provider = "aviate"
url = "http://127.0.0.1:8080/"
email = "ops@example.com"
password_file = "~/.config/tokend/aviate.pass"
api_key = "my-tenant"
api_secret_env = "KB_API_SECRET"
timeout = "3s"

[profile.kb]
provider = "killb"
url = "https://api.example.com"
email = "ops@example.com"
password_command = "pass show killb"
refresh_margin = 120

[profile.oa]
provider = "oauth2"
token_url = "https://idp.example.com/oauth2/token"
client_id = "cli"
client_secret_credential = "oa-secret"
scope = "read write"

[profile.key]
provider = "static"
token_env = "NOVA_KEY"
)";

std::string error_of(const std::string& text, unsigned mode = 0600)
{
    auto c = parse_config(text, "/etc/t.toml", mode);
    return c ? std::string() : c.error().message;
}

} // namespace

BOOST_AUTO_TEST_SUITE(config_parsing)

BOOST_AUTO_TEST_CASE(reads_the_contract_example)
{
    // Exercise
    auto c = parse_config(full_example, "/etc/t.toml", 0644);

    // Check
    BOOST_TEST_REQUIRE(c.has_value(), (c ? "" : c.error().message));
    BOOST_TEST(*c->agent.socket == "/run/user/1000/tokend/socket");
    BOOST_TEST(c->agent.refresh_margin == duration(5min));
    BOOST_TEST(c->agent.max_connections == 64u);
    BOOST_TEST(c->agent.idle_timeout == duration(30s));
    BOOST_TEST(c->agent.request_timeout == duration(2s));
    BOOST_TEST_REQUIRE(c->profiles.size() == 4u);
    const profile_config& av = c->profiles[0];
    BOOST_TEST(av.name == "aviate-prod");
    BOOST_TEST(!av.url.tls);
    BOOST_TEST(av.url.host == "127.0.0.1");
    BOOST_TEST(av.url.port == "8080");
    BOOST_TEST(av.url.path == "");
    BOOST_TEST((av.password.how == secret_source::kind::file));
    BOOST_TEST(av.password.where == "/etc/t.toml:14: profile.aviate-prod.password_file");
    BOOST_TEST((av.api_secret.how == secret_source::kind::env));
    BOOST_TEST(av.timeout == duration(3s));
    BOOST_TEST((c->profiles[1].password.how == secret_source::kind::command));
    BOOST_TEST(*c->profiles[1].refresh_margin == duration(120s));
    // Tables come back sorted by name: aviate-prod, kb, key, oa.
    BOOST_TEST((c->profiles[2].provider == provider_kind::static_token));
    BOOST_TEST(c->profiles[3].url.port == "443");
    BOOST_TEST(c->profiles[3].url.path == "/oauth2/token");
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_and_key)
{
    struct tc {
        std::string text;
        std::string expected;
    };
    const tc cases[] = {
        {"[agent]\nrefresh_margin = \"5 minutes\"\n", "/etc/t.toml:2: agent.refresh_margin: expected a duration"},
        {"[agent]\nsoket = \"/x\"\n", "/etc/t.toml:2: agent.soket: unknown key"},
        {"[agent]\nlog_level = \"loud\"\n", "/etc/t.toml:2: agent.log_level: expected error, warn, info or debug"},
        {"[profile.a]\nprovider = \"aviate\"\nurl = \"http://127.0.0.1\"\nemail = \"e\"\npasword_file = \"/p\"\n",
         "/etc/t.toml:5: profile.a.pasword_file: unknown key"},
        {"[profile.a]\nprovider = \"avaite\"\n", "/etc/t.toml:2: profile.a.provider: expected aviate, killb"},
        {"[profile.a]\nprovider = \"aviate\"\nemail = \"e\"\n", "/etc/t.toml:1: profile.a: missing url"},
        {"[profile.a]\nprovider = \"killb\"\nurl = \"http://api.example.com\"\nemail = \"e\"\n",
         "/etc/t.toml:3: profile.a.url: plain http:// is only allowed to loopback hosts"},
        {"[profile.a]\nprovider = \"killb\"\nurl = \"https://h\"\nemail = \"e\"\npassword_env = \"A\"\npassword_file = \"/b\"\n",
         "/etc/t.toml:6: profile.a.password_file: password is already given by /etc/t.toml:5: profile.a.password_env"},
        {"[profile.a]\nprovider = \"killb\"\nurl = \"https://h\"\nemail = \"e\"\napi_key = \"k\"\n",
         "/etc/t.toml:5: profile.a.api_key: not used by killb profiles"},
        {"[profile.a]\nprovider = \"killb\"\nurl = \"https://h\"\nemail = \"e\"\ntimeout = \"0s\"\n",
         "/etc/t.toml:5: profile.a.timeout: must be positive"},
        {"[profile.\"a b\"]\nprovider = \"static\"\n", "/etc/t.toml:1: profile.a b: a profile name is"},
        {"[profile.a]\nprovider = \"static\"\ntoken_credential = \"../x\"\n", "/etc/t.toml:3: profile.a.token_credential: a credential id"},
        {"[profile.a]\nprovider = \"oauth2\"\ntoken_url = \"https://h/t\"\n", "/etc/t.toml:1: profile.a: missing client_id"},
        {"x = 1\n", "/etc/t.toml:1: x: unknown key"},
        {"[agent\n", "/etc/t.toml:1: "},
    };
    for (const tc& c : cases) {
        BOOST_TEST_CONTEXT(c.text)
        {
            std::string e = error_of(c.text);
            BOOST_TEST(e.starts_with(c.expected), e);
        }
    }
}

BOOST_AUTO_TEST_CASE(inline_secrets_need_a_private_file)
{
    const std::string text = "[profile.a]\nprovider = \"static\"\ntoken = \"sk_live_abc\"\n";
    BOOST_TEST(error_of(text, 0600).empty());
    std::string e = error_of(text, 0640);
    BOOST_TEST(e.starts_with("/etc/t.toml:3: profile.a.token: an inline secret needs a config file only you can read"), e);
    BOOST_TEST(e.find("sk_live_abc") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_profile_without_a_password_is_valid)
{
    auto c = parse_config("[profile.a]\nprovider = \"novabilling\"\nurl = \"http://localhost:3000\"\nemail = \"e\"\n", "t", 0600);
    BOOST_TEST_REQUIRE(c.has_value());
    BOOST_TEST((c->profiles[0].primary_secret().how == secret_source::kind::none));
}

BOOST_AUTO_TEST_CASE(equal_profiles_compare_equal_across_line_moves)
{
    auto a = parse_config("[profile.a]\nprovider = \"static\"\ntoken_env = \"X\"\n", "t", 0600);
    auto b = parse_config("\n\n[profile.a]\ntoken_env = \"X\"\nprovider = \"static\"\n", "t", 0600);
    auto c = parse_config("[profile.a]\nprovider = \"static\"\ntoken_env = \"Y\"\n", "t", 0600);
    BOOST_TEST_REQUIRE((a && b && c));
    BOOST_TEST((a->profiles[0] == b->profiles[0]));
    BOOST_TEST(!(a->profiles[0] == c->profiles[0]));
}

BOOST_AUTO_TEST_SUITE_END()
