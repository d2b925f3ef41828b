// SPDX-License-Identifier: MIT
// What each provider sends and how it reads every kind of answer, without a network.
#include "http_answer.hpp"
#include "upstream/providers/provider.hpp"
#include "upstream/providers/registry.hpp"

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace tokend::agent;
using tokend::agent::testing::http_answer;
using namespace std::chrono_literals;

namespace {

profile_config profile_of(std::string_view k)
{
    profile_config p;
    p.name = "p";
    p.provider = find_provider(k);
    p.email = "ops@example.com";
    p.client_id = "my client";
    return p;
}

profile_secrets with_password(const char* pw)
{
    profile_secrets s;
    s.password = secret::copy_of(pw);
    return s;
}

std::string body_of(const http_request& r) { return std::string(r.body.data(), r.body.size()); }

} // namespace

BOOST_AUTO_TEST_SUITE(providers)

BOOST_AUTO_TEST_CASE(aviate_logs_in_with_basic_and_serves_tenant_headers)
{
    // Setup
    profile_config p = profile_of("aviate");
    p.email = "demo@example.com";
    p.api_key = "demo-tenant";
    profile_secrets s = with_password("demo-password");
    s.api_secret = secret::copy_of("demo-secret");
    const provider& av = find_provider("aviate")->instance();

    // Exercise
    http_request r = av.login_request(p, s);
    auto headers = av.extra_headers(p, s);

    // Check
    BOOST_TEST(r.target == "/plugins/aviate-plugin/v1/auth");
    BOOST_TEST(r.authorization.view() == "Basic ZGVtb0BleGFtcGxlLmNvbTpkZW1vLXBhc3N3b3Jk");
    BOOST_TEST(r.body.empty());
    BOOST_TEST(r.content_type.empty());
    BOOST_TEST(!av.can_refresh());
    BOOST_TEST_REQUIRE(headers.size() == 2u);
    BOOST_TEST(headers[0].first == "X-Killbill-ApiKey");
    BOOST_TEST(headers[1].second.view() == "demo-secret");
    auto ok = av.read_login(http_answer(200, R"({"token":"eyJ.a.b"})"));
    BOOST_TEST((ok.result == auth_reply::outcome::ok));
    BOOST_TEST(ok.access_token.view() == "eyJ.a.b");
}

BOOST_AUTO_TEST_CASE(killb_sends_json_and_reads_expires_in_as_milliseconds)
{
    const provider& kb = find_provider("killb")->instance();
    http_request login = kb.login_request(profile_of("killb"), with_password("p\"w"));
    BOOST_TEST(login.target == "/api/v2/auth/login");
    BOOST_TEST(login.content_type == "application/json");
    BOOST_TEST(body_of(login) == R"({"email":"ops@example.com","password":"p\"w"})");
    http_request refresh = kb.refresh_request(profile_of("killb"), {}, "rt-1");
    BOOST_TEST(refresh.target == "/api/v2/auth/refresh");
    BOOST_TEST(body_of(refresh) == R"({"refreshToken":"rt-1"})");

    auto r = kb.read_login(http_answer(201, R"({"accessToken":"opaque","expiresIn":3600000,"refreshToken":"rt-2"})"));
    BOOST_TEST((r.result == auth_reply::outcome::ok));
    BOOST_TEST((r.expires_in == duration(3600s)));
    BOOST_TEST(r.refresh_token->view() == "rt-2");
}

BOOST_AUTO_TEST_CASE(killb_error_bodies_become_clear_messages)
{
    const provider& kb = find_provider("killb")->instance();
    auto r = kb.read_login(http_answer(401, R"({"errorCode":"AUTH.0001","message":["Invalid credentials"],"statusCode":"401"})"));
    BOOST_TEST((r.result == auth_reply::outcome::rejected));
    BOOST_TEST(r.message == "login refused: HTTP 401 (AUTH.0001: Invalid credentials)");
    auto rr = kb.read_refresh(http_answer(401, R"({"errorCode":"AUTH.0003","message":["Invalid token"],"statusCode":"401"})"));
    BOOST_TEST((rr.result == auth_reply::outcome::rejected));
    BOOST_TEST(rr.message.starts_with("refresh refused: HTTP 401"));
}

BOOST_AUTO_TEST_CASE(novabilling_never_keeps_the_tenant_secrets_of_the_login_body)
{
    const provider& nb = find_provider("novabilling")->instance();
    auto r = nb.read_login(http_answer(200, R"({"tenant":{"apiKey":"sk_live_x","webhookSecret":"whsec_y"},"accessToken":"a.b.c","refreshToken":"r.s.t"})"));
    BOOST_TEST((r.result == auth_reply::outcome::ok));
    BOOST_TEST(!r.expires_in.has_value()); // no expiresIn: the JWT's exp decides
    BOOST_TEST(r.message.empty());
    BOOST_TEST(nb.login_request(profile_of("novabilling"), with_password("x")).target == "/api/auth/login");
}

BOOST_AUTO_TEST_CASE(throttling_reads_retry_after_from_header_and_body)
{
    const provider& nb = find_provider("novabilling")->instance();
    auto real = nb.read_login(http_answer(429, R"({"statusCode":429,"message":"ThrottlerException: Too Many Requests"})", "60"));
    BOOST_TEST((real.result == auth_reply::outcome::transient));
    BOOST_TEST((real.retry_after == duration(60s)));
    auto docs = nb.read_refresh(http_answer(429, R"({"statusCode":429,"message":"Rate limit exceeded","retryAfter":30})"));
    BOOST_TEST((docs.retry_after == duration(30s)));
    auto both = nb.read_refresh(http_answer(429, R"({"retryAfter":30})", "45"));
    BOOST_TEST((both.retry_after == duration(45s)));
}

BOOST_AUTO_TEST_CASE(every_non_refusal_failure_is_transient)
{
    const provider& kb = find_provider("killb")->instance();
    for (auto [status, body] : {std::pair{500u, "{}"}, {502u, "<html>"}, {503u, ""}, {404u, "{}"}, {200u, "<html>oops"},
                                {201u, R"({"refreshToken":"only"})"}, {200u, "[]"}}) {
        BOOST_TEST_CONTEXT(status << " " << body)
        {
            auto r = kb.read_login(http_answer(status, body));
            BOOST_TEST((r.result == auth_reply::outcome::transient));
            BOOST_TEST(!r.message.empty());
            BOOST_TEST(r.message.find("oops") == std::string::npos); // bodies are never echoed
        }
    }
    for (unsigned status : {400u, 401u, 403u})
        BOOST_TEST((kb.read_login(http_answer(status, "")).result == auth_reply::outcome::rejected));
}

BOOST_AUTO_TEST_CASE(oauth2_uses_form_bodies_and_basic_client_auth)
{
    // Setup
    const provider& oa = find_provider("oauth2")->instance();
    profile_config p = profile_of("oauth2");
    p.scope = "read write";
    profile_secrets s;
    s.client_secret = secret::copy_of("s&cr=t");

    // Exercise
    http_request cc = oa.login_request(p, s);
    p.grant = oauth2_grant::password;
    s.password = secret::copy_of("pw +");
    http_request pw = oa.login_request(p, s);
    http_request rt = oa.refresh_request(p, s, "rt/1");

    // Check: RFC 6749 §2.3.1, id and secret form-encoded inside Basic.
    BOOST_TEST(cc.content_type == "application/x-www-form-urlencoded");
    BOOST_TEST(body_of(cc) == "grant_type=client_credentials&scope=read+write");
    BOOST_TEST(cc.authorization.view() == "Basic bXkrY2xpZW50OnMlMjZjciUzRHQ="); // my+client:s%26cr%3Dt
    BOOST_TEST(body_of(pw) == "grant_type=password&username=ops%40example.com&password=pw+%2B&scope=read+write");
    BOOST_TEST(body_of(rt) == "grant_type=refresh_token&refresh_token=rt%2F1");
}

BOOST_AUTO_TEST_CASE(oauth2_public_clients_name_themselves_in_the_body)
{
    profile_config p = profile_of("oauth2");
    p.grant = oauth2_grant::password;
    http_request r = find_provider("oauth2")->instance().login_request(p, with_password("x"));
    BOOST_TEST(r.authorization.empty());
    BOOST_TEST(body_of(r).ends_with("&client_id=my+client"));
}

BOOST_AUTO_TEST_CASE(oauth2_reads_tokens_and_rfc6749_errors)
{
    const provider& oa = find_provider("oauth2")->instance();
    auto ok = oa.read_login(http_answer(200, R"({"access_token":"at","token_type":"Bearer","expires_in":"120","refresh_token":"rt"})"));
    BOOST_TEST((ok.result == auth_reply::outcome::ok));
    BOOST_TEST((ok.expires_in == duration(120s)));
    auto bad = oa.read_login(http_answer(400, R"({"error":"invalid_grant","error_description":"Bad\nuser credentials"})"));
    BOOST_TEST((bad.result == auth_reply::outcome::rejected));
    BOOST_TEST(bad.message == "token request refused: HTTP 400 (invalid_grant: Bad user credentials)");
    auto client = oa.read_login(http_answer(401, R"({"error":"invalid_client"})"));
    BOOST_TEST((client.result == auth_reply::outcome::rejected));
}

// An HTTP-date Retry-After counts from when the answer arrived, by the profile's clock
// (providers read no clock; upstream/providers/provider.hpp).
BOOST_AUTO_TEST_CASE(an_http_date_retry_after_counts_from_the_answers_arrival)
{
    using namespace std::chrono;
    http_response r = http_answer(503, "{}", "Sun, 06 Nov 1994 08:49:37 GMT");
    r.received = sys_days{year{1994} / November / 6} + 8h + 47min + 37s;
    auto reply = find_provider("killb")->instance().read_login(r);
    BOOST_TEST((reply.result == auth_reply::outcome::transient));
    BOOST_TEST((reply.retry_after == tokend::agent::duration(120s)));
}

// One descriptor per provider (upstream/providers/registry.hpp); config and profile ask it.
BOOST_AUTO_TEST_CASE(every_provider_has_one_descriptor)
{
    for (std::string_view name : {"aviate", "killb", "novabilling", "oauth2", "static"}) {
        BOOST_TEST_CONTEXT(name)
        {
            const provider_descriptor* d = find_provider(name);
            BOOST_TEST_REQUIRE(d != nullptr);
            BOOST_TEST(d->name == name);
            BOOST_TEST(to_string(d) == name);
            BOOST_TEST(d->instance().needs_upstream() == !d->url_key.empty());
            BOOST_TEST((d->url_key.empty() || d->takes(d->url_key)));
        }
    }
    BOOST_TEST(!find_provider("avaite"));
    BOOST_TEST(!find_provider(""));
    BOOST_TEST(provider_names() == "aviate, killb, novabilling, oauth2 or static");
    BOOST_TEST(default_provider() == find_provider("aviate"));
    BOOST_TEST(!find_provider("static")->instance().can_refresh());
    BOOST_TEST(find_provider("oauth2")->instance().can_refresh());
}

// The keys each provider takes, as config.cpp's switch had them before the table.
BOOST_AUTO_TEST_CASE(descriptors_list_the_keys_each_provider_takes)
{
    struct row {
        const char* provider;
        std::vector<const char*> takes, refuses;
    };
    const row rows[] = {
        {"aviate", {"url", "email", "api_key", "api_secret_file", "password_command", "ca_file", "refresh_margin"},
         {"client_id", "token", "token_url", "scope", "grant", "username", "client_secret"}},
        {"killb", {"url", "email", "password_env", "timeout", "allow_insecure_http"},
         {"api_key", "api_secret", "token_file", "client_auth", "username"}},
        {"oauth2", {"token_url", "username", "email", "client_id", "client_secret_env", "password", "scope", "grant",
                    "client_auth"},
         {"url", "api_key", "api_secret", "token", "token_file"}},
        {"static", {"token_credential", "token", "url", "ca_file", "timeout", "allow_insecure_http"},
         {"refresh_margin", "email", "client_auth", "password", "token_url", "scope", "api_key"}},
    };
    for (const row& r : rows) {
        const provider_descriptor* d = find_provider(r.provider);
        BOOST_TEST_REQUIRE(d != nullptr);
        for (const char* k : r.takes)
            BOOST_TEST_CONTEXT(r.provider << " takes " << k) { BOOST_TEST(d->takes(k)); }
        for (const char* k : r.refuses)
            BOOST_TEST_CONTEXT(r.provider << " refuses " << k) { BOOST_TEST(!d->takes(k)); }
    }
}

BOOST_AUTO_TEST_CASE(primary_secrets_and_required_keys_come_from_the_descriptor)
{
    profile_config oauth = profile_of("oauth2");
    BOOST_TEST(&oauth.primary_secret() == &oauth.client_secret);
    BOOST_TEST(find_provider("oauth2")->missing_key(oauth) == "");
    oauth.grant = oauth2_grant::password;
    BOOST_TEST(&oauth.primary_secret() == &oauth.password);
    BOOST_TEST(find_provider("oauth2")->missing_key(oauth) == "client_secret");
    profile_config fixed = profile_of("static");
    BOOST_TEST(&fixed.primary_secret() == &fixed.token);
    profile_config av = profile_of("aviate");
    BOOST_TEST(&av.primary_secret() == &av.password);
    av.email.clear();
    BOOST_TEST(find_provider("aviate")->missing_key(av) == "email");
}

BOOST_AUTO_TEST_SUITE_END()
