// SPDX-License-Identifier: MIT
// oauth2 `client_auth` (docs/providers.md, "oauth2"): the config key, the requests each style
// builds, when `auto` may try the form body, and the `refreshing` state after an invalidate.
#include "config/config.hpp"
#include "upstream/providers/provider.hpp"
#include "upstream/providers/registry.hpp"
#include "engine/refresh_state.hpp"

#include <boost/test/unit_test.hpp>

using namespace tokend::agent;
using namespace std::chrono_literals;

// Helpers live inside the suite's namespace: in a unity build an anonymous namespace would
// collide with other test files' helpers of the same name.
BOOST_AUTO_TEST_SUITE(oauth2_client_auth_unit)

constexpr std::string_view special_secret = "s+cr/t=x:y%z"; // every character Basic servers trip on

profile_config oauth2_profile(oauth2_client_auth style)
{
    profile_config p;
    p.name = "oa";
    p.provider = find_provider("oauth2");
    p.client_id = "demo-client";
    p.client_auth = style;
    return p;
}

profile_secrets with_client_secret(std::string_view value)
{
    profile_secrets s;
    s.client_secret = secret::copy_of(value);
    return s;
}

http_response answer(unsigned status, std::string body)
{
    http_response r;
    r.status = status;
    r.body.assign(body.begin(), body.end());
    return r;
}

std::string body_of(const http_request& r) { return std::string(r.body.data(), r.body.size()); }

std::string config_error_of(const std::string& text)
{
    auto c = parse_config(text, "/etc/t.toml", 0600);
    return c ? std::string() : c.error().message;
}

const std::string oauth2_head = "[profile.a]\nprovider = \"oauth2\"\ntoken_url = \"https://h/t\"\nclient_id = \"c\"\n";


BOOST_AUTO_TEST_CASE(the_config_key_takes_three_styles_and_names_a_bad_one)
{
    auto style_of = [](const std::string& text) {
        auto c = parse_config(text, "/etc/t.toml", 0600);
        BOOST_TEST_REQUIRE(c.has_value(), (c ? "" : c.error().message));
        return c->profiles[0].client_auth;
    };
    BOOST_TEST((style_of(oauth2_head) == oauth2_client_auth::auto_detect));
    BOOST_TEST((style_of(oauth2_head + "client_auth = \"auto\"\n") == oauth2_client_auth::auto_detect));
    BOOST_TEST((style_of(oauth2_head + "client_auth = \"basic\"\n") == oauth2_client_auth::basic));
    BOOST_TEST((style_of(oauth2_head + "client_auth = \"post\"\n") == oauth2_client_auth::post));

    std::string bad = config_error_of(oauth2_head + "client_auth = \"header\"\n");
    BOOST_TEST(bad == "/etc/t.toml:5: profile.a.client_auth: expected \"auto\", \"basic\" or \"post\"", bad);
    std::string elsewhere = config_error_of(
        "[profile.a]\nprovider = \"killb\"\nurl = \"https://h\"\nemail = \"e\"\nclient_auth = \"post\"\n");
    BOOST_TEST(elsewhere.starts_with("/etc/t.toml:5: profile.a.client_auth: not used by killb profiles"), elsewhere);
}

BOOST_AUTO_TEST_CASE(a_changed_style_is_a_changed_profile)
{
    // A reload keeps a profile (and what `auto` learned) only while its config is equal.
    BOOST_TEST((oauth2_profile(oauth2_client_auth::auto_detect) == oauth2_profile(oauth2_client_auth::auto_detect)));
    BOOST_TEST(!(oauth2_profile(oauth2_client_auth::auto_detect) == oauth2_profile(oauth2_client_auth::post)));
}

BOOST_AUTO_TEST_CASE(each_style_puts_the_credentials_where_it_says)
{
    const provider& oa = find_provider("oauth2")->instance();
    profile_secrets s = with_client_secret(special_secret);

    http_request basic = oa.login_request(oauth2_profile(oauth2_client_auth::basic), s);
    http_request automatic = oa.login_request(oauth2_profile(oauth2_client_auth::auto_detect), s);
    http_request post = oa.login_request(oauth2_profile(oauth2_client_auth::post), s);
    http_request post_refresh = oa.refresh_request(oauth2_profile(oauth2_client_auth::post), s, "rt");

    // base64("demo-client:s%2Bcr%2Ft%3Dx%3Ay%25z"): RFC 6749 §2.3.1, form-encoded first.
    BOOST_TEST(basic.authorization.view() == "Basic ZGVtby1jbGllbnQ6cyUyQmNyJTJGdCUzRHglM0F5JTI1eg==");
    BOOST_TEST(body_of(basic) == "grant_type=client_credentials");
    BOOST_TEST(automatic.authorization.view() == basic.authorization.view());
    BOOST_TEST(body_of(automatic) == body_of(basic));
    BOOST_TEST(post.authorization.empty());
    BOOST_TEST(body_of(post) == "grant_type=client_credentials&client_id=demo-client&client_secret=s%2Bcr%2Ft%3Dx%3Ay%25z");
    BOOST_TEST(post_refresh.authorization.empty());
    BOOST_TEST(body_of(post_refresh)
               == "grant_type=refresh_token&refresh_token=rt&client_id=demo-client&client_secret=s%2Bcr%2Ft%3Dx%3Ay%25z");
}

BOOST_AUTO_TEST_CASE(moving_to_the_body_drops_the_header)
{
    const provider& oa = find_provider("oauth2")->instance();
    profile_config p = oauth2_profile(oauth2_client_auth::auto_detect);
    profile_secrets s = with_client_secret(special_secret);
    http_request r = oa.login_request(p, s);
    oa.put_client_auth_in_body(r, p, s);
    BOOST_TEST(r.authorization.empty());
    BOOST_TEST(body_of(r) == body_of(oa.login_request(oauth2_profile(oauth2_client_auth::post), s)));
    oa.put_client_auth_in_body(r, p, s); // already there: nothing twice
    BOOST_TEST(body_of(r) == body_of(oa.login_request(oauth2_profile(oauth2_client_auth::post), s)));
}

BOOST_AUTO_TEST_CASE(auto_tries_the_body_only_for_a_refused_client_whose_credentials_encoding_changes)
{
    const provider& oa = find_provider("oauth2")->instance();
    auth_reply client_401 = oa.read_login(answer(401, R"({"error":"invalid_client","error_description":"no"})"));
    auth_reply client_400 = oa.read_login(answer(400, R"({"error":"invalid_client"})"));
    auth_reply grant_400 = oa.read_login(answer(400, R"({"error":"invalid_grant"})"));
    auth_reply forbidden = oa.read_login(answer(403, R"({"error":"invalid_client"})"));
    auth_reply no_body = oa.read_login(answer(401, ""));
    BOOST_TEST(client_401.client_refused);
    BOOST_TEST(client_400.client_refused);
    BOOST_TEST(!grant_400.client_refused);
    BOOST_TEST(!forbidden.client_refused);
    BOOST_TEST(!no_body.client_refused);

    profile_config automatic = oauth2_profile(oauth2_client_auth::auto_detect);
    profile_secrets special = with_client_secret(special_secret);
    profile_secrets plain = with_client_secret("demo-client-secret");
    BOOST_TEST(oa.client_auth_in_body_may_help(automatic, special, client_401));
    BOOST_TEST(oa.client_auth_in_body_may_help(automatic, special, client_400));
    BOOST_TEST(!oa.client_auth_in_body_may_help(automatic, special, grant_400));
    BOOST_TEST(!oa.client_auth_in_body_may_help(automatic, plain, client_401)); // would be refused the same
    BOOST_TEST(!oa.client_auth_in_body_may_help(oauth2_profile(oauth2_client_auth::basic), special, client_401));
    BOOST_TEST(!oa.client_auth_in_body_may_help(oauth2_profile(oauth2_client_auth::post), special, client_401));
    profile_config odd_id = automatic;
    odd_id.client_id = "team a";
    BOOST_TEST(oa.client_auth_in_body_may_help(odd_id, plain, client_401)); // the id counts too
    BOOST_TEST(!find_provider("killb")->instance().client_auth_in_body_may_help(automatic, special, client_401));
}

BOOST_AUTO_TEST_CASE(an_invalidated_token_reads_refreshing_not_expired)
{
    const boot_time t0 = boot_time(std::chrono::hours(1000));
    refresh_state s({5min, true}, t0);
    issued_token t;
    t.value = secret::copy_of("tok");
    t.id = "current";
    t.lifetime = 3599s;
    t.refresh_token = secret::copy_of("rt");
    s.token_arrived(std::move(t), auth_kind::login, t0, 0.0);

    BOOST_TEST_REQUIRE(s.invalidate(std::string_view("current"), t0 + 10s));
    BOOST_TEST(to_string(s.state(t0 + 10s)) == "refreshing"); // nothing failed: a renewal is due
    next_step n = s.next(t0 + 10s);
    BOOST_TEST((n.what == next_step::attempt && n.auth == auth_kind::refresh)); // the refresh token, no login
    s.attempt_started(t0 + 10s);
    BOOST_TEST(to_string(s.state(t0 + 10s)) == "refreshing");
    s.transient_failure("refresh failed: HTTP 503", duration(30s), t0 + 10s, wall_time{}, 0.5);
    s.attempt_finished();
    BOOST_TEST(to_string(s.state(t0 + 10s)) == "expired"); // that one did fail: it says so

    // An invalidate while backing off (Retry-After 30 s) starts nothing early: not `refreshing`.
    BOOST_TEST(s.invalidate(std::nullopt, t0 + 12s));
    BOOST_TEST(to_string(s.state(t0 + 12s)) == "expired");
    BOOST_TEST(to_string(s.state(t0 + 40s)) == "refreshing"); // the backoff is over: it starts now
}

BOOST_AUTO_TEST_SUITE_END()
