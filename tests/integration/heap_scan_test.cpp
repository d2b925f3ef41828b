// SPDX-License-Identifier: MIT
// Secret bytes live only in the agent's locked heap (docs/security.md, "Secrets in memory"):
// after logins with every provider, `tok add`, many gets, re-logins and refreshes, the whole
// address space of the running agent, read through /proc/PID/mem, holds no copy of a token,
// a password or a Basic credential outside its mlock'd mappings. Freed memory counts: a buffer
// freed without wiping keeps its bytes until reused. Root only (the agent is not dumpable).
#include "memory_scan.hpp"
#include "process.hpp"
#include "raw_client.hpp"

#include <tokend/proto/codec.hpp>

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <fstream>
#include <set>
#include <thread>

using namespace tokend::test;
namespace proto = tokend::proto;

BOOST_AUTO_TEST_SUITE(heap_scan)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

boost::test_tools::assertion_result running_as_root(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result ok(::geteuid() == 0);
    ok.message() << "not root: reading /proc/PID/mem of a non-dumpable agent needs root";
    return ok;
}

// ASan reserves terabytes of shadow memory; reading it through /proc/PID/mem would populate it.
boost::test_tools::assertion_result not_under_asan(boost::unit_test::test_unit_id)
{
#if defined(__SANITIZE_ADDRESS__)
    boost::test_tools::assertion_result skip(false);
    skip.message() << "ASan: its shadow mappings (terabytes, reserved) cannot be read through";
    return skip;
#else
    return true;
#endif
}

std::string base64(const std::string& in)
{
    static constexpr char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
        out += a[v >> 18];
        out += a[(v >> 12) & 63];
        out += i + 1 < in.size() ? a[(v >> 6) & 63] : '=';
        out += i + 2 < in.size() ? a[v & 63] : '=';
    }
    return out;
}

// The secrets to look for: each whole, and its last 16 bytes, because the allocator writes
// its list pointers over the first 16 bytes of a freed block and would hide a whole match.
class secret_set {
public:
    void add(const std::string& label, const std::string& value)
    {
        if (!seen_.insert(value).second)
            return;
        needles_.push_back({label, value});
        if (value.size() > 24)
            needles_.push_back({label + " (last 16 bytes)", value.substr(value.size() - 16)});
    }
    const std::vector<scan_needle>& needles() const { return needles_; }

private:
    std::set<std::string> seen_;
    std::vector<scan_needle> needles_;
};

// Scans the agent and checks: nothing outside locked memory, the heap was read, and the
// scanner does see `must_be_locked` (the current secrets) in the locked heap, so a clean
// result cannot come from a scan that read nothing.
void check_clean(agent& a, const secret_set& secrets, const std::string& when,
                 const std::vector<std::string>& must_be_locked)
{
    memory_scan s = scan_memory(a.process().pid(), secrets.needles());
    BOOST_TEST_REQUIRE(s.error.empty(), s.error);
    BOOST_TEST_MESSAGE(when << ": " << s.summary());
    BOOST_TEST(s.outside.empty(), when << ": " << s.summary());
    BOOST_TEST(s.heap_bytes > 0u, when << ": [heap] was not read");
    for (const std::string& label : must_be_locked)
        BOOST_TEST(s.locked_hits[label] > 0, when << ": " << label << " not found in locked memory");
}

proto::token_answer get(const agent& a, const std::string& profile)
{
    auto t = proto::decode_token_answer(a.ask(R"({"op":"get","profile":")" + profile + "\"}"));
    BOOST_TEST_REQUIRE(t.has_value(), profile << ": " << (t ? "" : t.error().message));
    return *t;
}

// `n` gets of `profile` on one connection, one at a time.
void gets_on_one_connection(const agent& a, const std::string& profile, int n)
{
    raw_conn c(a.socket());
    BOOST_TEST_REQUIRE(c.connected());
    for (int i = 0; i < n; ++i) {
        BOOST_TEST_REQUIRE(c.send(R"({"op":"get","profile":")" + profile + "\"}\n"));
        BOOST_TEST_REQUIRE(c.read_line().starts_with(R"({"ok":true)"));
    }
}

// Drives the agent through logins, many gets, `tok header`, and a re-login (or refresh) of
// every profile, scanning after each stage. `held` names the secrets the agent must still hold
// (in locked memory); every token served is added to `secrets` and looked for from then on.
void exercise_and_scan(agent& a, const std::vector<std::string>& profiles, secret_set& secrets,
                       std::vector<std::string> held)
{
    std::map<std::string, std::string> label_of; // token -> its label
    std::map<std::string, std::string> current;  // profile -> its current token's label
    auto note_tokens = [&] {
        for (const std::string& p : profiles) {
            std::string token = get(a, p).token;
            if (!label_of.contains(token))
                label_of[token] = "token " + std::to_string(label_of.size() + 1) + " (" + p + ")";
            secrets.add(label_of[token], token);
            current[p] = label_of[token];
            // Refresh tokens are never served: looked for by the JWT header they share.
            if (token.starts_with("eyJ"))
                secrets.add("a JWT header like " + p + "'s (refresh tokens included)", token.substr(0, 12));
        }
    };
    auto must_be_locked = [&] {
        std::vector<std::string> v = held;
        for (const auto& [p, label] : current)
            v.push_back(label);
        return v;
    };

    note_tokens();
    check_clean(a, secrets, "after one login and one get each", must_be_locked());
    for (int i = 0; i < 50; ++i)
        for (const std::string& p : profiles)
            get(a, p);
    check_clean(a, secrets, "after 50 gets each on fresh connections", must_be_locked());
    for (const std::string& p : profiles)
        gets_on_one_connection(a, p, 500);
    BOOST_TEST(a.tok({"header", profiles.front()}).status == 0);
    check_clean(a, secrets, "after 500 more gets each on one connection", must_be_locked());

    // Each token reported rejected (past the first login's one-second invalidate window) is
    // replaced; old and new tokens are looked for.
    std::this_thread::sleep_for(1100ms);
    std::map<std::string, std::string> before;
    for (const std::string& p : profiles)
        before[p] = get(a, p).token;
    for (const std::string& p : profiles)
        BOOST_TEST(a.ask(R"({"op":"invalidate","profile":")" + p + "\"}") == R"({"ok":true})");
    for (const std::string& p : profiles)
        BOOST_TEST(wait_for([&] { return get(a, p).token != before[p]; }, 10s), p << ": no new token");
    for (int i = 0; i < 50; ++i)
        for (const std::string& p : profiles)
            get(a, p);
    note_tokens();
    check_clean(a, secrets, "after a new token each and 50 more gets", must_be_locked());
}

} // namespace


BOOST_AUTO_TEST_CASE(no_token_or_password_outside_locked_memory,
                     *boost::unit_test::precondition(running_as_root) * boost::unit_test::precondition(not_under_asan))
{
    // Setup: random credentials, so that a find is a copy. Aviate (Basic), NovaBilling (JSON
    // body, refresh tokens), OAuth2 password grant (form body, Basic client credentials), and
    // an Aviate profile whose password comes from `tok add`, with characters JSON escapes.
    const std::string email = "heap-" + random_hex(4) + "@example.com", added_email = "add-" + random_hex(4) + "@example.com";
    const std::string password = "pw-" + random_hex(16), added = "add\"\\-" + random_hex(16);
    const std::string client_secret = "cs-" + random_hex(16);
    secret_set secrets;
    secrets.add("the password", password);
    secrets.add("the password given by tok add", added);
    secrets.add("the client secret", client_secret);
    secrets.add("Basic credentials", base64(email + ":" + password));
    secrets.add("Basic credentials from tok add", base64(added_email + ":" + added));
    secrets.add("Basic client credentials", base64("demo-client:" + client_secret));

    temp_dir dir;
    mockbill mock(dir);
    std::string added_json = R"(add\"\\-)" + added.substr(6); // as a JSON string's contents
    mock.control("/_mock/users", R"({"email":")" + email + R"(","password":")" + password + "\"}");
    mock.control("/_mock/users", R"({"email":")" + added_email + R"(","password":")" + added_json + "\"}");
    mock.control("/_mock/config", R"({"oauth2":{"client_secret":")" + client_secret + "\"}}");
    std::string pw = "password_file = \"" + dir.write("p.pass", password + "\n") + "\"\n";
    auto profile = [&](const std::string& name, const std::string& provider, const std::string& rest) {
        return "[profile." + name + "]\nprovider = \"" + provider + "\"\nurl = \"" + mock.url() + "\"\n" + rest;
    };
    std::string config = profile("av", "aviate", "email = \"" + email + "\"\n" + pw)
                         + profile("nb", "novabilling", "email = \"" + email + "\"\n" + pw)
                         + "[profile.oa]\nprovider = \"oauth2\"\ntoken_url = \"" + mock.url() + "/oauth2/token\"\n"
                           "grant = \"password\"\nusername = \"" + email + "\"\n" + pw + "client_id = \"demo-client\"\n"
                           "client_secret_file = \"" + dir.write("cs.pass", client_secret + "\n") + "\"\n"
                         + profile("ad", "aviate", "email = \"" + added_email + "\"\n");
    agent a(dir, config);
    run_result add = a.tok({"add", "ad", "--stdin"}, added + "\n");
    BOOST_TEST_REQUIRE(add.status == 0, add.err);

    // Exercise and check
    exercise_and_scan(a, {"av", "nb", "oa", "ad"}, secrets,
                      {"the password", "the client secret", "the password given by tok add"});
    BOOST_TEST(mock.stat("novabilling.refreshes_ok") >= 1); // the new token came by refresh
}

BOOST_AUTO_TEST_CASE(tls_logins_leave_no_plaintext_outside_locked_memory,
                     *boost::unit_test::precondition(running_as_root) * boost::unit_test::precondition(not_under_asan))
{
    // Setup: mockbill over TLS with a self-signed certificate, which is also the ca_file. Its
    // control API speaks TLS too, so the built-in user is the one logging in.
    temp_dir dir;
    std::string cert = (dir.path() / "cert.pem").string(), key = (dir.path() / "key.pem").string();
    run_result made = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                           "-keyout", key, "-out", cert, "-subj", "/CN=localhost", "-days", "2", "-addext",
                           "subjectAltName=IP:127.0.0.1"});
    BOOST_TEST_REQUIRE(made.status == 0, made.err);
    mockbill mock(dir, {"--tls-cert", cert, "--tls-key", key});
    const std::string password = "demo-password";
    secret_set secrets;
    secrets.add("the password", password);
    secrets.add("Basic credentials", base64("demo@example.com:" + password));
    std::string config = "[profile.av]\nprovider = \"aviate\"\nurl = \"https://127.0.0.1:" + std::to_string(mock.port())
                         + "\"\nemail = \"demo@example.com\"\npassword_file = \"" + dir.write("p.pass", password + "\n")
                         + "\"\nca_file = \"" + cert + "\"\n";
    agent a(dir, config);

    // Exercise and check
    exercise_and_scan(a, {"av"}, secrets, {"the password"});
}

BOOST_AUTO_TEST_SUITE_END()
