// SPDX-License-Identifier: MIT
// Every provider against mockbill over real HTTP: login, scheduled refresh (counted at the
// mock), fallback from a refused refresh token, refused credentials, continuous use.
#include "process.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>

using namespace tokend::test;
namespace proto = tokend::proto;
namespace json = boost::json;

// Helpers live in the suite's namespace: unity builds put all suites in one file.
BOOST_AUTO_TEST_SUITE(providers)

std::string profile(const std::string& name, const std::string& provider, const mockbill& mock, const std::string& extra)
{
    bool oauth = provider == "oauth2";
    return "[profile." + name + "]\nprovider = \"" + provider + "\"\n"
           + (oauth ? "token_url = \"" + mock.url() + "/oauth2/token\"\n" : "url = \"" + mock.url() + "\"\n") + extra;
}

std::string password_file(const temp_dir& dir, const std::string& pw = "demo-password")
{
    return "password_file = \"" + dir.write("pw-" + pw, pw + "\n") + "\"\n";
}

std::string email() { return "email = \"demo@example.com\"\n"; }

proto::wire_result<proto::token_answer> get(const agent& a, const std::string& p)
{
    return proto::decode_token_answer(a.ask(R"({"op":"get","profile":")" + p + "\"}"));
}

int call(const mockbill& mock, const std::string& target, const proto::token_answer& t)
{
    std::vector<std::string> headers;
    for (const auto& [k, v] : t.headers)
        headers.push_back(k + ": " + v);
    return mock.http("GET", target, "", headers).first;
}

// Uses every profile in `uses` (profile, protected endpoint) continuously for `how_long`;
// returns how many calls were not answered 200.
int use_continuously(const agent& a, const mockbill& mock, const std::vector<std::pair<std::string, std::string>>& uses,
                     std::chrono::milliseconds how_long)
{
    int failed = 0;
    auto until = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < until) {
        for (const auto& [p, target] : uses) {
            auto t = get(a, p);
            if (!t) {
                BOOST_TEST_MESSAGE(p << ": " << t.error().message);
                ++failed;
                continue;
            }
            failed += call(mock, target, *t) != 200;
        }
        std::this_thread::sleep_for(20ms);
    }
    return failed;
}

std::vector<json::object> calls(const mockbill& mock, const std::string& api)
{
    std::vector<json::object> out;
    json::value all = json::parse(mock.http("GET", "/_mock/calls").second);
    for (const auto& c : all.at("calls").as_array())
        if (c.at("api").as_string() == api)
            out.push_back(c.as_object());
    return out;
}

std::string state_of(const agent& a, const std::string& p)
{
    auto s = proto::decode_status_answer(a.ask(R"({"op":"status","profile":")" + p + "\"}"));
    BOOST_TEST_REQUIRE(s.has_value());
    return (*s)[0].state;
}


BOOST_AUTO_TEST_CASE(every_provider_renews_in_time_under_continuous_use)
{
    // Setup: 4-second tokens everywhere; 10 s of use spans several renewals per profile.
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/config", R"({"killb":{"lifetime":4},"novabilling":{"lifetime":4},"oauth2":{"lifetime":4}})");
    std::string pw = password_file(dir);
    std::string config = profile("kb", "killb", mock, email() + pw)
                         + profile("nb", "novabilling", mock, email() + pw)
                         + profile("oa", "oauth2", mock, "client_id = \"demo-client\"\nclient_secret_env = \"OA_SECRET\"\n")
                         + profile("oapw", "oauth2", mock,
                                   "grant = \"password\"\nusername = \"demo@example.com\"\n" + pw
                                       + "client_id = \"demo-client\"\nclient_secret_env = \"OA_SECRET\"\n");
    agent a(dir, config, {"OA_SECRET=demo-client-secret"});

    // Exercise
    int failed = use_continuously(a, mock,
                                  {{"kb", "/api/v2/auth/me"}, {"nb", "/api/tenants/me"}, {"oa", "/oauth2/resource"},
                                   {"oapw", "/oauth2/resource"}},
                                  10s);

    // Check: no call failed, none carried an expired token, and renewals used refresh tokens.
    BOOST_TEST(failed == 0);
    for (const std::string api : {"killb", "novabilling", "oauth2"}) {
        BOOST_TEST_MESSAGE(api << ": " << mock.stat(api + ".logins_ok") << " logins, " << mock.stat(api + ".refreshes_ok")
                               << " refreshes, " << mock.stat(api + ".requests_ok") << " calls in 10 s");
        BOOST_TEST_CONTEXT(api)
        {
            BOOST_TEST(mock.stat(api + ".expired_requests") == 0);
            BOOST_TEST(mock.stat(api + ".refresh_reuse") == 0); // rotation: never an old refresh token twice
        }
    }
    BOOST_TEST(mock.stat("killb.logins_ok") == 1);
    BOOST_TEST(mock.stat("killb.refreshes_ok") >= 3);
    BOOST_TEST(mock.stat("novabilling.logins_ok") == 1);
    BOOST_TEST(mock.stat("novabilling.refreshes_ok") >= 3);
    BOOST_TEST(mock.stat("oauth2.refreshes_ok") >= 3); // the password grant issued a refresh token
    BOOST_TEST(mock.stat("oauth2.logins_ok") >= 4);    // client_credentials has none: it logs in again
}

BOOST_AUTO_TEST_CASE(killb_opaque_tokens_are_scheduled_from_expires_in_milliseconds)
{
    // Setup: not a JWT, so only "expiresIn": 4000 (ms) says when the token dies.
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/config", R"({"killb":{"lifetime":4,"opaque_tokens":true}})");
    agent a(dir, profile("kb", "killb", mock, email() + password_file(dir)));

    // Exercise
    auto first = get(a, "kb");
    int failed = use_continuously(a, mock, {{"kb", "/api/v2/auth/me"}}, 7s);

    // Check: had expiresIn been read as seconds, the token would have lived 66 minutes.
    BOOST_TEST_REQUIRE(first.has_value());
    BOOST_TEST(first->token.find('.') == std::string::npos);
    BOOST_TEST(*first->expires_at - std::time(nullptr) <= 4);
    BOOST_TEST(failed == 0);
    BOOST_TEST(mock.stat("killb.expired_requests") == 0);
    BOOST_TEST(mock.stat("killb.refreshes_ok") >= 2);
}

BOOST_AUTO_TEST_CASE(refused_refresh_token_falls_back_to_login)
{
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/config", R"({"killb":{"lifetime":4}})");
    agent a(dir, profile("kb", "killb", mock, email() + password_file(dir)));
    BOOST_TEST_REQUIRE(get(a, "kb").has_value());

    // Exercise: the next refresh is refused as if the refresh token had been revoked.
    mock.control("/_mock/faults", R"({"api":"killb","endpoint":"refresh","kind":"status","status":401})");
    BOOST_TEST(wait_for([&] { return mock.stat("killb.logins_ok") == 2; }, 8s));

    // Check: login, refresh (401), login — nothing in between, and the profile is valid.
    auto c = calls(mock, "killb");
    BOOST_TEST_REQUIRE(c.size() >= 3u);
    BOOST_TEST(c[0].at("endpoint").as_string() == "login");
    BOOST_TEST(c[1].at("endpoint").as_string() == "refresh");
    BOOST_TEST(c[1].at("status").as_int64() == 401);
    BOOST_TEST(c[2].at("endpoint").as_string() == "login");
    BOOST_TEST(c[2].at("t").as_double() - c[1].at("t").as_double() < 1.0);
    BOOST_TEST(state_of(a, "kb") == "valid");
}

BOOST_AUTO_TEST_CASE(bad_credentials_do_not_storm_the_login)
{
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, profile("kb", "killb", mock, email() + password_file(dir, "wrong"))
                     + profile("nb", "novabilling", mock, email() + password_file(dir, "wrong"))
                     + profile("oa", "oauth2", mock, "client_id = \"demo-client\"\nclient_secret_env = \"OA_SECRET\"\n"),
            {"OA_SECRET=not-the-secret"});

    // Exercise: clients keep asking for 3 s.
    auto until = std::chrono::steady_clock::now() + 3s;
    std::string kb_error, oa_error;
    while (std::chrono::steady_clock::now() < until) {
        kb_error = a.ask(R"({"op":"get","profile":"kb"})");
        a.ask(R"({"op":"get","profile":"nb"})");
        oa_error = a.ask(R"({"op":"get","profile":"oa"})");
        std::this_thread::sleep_for(50ms);
    }

    // Check: one attempt each, and messages that say why.
    BOOST_TEST(mock.stat("killb.login_calls") == 1);
    BOOST_TEST(mock.stat("novabilling.login_calls") == 1);
    BOOST_TEST(mock.stat("oauth2.login_calls") == 1);
    BOOST_TEST(kb_error.find("credentials_rejected") != std::string::npos);
    BOOST_TEST(kb_error.find("AUTH.0001: Invalid credentials") != std::string::npos, kb_error);
    BOOST_TEST(oa_error.find("invalid_client") != std::string::npos, oa_error);
    BOOST_TEST(state_of(a, "nb") == "credentials_rejected");
}

BOOST_AUTO_TEST_CASE(novabilling_real_server_refresh_tokens_do_not_rotate)
{
    // The real server is stateless: the old refresh token stays valid and same-second
    // refreshes return identical tokens. The agent must work just the same.
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/config", R"({"novabilling":{"lifetime":4,"refresh_policy":"stateless"}})");
    agent a(dir, profile("nb", "novabilling", mock, email() + password_file(dir)));
    int failed = use_continuously(a, mock, {{"nb", "/api/tenants/me"}}, 7s);
    BOOST_TEST(failed == 0);
    BOOST_TEST(mock.stat("novabilling.expired_requests") == 0);
    BOOST_TEST(mock.stat("novabilling.refreshes_ok") >= 2);
    BOOST_TEST(mock.stat("novabilling.logins_ok") == 1);
}

BOOST_AUTO_TEST_CASE(an_expired_refresh_token_is_not_sent)
{
    // Refresh tokens that live 2 s are dead by the time a 4 s access token needs renewing:
    // the agent reads their exp and logs in instead of sending them.
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/config", R"({"novabilling":{"lifetime":4,"refresh_lifetime":2}})");
    agent a(dir, profile("nb", "novabilling", mock, email() + password_file(dir)));
    BOOST_TEST_REQUIRE(get(a, "nb").has_value());
    BOOST_TEST(wait_for([&] { return mock.stat("novabilling.logins_ok") >= 3; }, 10s));
    BOOST_TEST(mock.stat("novabilling.refresh_calls") == 0);
}

BOOST_AUTO_TEST_CASE(throttling_is_honoured_in_both_styles)
{
    // Setup: the real server's 429 carries only a Retry-After header; the documented one only a
    // body retryAfter. Each defers the next attempt by 2 s.
    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/faults", R"([{"api":"novabilling","endpoint":"login","kind":"status","status":429,"retry_after":"2"},
                                      {"api":"novabilling","endpoint":"login","kind":"status","status":429,"retry_after_body":2}])");
    agent a(dir, profile("nb", "novabilling", mock, email() + password_file(dir)));

    // Exercise: the first get sees the first 429; a get during the backoff answers at once.
    std::string first = a.ask(R"({"op":"get","profile":"nb"})");
    auto start = std::chrono::steady_clock::now();
    std::string during = a.ask(R"({"op":"get","profile":"nb"})");
    bool quick = std::chrono::steady_clock::now() - start < 500ms;
    BOOST_TEST(wait_for([&] { return get(a, "nb").has_value(); }, 15s));

    // Check
    BOOST_TEST(first.find("upstream_unavailable") != std::string::npos, first);
    BOOST_TEST(during.find("next attempt in 2 s") != std::string::npos, during);
    BOOST_TEST(quick);
    auto c = calls(mock, "novabilling");
    BOOST_TEST_REQUIRE(c.size() == 3u);
    BOOST_TEST(c[1].at("t").as_double() - c[0].at("t").as_double() >= 1.999); // the mock logs milliseconds
    BOOST_TEST(c[2].at("t").as_double() - c[1].at("t").as_double() >= 1.999); // the mock logs milliseconds
    BOOST_TEST(c[2].at("status").as_int64() == 200);
}

BOOST_AUTO_TEST_CASE(static_keys_are_served_and_never_expire)
{
    temp_dir dir;
    std::string key = dir.write("key", "sk_live_" + std::string(64, 'a') + "\n");
    agent a(dir, "[profile.key]\nprovider = \"static\"\ntoken_file = \"" + key + "\"\n");
    auto t = get(a, "key");
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->token == "sk_live_" + std::string(64, 'a'));
    BOOST_TEST(t->headers[0].second == "Bearer " + t->token);
    BOOST_TEST(!t->expires_at.has_value());
    auto s = proto::decode_status_answer(a.ask(R"({"op":"status"})"));
    BOOST_TEST_REQUIRE(s.has_value());
    BOOST_TEST((*s)[0].state == "valid");
    BOOST_TEST(!(*s)[0].expires_at.has_value());
    BOOST_TEST(!(*s)[0].refresh_at.has_value());
}

BOOST_AUTO_TEST_CASE(static_keys_can_come_from_a_command)
{
    temp_dir dir;
    agent a(dir, "[profile.key]\nprovider = \"static\"\ntoken_command = \"echo sk_live_from_command\"\n");
    auto t = get(a, "key");
    BOOST_TEST_REQUIRE(t.has_value(), (t ? "" : t.error().message));
    BOOST_TEST(t->token == "sk_live_from_command");
}

BOOST_AUTO_TEST_CASE(a_profile_without_password_waits_for_tok_add)
{
    temp_dir dir;
    mockbill mock(dir);
    agent a(dir, profile("kb", "killb", mock, email()));
    run_result before = a.tok({"token", "kb"});
    BOOST_TEST(before.status == 5, before.err);
    BOOST_TEST(before.err.find("tok add kb") != std::string::npos, before.err);
    BOOST_TEST(state_of(a, "kb") == "no_credentials");

    run_result add = a.tok({"add", "kb", "--stdin"}, "demo-password\n");
    BOOST_TEST(add.status == 0, add.err);
    run_result after = a.tok({"token", "kb"});
    BOOST_TEST(after.status == 0, after.err);
    BOOST_TEST(mock.stat("killb.logins_ok") == 1);
    BOOST_TEST(a.log().find("demo-password") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(password_command_and_credential_sources_log_in)
{
    temp_dir dir;
    mockbill mock(dir);
    dir.write("creds/kb-pass", "demo-password\n", 0600);
    std::string config = profile("viacmd", "killb", mock, email() + "password_command = \"printf 'demo-password\\\\n'\"\n")
                         + profile("viacred", "killb", mock, email() + "password_credential = \"kb-pass\"\n");
    agent a(dir, config, {"CREDENTIALS_DIRECTORY=" + (dir.path() / "creds").string()});
    BOOST_TEST(get(a, "viacmd").has_value());
    BOOST_TEST(get(a, "viacred").has_value());
    BOOST_TEST(mock.stat("killb.logins_ok") == 2);
}

BOOST_AUTO_TEST_SUITE_END()
