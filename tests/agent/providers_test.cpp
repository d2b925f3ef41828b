// SPDX-License-Identifier: MIT
// What each provider sends and how it reads every kind of answer, without a network.
#include "upstream/providers/provider.hpp"

#include <boost/test/unit_test.hpp>

using namespace tokend::agent;
using namespace std::chrono_literals;

namespace {

profile_config profile_of(provider_kind k)
{
    profile_config p;
    p.name = "p";
    p.provider = k;
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

http_response http_answer(unsigned status, std::string body, std::string retry_after = {})
{
    http_response r;
    r.status = status;
    r.body.assign(body.begin(), body.end());
    r.retry_after = std::move(retry_after);
    return r;
}

std::string body_of(const http_request& r) { return std::string(r.body.data(), r.body.size()); }

} // namespace

BOOST_AUTO_TEST_SUITE(providers)

BOOST_AUTO_TEST_CASE(aviate_logs_in_with_basic_and_serves_tenant_headers)
{
    // Setup
    profile_config p = profile_of(provider_kind::aviate);
    p.email = "demo@example.com";
    p.api_key = "demo-tenant";
    profile_secrets s = with_password("demo-password");
    s.api_secret = secret::copy_of("demo-secret");
    const provider& av = provider_for(provider_kind::aviate);

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
    const provider& kb = provider_for(provider_kind::killb);
    http_request login = kb.login_request(profile_of(provider_kind::killb), with_password("p\"w"));
    BOOST_TEST(login.target == "/api/v2/auth/login");
    BOOST_TEST(login.content_type == "application/json");
    BOOST_TEST(body_of(login) == R"({"email":"ops@example.com","password":"p\"w"})");
    http_request refresh = kb.refresh_request(profile_of(provider_kind::killb), {}, "rt-1");
    BOOST_TEST(refresh.target == "/api/v2/auth/refresh");
    BOOST_TEST(body_of(refresh) == R"({"refreshToken":"rt-1"})");

    auto r = kb.read_login(http_answer(201, R"({"accessToken":"opaque","expiresIn":3600000,"refreshToken":"rt-2"})"));
    BOOST_TEST((r.result == auth_reply::outcome::ok));
    BOOST_TEST((r.expires_in == duration(3600s)));
    BOOST_TEST(r.refresh_token->view() == "rt-2");
}

BOOST_AUTO_TEST_CASE(killb_error_bodies_become_clear_messages)
{
    const provider& kb = provider_for(provider_kind::killb);
    auto r = kb.read_login(http_answer(401, R"({"errorCode":"AUTH.0001","message":["Invalid credentials"],"statusCode":"401"})"));
    BOOST_TEST((r.result == auth_reply::outcome::rejected));
    BOOST_TEST(r.message == "login refused: HTTP 401 (AUTH.0001: Invalid credentials)");
    auto rr = kb.read_refresh(http_answer(401, R"({"errorCode":"AUTH.0003","message":["Invalid token"],"statusCode":"401"})"));
    BOOST_TEST((rr.result == auth_reply::outcome::rejected));
    BOOST_TEST(rr.message.starts_with("refresh refused: HTTP 401"));
}

BOOST_AUTO_TEST_CASE(novabilling_never_keeps_the_tenant_secrets_of_the_login_body)
{
    const provider& nb = provider_for(provider_kind::novabilling);
    auto r = nb.read_login(http_answer(200, R"({"tenant":{"apiKey":"sk_live_x","webhookSecret":"whsec_y"},"accessToken":"a.b.c","refreshToken":"r.s.t"})"));
    BOOST_TEST((r.result == auth_reply::outcome::ok));
    BOOST_TEST(!r.expires_in.has_value()); // no expiresIn: the JWT's exp decides
    BOOST_TEST(r.message.empty());
    BOOST_TEST(nb.login_request(profile_of(provider_kind::novabilling), with_password("x")).target == "/api/auth/login");
}

BOOST_AUTO_TEST_CASE(throttling_reads_retry_after_from_header_and_body)
{
    const provider& nb = provider_for(provider_kind::novabilling);
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
    const provider& kb = provider_for(provider_kind::killb);
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
    const provider& oa = provider_for(provider_kind::oauth2);
    profile_config p = profile_of(provider_kind::oauth2);
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
    profile_config p = profile_of(provider_kind::oauth2);
    p.grant = oauth2_grant::password;
    http_request r = provider_for(provider_kind::oauth2).login_request(p, with_password("x"));
    BOOST_TEST(r.authorization.empty());
    BOOST_TEST(body_of(r).ends_with("&client_id=my+client"));
}

BOOST_AUTO_TEST_CASE(oauth2_reads_tokens_and_rfc6749_errors)
{
    const provider& oa = provider_for(provider_kind::oauth2);
    auto ok = oa.read_login(http_answer(200, R"({"access_token":"at","token_type":"Bearer","expires_in":"120","refresh_token":"rt"})"));
    BOOST_TEST((ok.result == auth_reply::outcome::ok));
    BOOST_TEST((ok.expires_in == duration(120s)));
    auto bad = oa.read_login(http_answer(400, R"({"error":"invalid_grant","error_description":"Bad\nuser credentials"})"));
    BOOST_TEST((bad.result == auth_reply::outcome::rejected));
    BOOST_TEST(bad.message == "token request refused: HTTP 400 (invalid_grant: Bad user credentials)");
    auto client = oa.read_login(http_answer(401, R"({"error":"invalid_client"})"));
    BOOST_TEST((client.result == auth_reply::outcome::rejected));
}

BOOST_AUTO_TEST_SUITE_END()
