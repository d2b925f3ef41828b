// SPDX-License-Identifier: MIT
// <tok/tok.h> against a real tokend: handles, tokens and their accessors, the caller-owned
// buffer protocol, library-allocated JSON, error codes and messages. Run under ASan/UBSan
// in the sanitizer build, so leaks and overruns fail the test.
#include "fixtures.hpp"

#include <tok/tok.h>

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>

using namespace tokend::test;
using namespace tok::test;

namespace {

// A handle that is freed however the test ends.
struct handle {
    tok_client* c = nullptr;
    explicit handle(const std::string& socket, int timeout_ms = 5000)
    {
        BOOST_REQUIRE(tok_client_new(socket.c_str(), timeout_ms, &c) == TOK_OK);
    }
    ~handle() { tok_client_free(c); }
};

} // namespace

BOOST_AUTO_TEST_SUITE(c_api)

BOOST_AUTO_TEST_CASE(get_and_accessors)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    handle h(a.socket());
    tok_token* t = nullptr;

    // Exercise
    int rc = tok_get(h.c, "s", 0, &t);

    // Check
    BOOST_TEST_REQUIRE(rc == TOK_OK, tok_last_error_message(h.c));
    BOOST_TEST(tok_token_value(t) == std::string(static_token));
    BOOST_TEST(std::strlen(tok_token_id(t)) > 0u);
    BOOST_TEST(tok_token_expires_at(t) == 0);
    BOOST_TEST_REQUIRE(tok_token_header_count(t) == 1u);
    BOOST_TEST(tok_token_header_name(t, 0) == std::string("Authorization"));
    BOOST_TEST(tok_token_header_value(t, 0) == "Bearer " + std::string(static_token));
    BOOST_TEST(tok_token_header_name(t, 1) == nullptr);
    tok_token_free(t);
    tok_token_free(nullptr);
}

BOOST_AUTO_TEST_CASE(header_uses_the_callers_buffer)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    handle h(a.socket());
    const std::string expected = "Authorization: Bearer " + std::string(static_token) + "\n";
    size_t needed = 0;
    char small[8] = "unused";

    // Exercise: ask for the size, then fill a buffer of exactly that size.
    int probe = tok_header(h.c, "s", 0, nullptr, 0, &needed);
    int too_small = tok_header(h.c, "s", 0, small, sizeof small, &needed);
    std::string exact(needed, '\xff');
    int rc = tok_header(h.c, "s", 0, exact.data(), exact.size(), &needed);

    // Check
    BOOST_TEST(probe == TOK_ERR_BUFFER_TOO_SMALL);
    BOOST_TEST(too_small == TOK_ERR_BUFFER_TOO_SMALL);
    BOOST_TEST(std::string(small) == "unused"); // untouched
    BOOST_TEST(needed == expected.size() + 1);
    BOOST_TEST_REQUIRE(rc == TOK_OK);
    BOOST_TEST(exact.c_str() == expected);
}

BOOST_AUTO_TEST_CASE(status_json_is_library_allocated)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    handle h(a.socket());
    char* json = nullptr;
    char* one = nullptr;

    // Exercise
    int rc = tok_status_json(h.c, nullptr, &json);
    int rc_one = tok_status_json(h.c, "s", &one);

    // Check
    BOOST_TEST_REQUIRE(rc == TOK_OK);
    BOOST_TEST_REQUIRE(rc_one == TOK_OK);
    BOOST_TEST(std::string(json).find(R"("name":"nopass")") != std::string::npos);
    BOOST_TEST(std::string(one).find(R"("name":"nopass")") == std::string::npos);
    tok_free(json);
    tok_free(one);
    tok_free(nullptr);
}

BOOST_AUTO_TEST_CASE(invalidate_add_and_reload)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    handle h(a.socket());
    tok_token* t = nullptr;
    BOOST_TEST_REQUIRE(tok_get(h.c, "s", 0, &t) == TOK_OK);

    // Exercise / Check
    BOOST_TEST(tok_invalidate(h.c, "s", tok_token_id(t)) == TOK_OK);
    BOOST_TEST(tok_invalidate(h.c, "s", nullptr) == TOK_OK);
    BOOST_TEST(tok_add(h.c, "nopass", "a-password") == TOK_OK);
    BOOST_TEST(tok_reload(h.c) == TOK_OK);
    tok_token_free(t);
}

BOOST_AUTO_TEST_CASE(errors_carry_codes_and_per_handle_messages)
{
    // Setup
    temp_dir dir;
    agent a(dir, static_config(dir));
    handle h(a.socket());
    handle other(a.socket());
    handle nowhere((dir.path() / "none.sock").string());
    tok_token* t = nullptr;

    // Exercise
    int unknown = tok_get(h.c, "nope", 0, &t);
    std::string message = tok_last_error_message(h.c);
    std::string other_message = tok_last_error_message(other.c);
    int no_creds = tok_get(h.c, "nopass", 0, &t);
    int unreachable = tok_get(nowhere.c, "s", 0, &t);

    // Check
    BOOST_TEST(unknown == TOK_ERR_UNKNOWN_PROFILE);
    BOOST_TEST(message == "profile 'nope' is not configured; known: down, nopass, s");
    BOOST_TEST(other_message.empty());
    BOOST_TEST(no_creds == TOK_ERR_NO_CREDENTIALS);
    BOOST_TEST(unreachable == TOK_ERR_AGENT_UNREACHABLE);
    BOOST_TEST(t == nullptr);
    BOOST_TEST(std::string(tok_strerror(TOK_ERR_UNKNOWN_PROFILE)).starts_with("unknown_profile"));
    BOOST_TEST(std::string(tok_strerror(9999)) == "unknown error code");
}

BOOST_AUTO_TEST_CASE(null_arguments_are_refused)
{
    // Setup
    tok_client* c = nullptr;
    tok_token* t = nullptr;
    char* json = nullptr;

    // Exercise / Check
    BOOST_TEST(tok_client_new(nullptr, 0, nullptr) == TOK_ERR_INVALID_ARGUMENT);
    BOOST_TEST(tok_get(nullptr, "s", 0, &t) == TOK_ERR_INVALID_ARGUMENT);
    BOOST_TEST(tok_header(nullptr, "s", 0, nullptr, 0, nullptr) == TOK_ERR_INVALID_ARGUMENT);
    BOOST_TEST(tok_status_json(nullptr, nullptr, &json) == TOK_ERR_INVALID_ARGUMENT);
    BOOST_TEST(tok_client_new(nullptr, 0, &c) == TOK_OK); // default socket; no connection yet
    BOOST_TEST(tok_get(c, nullptr, 0, &t) == TOK_ERR_INVALID_ARGUMENT);
    BOOST_TEST(tok_add(c, "p", nullptr) == TOK_ERR_INVALID_ARGUMENT);
    BOOST_TEST(std::string(tok_last_error_message(c)).find("NULL") != std::string::npos);
    BOOST_TEST(tok_version() == std::string(TOKEND_VERSION));
    tok_client_free(c);
    tok_client_free(nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
