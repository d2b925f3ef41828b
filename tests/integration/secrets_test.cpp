// SPDX-License-Identifier: MIT
// No secret leaves the agent except in a get answer (docs/security.md): a session that
// touches every kind of secret -- passwords from a file and from `tok add`, an API secret
// from the environment, a static key, access tokens across login, invalidate and refresh,
// a rejected login, reloads -- then scans the agent's log (at debug level), `tok status`,
// `tok status --json`, every error answer and message, and the agent's argv for them.
#include "process.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

using namespace tokend::test;
namespace proto = tokend::proto;

BOOST_AUTO_TEST_SUITE(secrets)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

std::string slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Every secret the test used, and the texts that must not contain any of them. A finding
// names the text and the secret's label, never the secret itself, so the test's own output
// stays clean too.
class secret_scan {
public:
    void secret(const std::string& label, const std::string& value) { secrets_.emplace_back(label, value); }
    void text(const std::string& where, const std::string& value) { texts_.emplace_back(where, value); }

    void check() const
    {
        BOOST_TEST_REQUIRE(secrets_.size() >= 6u);
        for (const auto& [where, text] : texts_) {
            for (const auto& [label, value] : secrets_) {
                // The whole secret, and any 12-character piece of it (a truncated leak).
                bool found = text.find(value) != std::string::npos;
                for (std::size_t at = 0; !found && at + 12 <= value.size(); at += 6)
                    found = text.find(value.substr(at, 12)) != std::string::npos;
                BOOST_TEST(!found, where << " contains " << label);
            }
            // Any JWT at all (access or refresh token, or a piece of one) in a log or status.
            BOOST_TEST(text.find("eyJ") == std::string::npos, where << " contains something like a JWT");
        }
    }

private:
    std::vector<std::pair<std::string, std::string>> secrets_, texts_;
};

std::string token_of(const agent& a, const std::string& profile)
{
    auto t = proto::decode_token_answer(a.ask(R"({"op":"get","profile":")" + profile + "\"}"));
    BOOST_TEST_REQUIRE(t.has_value(), profile << ": " << (t ? "" : t.error().message));
    return t->token;
}

} // namespace


BOOST_AUTO_TEST_CASE(no_secret_reaches_logs_status_errors_or_argv)
{
    // Setup: random secrets, so that a find means a leak.
    secret_scan scan;
    const std::string pw_kb = "kb-" + random_hex(16), pw_av = "av-" + random_hex(16), pw_bad = "bad-" + random_hex(16);
    const std::string api_secret = "as-" + random_hex(16), static_key = "sk_live_" + random_hex(32);
    scan.secret("the killb password", pw_kb);
    scan.secret("the aviate password given by tok add", pw_av);
    scan.secret("the rejected password", pw_bad);
    scan.secret("the aviate API secret", api_secret);
    scan.secret("the static key", static_key);

    temp_dir dir;
    mockbill mock(dir);
    mock.control("/_mock/users", R"({"email":"kb@example.com","password":")" + pw_kb + "\"}");
    mock.control("/_mock/users", R"({"email":"av@example.com","password":")" + pw_av + "\"}");
    mock.control("/_mock/config", R"({"killb":{"lifetime":3}})");
    std::string config = "[agent]\nlog_level = \"debug\"\n"
        "[profile.kb]\nprovider = \"killb\"\nurl = \"" + mock.url() + "\"\nemail = \"kb@example.com\"\n"
        "password_file = \"" + dir.write("kb.pass", pw_kb + "\n") + "\"\n"
        "[profile.bad]\nprovider = \"killb\"\nurl = \"" + mock.url() + "\"\nemail = \"kb@example.com\"\n"
        "password_file = \"" + dir.write("bad.pass", pw_bad + "\n") + "\"\n"
        "[profile.av]\nprovider = \"aviate\"\nurl = \"" + mock.url() + "\"\nemail = \"av@example.com\"\n"
        "api_key = \"demo-tenant\"\napi_secret_env = \"AV_API_SECRET\"\n"
        "[profile.st]\nprovider = \"static\"\ntoken_file = \"" + dir.write("st.key", static_key + "\n") + "\"\n";
    agent a(dir, config, {"AV_API_SECRET=" + api_secret});

    // Exercise: log in, add a password, fail a login, invalidate, refresh, reload.
    std::set<std::string> tokens{token_of(a, "kb")};
    run_result added = a.tok({"add", "av", "--stdin"}, pw_av + "\n");
    BOOST_TEST(added.status == 0, added.err);
    tokens.insert(token_of(a, "av"));
    BOOST_TEST(token_of(a, "st") == static_key);
    run_result rejected = a.tok({"token", "bad"});
    BOOST_TEST(rejected.status == 5);
    std::this_thread::sleep_for(1100ms); // past the invalidate window of the first login
    BOOST_TEST(a.ask(R"({"op":"invalidate","profile":"kb"})") == R"({"ok":true})");
    tokens.insert(token_of(a, "kb"));
    BOOST_TEST(wait_for([&] {
        auto s = proto::decode_status_answer(a.ask(R"({"op":"status","profile":"kb"})"));
        return s && !s->empty() && s->front().refreshes >= 1;
    }, 6s));
    tokens.insert(token_of(a, "kb"));
    run_result reload = a.tok({"reload"});
    a.process().signal(SIGHUP);
    std::vector<std::string> answers{
        a.ask(R"({"op":"add","profile":"nope","password":")" + pw_av + "\"}"),
        a.ask(R"({"op":"add","profile":"av","password":")" + pw_av + "\",\"extra\":[}"),
        a.ask(R"({"op":"fly","password":")" + pw_av + "\"}"),
        a.ask(R"({"op":"add","password":")" + pw_av + "\"}"),
        a.ask(R"({"op":"get","profile":"bad"})"),
        a.ask(R"({"op":"status"})"),
    };
    run_result status = a.tok({"status"}), status_json = a.tok({"--json", "status"});
    std::string cmdline = slurp("/proc/" + std::to_string(a.process().pid()) + "/cmdline");
    a.process().signal(SIGTERM);
    BOOST_TEST(a.process().wait(5s).value_or(-1) == 0);

    // Check
    BOOST_TEST(tokens.size() >= 3u); // login, re-login after invalidate, refresh
    int n = 0;
    for (const auto& t : tokens)
        scan.secret("access token #" + std::to_string(++n), t);
    BOOST_TEST(status.status == 0, status.err);
    BOOST_TEST(status.out.find("credentials_rejected") != std::string::npos, status.out);
    BOOST_TEST(rejected.err.find("login refused") != std::string::npos, rejected.err);
    scan.text("the agent's log", a.log() + a.process().out());
    scan.text("tok status", status.out + status.err);
    scan.text("tok status --json", status_json.out + status_json.err);
    scan.text("tok token for a rejected login", rejected.out + rejected.err);
    scan.text("tok add", added.out + added.err);
    scan.text("tok reload", reload.out + reload.err);
    for (std::size_t i = 0; i < answers.size(); ++i)
        scan.text("error or status answer #" + std::to_string(i), answers[i]);
    scan.text("the agent's argv", cmdline);
    scan.check();
}

BOOST_AUTO_TEST_SUITE_END()
