// SPDX-License-Identifier: MIT
// oauth2 client authentication against mockbill's token endpoint, with a secret holding every
// character that form-encoding changes: `basic`, `post` and `auto` against a server that
// form-decodes Basic credentials (RFC 6749 §2.3.1) and one that compares them as sent; what
// `auto` learns and keeps; a wrong secret; and how an invalidate is shown (docs/providers.md).
#include "process.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>

using namespace tokend::test;
namespace proto = tokend::proto;
namespace json = boost::json;

// Helpers live in the suite's namespace: unity builds put all suites in one file.
BOOST_AUTO_TEST_SUITE(oauth2_auth)

const std::string secret = "s+cr/t=x:y%z";
const std::string encoded_secret = "s%2Bcr%2Ft%3Dx%3Ay%25z";

// The mock's client secret, whether it form-decodes Basic, and the token lifetime.
void configure(const mockbill& mock, bool basic_decoding, long lifetime = 3600)
{
    mock.control("/_mock/config", R"({"oauth2":{"client_secret":")" + secret + R"(","basic_decoding":)"
                                      + (basic_decoding ? "true" : "false") + R"(,"lifetime":)"
                                      + std::to_string(lifetime) + "}}");
}

// A client_credentials profile "oa" (or a password-grant one) reading its secret from OA_SECRET.
std::string oauth2_profile(const mockbill& mock, const std::string& client_auth, bool password_grant = false,
                           const std::string& extra = "")
{
    std::string p = "[profile.oa]\nprovider = \"oauth2\"\ntoken_url = \"" + mock.url()
                    + "/oauth2/token\"\nclient_id = \"demo-client\"\nclient_secret_env = \"OA_SECRET\"\n";
    if (!client_auth.empty())
        p += "client_auth = \"" + client_auth + "\"\n";
    if (password_grant)
        p += "grant = \"password\"\nusername = \"demo@example.com\"\npassword_env = \"OA_PASSWORD\"\n";
    return p + extra;
}

std::vector<std::string> env_with(const std::string& client_secret)
{
    return {"OA_SECRET=" + client_secret, "OA_PASSWORD=demo-password"};
}

std::string ask_get(const agent& a) { return a.ask(R"({"op":"get","profile":"oa"})"); }

proto::wire_result<proto::token_answer> get(const agent& a) { return proto::decode_token_answer(ask_get(a)); }

proto::profile_status status_of(const agent& a)
{
    auto s = proto::decode_status_answer(a.ask(R"({"op":"status","profile":"oa"})"));
    BOOST_TEST_REQUIRE(s.has_value());
    return (*s)[0];
}

// Token-endpoint requests the mock saw, by how they carried the client's credentials, and
// their outcomes: one /_mock/stats snapshot, so that a renewal cannot fall between two reads.
struct seen {
    long basic, post, none, login_calls, logins_ok, login_rejected, refreshes_ok, refresh_rejected;
};
seen requests(const mockbill& mock)
{
    json::value stats = json::parse(mock.stats());
    auto at = [&](const char* group, const char* counter) { return static_cast<long>(stats.at(group).at(counter).as_int64()); };
    return {at("oauth2_client_auth", "basic"), at("oauth2_client_auth", "post"), at("oauth2_client_auth", "none"),
            at("oauth2", "login_calls"),       at("oauth2", "logins_ok"),        at("oauth2", "login_rejected"),
            at("oauth2", "refreshes_ok"),      at("oauth2", "refresh_rejected")};
}

void expect_no_secret_in(const std::string& text)
{
    BOOST_TEST(text.find(secret) == std::string::npos);
    BOOST_TEST(text.find(encoded_secret) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(each_style_against_a_decoding_and_a_raw_basic_server)
{
    struct tc {
        bool decoding;
        std::string style;
        bool works;
        long basic, post;
    };
    const tc cases[] = {
        {true, "basic", true, 1, 0},   {true, "post", true, 0, 1},  {true, "auto", true, 1, 0},
        {false, "basic", false, 1, 0}, {false, "post", true, 0, 1}, {false, "auto", true, 1, 1},
    };
    temp_dir dir;
    mockbill mock(dir);
    for (const tc& c : cases) {
        BOOST_TEST_CONTEXT((c.decoding ? "decoding" : "raw") << " server, client_auth = " << c.style)
        {
            // Setup
            mock.control("/_mock/reset", "{}");
            configure(mock, c.decoding);
            agent a(dir, oauth2_profile(mock, c.style), env_with(secret));

            // Exercise
            std::string answer = ask_get(a);

            // Check: the outcome, and every request the mock saw, by form.
            BOOST_TEST(answer.starts_with(R"({"ok":true,)") == c.works, answer);
            if (!c.works)
                BOOST_TEST(answer.find("credentials_rejected") != std::string::npos, answer);
            seen n = requests(mock);
            BOOST_TEST_MESSAGE((c.decoding ? "decoding" : "raw") << " server, " << c.style << ": " << n.basic
                                                                << " Basic + " << n.post << " body requests, "
                                                                << n.logins_ok << " accepted");
            BOOST_TEST(n.basic == c.basic);
            BOOST_TEST(n.post == c.post); // post: no Authorization header ever reached the mock
            BOOST_TEST(n.none == 0);
            BOOST_TEST(n.login_calls == c.basic + c.post);
            BOOST_TEST(status_of(a).state == (c.works ? "valid" : "credentials_rejected"));
            expect_no_secret_in(answer);
            expect_no_secret_in(a.log());
        }
    }
}

// Waits (bounded) until the mock's `counter` reaches `n`.
void wait_for_count(const mockbill& mock, const std::string& counter, long n)
{
    BOOST_TEST_REQUIRE(wait_for([&] { return mock.stat(counter) >= n; }, 15s), counter << " never reached " << n);
}

BOOST_AUTO_TEST_CASE(auto_finds_the_body_once_and_renews_with_one_request)
{
    for (bool password_grant : {false, true}) {
        BOOST_TEST_CONTEXT((password_grant ? "password grant (refresh tokens)" : "client_credentials"))
        {
            // Setup: a raw-Basic server and 4-second tokens, so renewals come every few seconds.
            temp_dir dir;
            mockbill mock(dir);
            configure(mock, false, 4);
            agent a(dir, oauth2_profile(mock, "", password_grant), env_with(secret));

            // Exercise: the first login, then two renewals.
            BOOST_TEST_REQUIRE(get(a).has_value());
            seen first = requests(mock);
            std::string renewals = password_grant ? "oauth2.refreshes_ok" : "oauth2.logins_ok";
            wait_for_count(mock, renewals, password_grant ? 2 : 3);
            seen later = requests(mock);
            BOOST_TEST_MESSAGE("auto, raw server: first login " << first.basic << " Basic + " << first.post
                                                                << " body; then " << later.post - first.post
                                                                << " body requests for "
                                                                << later.logins_ok + later.refreshes_ok - 1
                                                                << " renewals, Basic " << later.basic - first.basic);

            // Check: Basic (refused), then the body (accepted); every renewal one body request.
            BOOST_TEST(first.basic == 1);
            BOOST_TEST(first.post == 1);
            BOOST_TEST(later.basic == 1);
            BOOST_TEST(later.post == later.logins_ok + later.refreshes_ok);
            BOOST_TEST(later.post >= 3);
            BOOST_TEST(later.login_rejected == 1);
            BOOST_TEST(later.refresh_rejected == 0);
            BOOST_TEST(a.log().find("trying the form body") != std::string::npos, a.log());
            expect_no_secret_in(a.log());
        }
    }
}

BOOST_AUTO_TEST_CASE(auto_keeps_the_style_across_a_reload_until_the_profile_changes)
{
    // Setup: auto has learned the body.
    temp_dir dir;
    mockbill mock(dir);
    configure(mock, false);
    std::string config = oauth2_profile(mock, "auto");
    agent a(dir, config, env_with(secret));
    auto first = get(a);
    BOOST_TEST_REQUIRE(first.has_value());
    auto reload = [&](const std::string& toml) {
        dir.write(std::filesystem::path(a.config_path()).filename().string(), toml, 0600);
        BOOST_TEST_REQUIRE(a.ask(R"({"op":"reload"})") == R"({"ok":true})");
    };
    auto renew = [&] { // invalidate the current token and wait for its successor
        auto before = get(a);
        BOOST_TEST_REQUIRE(before.has_value());
        a.ask(R"({"op":"invalidate","profile":"oa","token_id":")" + before->token_id + "\"}");
        BOOST_TEST_REQUIRE(wait_for([&] {
            auto t = get(a);
            return t && t->token_id != before->token_id;
        }));
    };

    // Exercise 1: a reload with the profile unchanged, then a renewal.
    reload(config);
    renew();
    seen kept = requests(mock);

    // Exercise 2: a reload that changes the profile (its timeout) forgets what auto learned.
    reload(oauth2_profile(mock, "auto", false, "timeout = \"9s\"\n"));
    BOOST_TEST_REQUIRE(get(a).has_value());
    seen changed = requests(mock);

    // Check: first login 2 requests, the renewal after the unchanged reload 1 (body); the
    // changed profile starts over with Basic, then the body.
    BOOST_TEST(kept.basic == 1);
    BOOST_TEST(kept.post == 2);
    BOOST_TEST(changed.basic == 2);
    BOOST_TEST(changed.post == 3);
}

BOOST_AUTO_TEST_CASE(a_wrong_secret_under_auto_costs_two_requests_then_none)
{
    // Setup: the right secret is special, and so is the one tokend has.
    temp_dir dir;
    mockbill mock(dir);
    configure(mock, false);
    const std::string wrong = "wr+ng/=:%";
    agent a(dir, oauth2_profile(mock, "auto"), env_with(wrong));

    // Exercise: clients keep asking for 5 s.
    std::string answer = ask_get(a);
    seen after_first = requests(mock);
    auto until = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < until) {
        answer = ask_get(a);
        std::this_thread::sleep_for(50ms);
    }

    // Check: Basic, then the body, then nothing more; a message that says both were refused.
    BOOST_TEST(after_first.basic == 1);
    BOOST_TEST(after_first.post == 1);
    seen n = requests(mock);
    BOOST_TEST(n.basic == 1);
    BOOST_TEST(n.post == 1);
    BOOST_TEST(n.login_calls == 2);
    BOOST_TEST(answer.find("credentials_rejected") != std::string::npos, answer);
    BOOST_TEST(answer.find("invalid_client") != std::string::npos, answer);
    BOOST_TEST(answer.find("refused in HTTP Basic and in the form body") != std::string::npos, answer);
    BOOST_TEST(status_of(a).state == "credentials_rejected");
    for (const std::string& s : {wrong, std::string("wr%2Bng%2F%3D%3A%25")}) {
        BOOST_TEST(answer.find(s) == std::string::npos);
        BOOST_TEST(a.log().find(s) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(an_invalidate_renews_as_refreshing_with_the_refresh_token)
{
    // Setup: a password-grant profile holding a refresh token; the refresh answers after 1.5 s
    // so that the renewal can be watched.
    temp_dir dir;
    mockbill mock(dir);
    configure(mock, true);
    agent a(dir, oauth2_profile(mock, "auto", true), env_with(secret));
    auto first = get(a);
    BOOST_TEST_REQUIRE(first.has_value());
    mock.control("/_mock/faults", R"({"api":"oauth2","endpoint":"refresh","kind":"delay","delay_ms":1500})");

    // Exercise
    std::string ok = a.ask(R"({"op":"invalidate","profile":"oa","token_id":")" + first->token_id + "\"}");
    std::string during = status_of(a).state;
    BOOST_TEST_REQUIRE(wait_for([&] { return status_of(a).state == "valid"; }));
    auto second = get(a);

    // Check: `refreshing` (not `expired`) while it ran, an info line with the cause and no
    // warning, and the renewal was the refresh_token grant, not a new login.
    BOOST_TEST(ok == R"({"ok":true})");
    BOOST_TEST(during == "refreshing");
    BOOST_TEST_REQUIRE(second.has_value());
    BOOST_TEST(second->token_id != first->token_id);
    std::string log = a.log();
    BOOST_TEST(log.find("info: profile oa: valid -> refreshing: token reported rejected by a client; renewing")
                   != std::string::npos,
               log);
    BOOST_TEST(log.find("-> expired") == std::string::npos, log);
    BOOST_TEST(log.find("warn: profile oa") == std::string::npos, log);
    BOOST_TEST(mock.stat("oauth2.logins_ok") == 1);
    BOOST_TEST(mock.stat("oauth2.refreshes_ok") == 1);
}

BOOST_AUTO_TEST_SUITE_END()
