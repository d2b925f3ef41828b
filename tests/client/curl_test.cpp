// SPDX-License-Identifier: MIT
// tok curl against mockbill: headers through a file descriptor, the 401-then-retry path,
// no retry for requests that read stdin, and curl's exit code passed through.
#include "fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>

using namespace tokend::test;
using namespace tok::test;

namespace {

const std::string catalog = "/plugins/aviate-plugin/v1/catalog/info";
const std::string catalog_body = R"({"catalogMode":"CATALOG_STATE_AVIATE"})";

std::string aviate_profile(const temp_dir& dir, const mockbill& mock)
{
    std::string pass = dir.write("aviate.pass", "demo-password\n", 0600);
    return "[profile.av]\nprovider = \"aviate\"\nurl = \"" + mock.url() + "\"\nemail = \"demo@example.com\"\n"
           "password_file = \"" + pass + "\"\napi_key = \"demo-tenant\"\napi_secret = \"demo-secret\"\n";
}

// A curl that records its argv and environment, then runs the real curl: TOK_CURL points here.
std::string recording_curl(const temp_dir& dir)
{
    std::string log = (dir.path() / "curl.log").string();
    return dir.write("curl-wrapper.sh",
                     "#!/bin/sh\n{ printf 'argv:%s\\n' \"$@\"; env | sed 's/^/env:/'; } >> '" + log + "'\n"
                     "exec curl \"$@\"\n",
                     0700);
}

std::string read_text(const std::filesystem::path& p)
{
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
}

struct setup {
    temp_dir dir;
    mockbill mock{dir};
    agent a{dir, aviate_profile(dir, mock)};
    std::string wrapper = recording_curl(dir);

    run_result curl(std::vector<std::string> args, const std::string& stdin_text = {})
    {
        args.insert(args.begin(), {"curl", "av"});
        return a.tok(args, stdin_text, {"TOK_CURL=" + wrapper});
    }
    std::string curl_log() const { return read_text(dir.path() / "curl.log"); }
    std::string token() const { return a.tok({"token", "av"}).out; }
};

} // namespace

BOOST_AUTO_TEST_SUITE(curl)

BOOST_AUTO_TEST_CASE(calls_the_api_with_the_profiles_headers)
{
    // Setup
    setup s;

    // Exercise
    auto r = s.curl({"-q", "-s", s.mock.url() + catalog});

    // Check: -q ("skip ~/.curlrc") still comes first, where curl honours it.
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == catalog_body);
    BOOST_TEST(s.mock.stat("aviate.requests_ok") == 1);
    BOOST_TEST(s.curl_log().starts_with("argv:-q\nargv:-H\nargv:@/dev/fd/"));
}

BOOST_AUTO_TEST_CASE(retries_once_with_a_fresh_token_after_401)
{
    // Setup: mockbill forgets every token it issued, so the agent's current one gets a 401.
    setup s;
    std::string stale = s.token();
    s.mock.control("/_mock/reset", "{}");

    // Exercise
    auto r = s.curl({"-s", s.mock.url() + catalog});

    // Check: only the retry's body on stdout; one invalid call, one good one, one new login.
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == catalog_body);
    BOOST_TEST(s.mock.stat("aviate.invalid_requests") == 1);
    BOOST_TEST(s.mock.stat("aviate.requests_ok") == 1);
    BOOST_TEST(s.mock.stat("aviate.logins_ok") == 1);
    BOOST_TEST(s.token() != stale);
    // The token never shows in curl's argv or environment, on either attempt.
    std::string log = s.curl_log();
    BOOST_TEST(std::count(log.begin(), log.end(), '\n') > 4);
    BOOST_TEST(log.find("argv:@/dev/fd/") != std::string::npos);
    for (const std::string& t : {stale, s.token()}) {
        std::string bare = t.substr(0, t.size() - 1);
        BOOST_TEST(log.find(bare) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(request_reading_stdin_is_not_replayed)
{
    // Setup
    setup s;
    s.token();
    s.mock.control("/_mock/reset", "{}");

    // Exercise: -d @- consumes stdin, so the 401 stands (and -f turns it into exit 22).
    auto r = s.curl({"-s", "-f", "-X", "GET", "-d", "@-", s.mock.url() + catalog}, "body");

    // Check: curl's exit code, one attempt; the token was still reported, so the next call works.
    BOOST_TEST(r.status == 22, r.err);
    BOOST_TEST(s.mock.stat("aviate.invalid_requests") == 1);
    BOOST_TEST(s.mock.stat("aviate.requests_ok") == 0);
    auto next = s.curl({"-s", s.mock.url() + catalog});
    BOOST_TEST(next.out == catalog_body);
}

BOOST_AUTO_TEST_CASE(passes_curls_exit_code_through)
{
    // Setup
    setup s;

    // Exercise
    auto not_found = s.curl({"-s", "-f", s.mock.url() + "/no/such/path"});
    auto bad_option = s.curl({"--no-such-curl-option"});

    // Check
    BOOST_TEST(not_found.status == 22);
    BOOST_TEST(bad_option.status == 2);
}

BOOST_AUTO_TEST_CASE(missing_curl_is_127)
{
    // Setup
    setup s;

    // Exercise
    auto r = s.a.tok({"curl", "av", "http://127.0.0.1:9/"}, {}, {"TOK_CURL=/nonexistent/curl"});

    // Check
    BOOST_TEST(r.status == 127);
    BOOST_TEST(r.err.find("command not found") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
