// SPDX-License-Identifier: MIT
// What an upstream claims about time is clamped before any arithmetic (docs/refresh.md,
// "Bounds"): JWT exp/iat, KillB expiresIn, OAuth2 expires_in, Retry-After and retryAfter, and
// a client's min_ttl. Each case sits at an edge that overflowed (signed or float-to-integer)
// before the clamps; the sanitizer build checks both kinds of overflow.
#include "http_answer.hpp"
#include "upstream/jwt.hpp"
#include "jwt_fixture.hpp"
#include "engine/policy.hpp"
#include "upstream/providers/provider.hpp"
#include "upstream/providers/registry.hpp"
#include "engine/refresh_state.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

using namespace tokend::agent;
using tokend::agent::testing::http_answer;
using namespace std::chrono_literals;
using std::chrono::seconds;
namespace policy = tokend::agent::policy;

namespace {

constexpr std::int64_t year_2300 = 10413792000; // 2300-01-01T00:00:00Z
constexpr std::int64_t year_9999_end = 253402300799;
const wall_time now_2025 = wall_time(seconds(1'750'000'000));
const duration ten_years = std::chrono::days(3650);

} // namespace

BOOST_AUTO_TEST_SUITE(bounds)

BOOST_AUTO_TEST_CASE(jwt_claims_past_year_9999_read_as_9999_and_negative_ones_are_ignored)
{
    const std::pair<const char*, std::int64_t> far[] = {
        {"10413792000", year_2300},           // kept as is: inside the range
        {"9223372036854775807", year_9999_end}, // INT64_MAX
        {"18446744073709551615", year_9999_end}, // UINT64_MAX
        {"1e300", year_9999_end},
        {"1e400", year_9999_end}, // Boost.JSON reads this as infinity
    };
    for (auto [exp, expected] : far) {
        BOOST_TEST_CONTEXT("exp " << exp)
        {
            auto t = read_jwt_times(test::make_jwt(std::string(R"({"iat":1750000000,"exp":)") + exp + "}"));
            BOOST_TEST_REQUIRE(t.has_value());
            BOOST_TEST_REQUIRE(t->exp.has_value());
            BOOST_TEST(*t->exp == expected);
        }
    }
    auto negative = read_jwt_times(test::make_jwt(R"({"iat":-9223372036854775808,"exp":-1e300})"));
    BOOST_TEST_REQUIRE(negative.has_value());
    BOOST_TEST(!negative->iat.has_value());
    BOOST_TEST(!negative->exp.has_value());
}

BOOST_AUTO_TEST_CASE(a_jwt_claiming_centuries_lives_ten_years)
{
    // exp - iat - 1 for a token issued now that claims year 2300: 275 years, clamped.
    BOOST_TEST(policy::lifetime(jwt_times{1'750'000'000, year_2300}, std::nullopt, now_2025) == ten_years);
    BOOST_TEST(policy::lifetime(jwt_times{0, year_9999_end}, std::nullopt, now_2025) == ten_years);
    // exp alone: exp - now.
    BOOST_TEST(policy::lifetime(jwt_times{std::nullopt, year_2300}, std::nullopt, now_2025) == ten_years);
    BOOST_TEST(policy::lifetime(jwt_times{std::nullopt, year_9999_end}, std::nullopt, now_2025) == ten_years);
    // Exactly at the clamp, and one second inside it, are kept.
    std::int64_t ten_years_s = std::chrono::duration_cast<seconds>(ten_years).count();
    BOOST_TEST(policy::lifetime(jwt_times{1000, 1000 + ten_years_s + 1}, std::nullopt, now_2025) == ten_years);
    BOOST_TEST(policy::lifetime(jwt_times{1000, 1000 + ten_years_s}, std::nullopt, now_2025) == ten_years - 1s);
}

BOOST_AUTO_TEST_CASE(claims_at_the_ends_of_int64_do_not_overflow)
{
    constexpr auto max = std::numeric_limits<std::int64_t>::max();
    constexpr auto min = std::numeric_limits<std::int64_t>::min();
    BOOST_TEST(policy::lifetime(jwt_times{min, max}, std::nullopt, now_2025) == ten_years);
    BOOST_TEST(policy::lifetime(jwt_times{max, min}, std::nullopt, now_2025) == -ten_years);
    BOOST_TEST(policy::lifetime(jwt_times{std::nullopt, max}, std::nullopt, now_2025) == ten_years);
    BOOST_TEST(policy::lifetime(jwt_times{std::nullopt, min}, std::nullopt, now_2025) == -ten_years);
}

BOOST_AUTO_TEST_CASE(iat_after_exp_is_an_already_dead_token_not_an_overflow)
{
    BOOST_TEST(policy::lifetime(jwt_times{5000, 4000}, std::nullopt, now_2025) == duration(-1001s));
    BOOST_TEST(policy::lifetime(jwt_times{year_9999_end, 0}, std::nullopt, now_2025) == -ten_years);
    // exp long past, no iat: negative, and clamped.
    BOOST_TEST(policy::lifetime(jwt_times{std::nullopt, 1'749'999'000}, std::nullopt, now_2025) == duration(-1000s));
    BOOST_TEST(policy::lifetime(jwt_times{std::nullopt, 0}, std::nullopt, now_2025) == -ten_years);
}

BOOST_AUTO_TEST_CASE(a_stated_lifetime_is_clamped_too)
{
    BOOST_TEST(policy::lifetime(std::nullopt, duration::max(), now_2025) == ten_years);
    BOOST_TEST(policy::lifetime(std::nullopt, duration(-5s), now_2025) == duration::zero());

    const provider& kb = find_provider("killb")->instance();
    for (const char* ms : {"1e300", "1e400", "18446744073709551615", "9223372036854775807"}) {
        BOOST_TEST_CONTEXT("expiresIn " << ms)
        {
            auto r = kb.read_login(http_answer(201, std::string(R"({"accessToken":"opaque","expiresIn":)") + ms + "}"));
            BOOST_TEST_REQUIRE((r.result == auth_reply::outcome::ok));
            BOOST_TEST((r.expires_in == ten_years));
        }
    }
    auto exact = kb.read_login(http_answer(201, R"({"accessToken":"opaque","expiresIn":315360000000})"));
    BOOST_TEST((exact.expires_in == ten_years));

    const provider& oa = find_provider("oauth2")->instance();
    for (const char* s : {"1e300", "\"1e300\"", "1e400", "9223372036854775807"}) {
        BOOST_TEST_CONTEXT("expires_in " << s)
        {
            auto r = oa.read_login(http_answer(200, std::string(R"({"access_token":"at","expires_in":)") + s + "}"));
            BOOST_TEST_REQUIRE((r.result == auth_reply::outcome::ok));
            BOOST_TEST((r.expires_in == ten_years));
        }
    }
    for (const char* s : {"\"nan\"", "\"-inf\"", "\"1e99999\"", "-1e300", "0"}) {
        BOOST_TEST_CONTEXT("expires_in " << s)
        {
            auto r = oa.read_login(http_answer(200, std::string(R"({"access_token":"at","expires_in":)") + s + "}"));
            BOOST_TEST(!r.expires_in.has_value()); // not a lifetime: the fallback decides
        }
    }
}

BOOST_AUTO_TEST_CASE(retry_after_holds_an_attempt_back_a_day_at_most)
{
    const provider& nb = find_provider("novabilling")->instance();
    for (const char* header : {"86401", "99999999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT",
                               "Mon, 01 Jan 2300 00:00:00 GMT"}) {
        BOOST_TEST_CONTEXT("Retry-After: " << header)
        {
            auto r = nb.read_login(http_answer(429, "{}", header));
            BOOST_TEST((r.retry_after == duration(24h)));
        }
    }
    for (const char* body : {"1e300", "1e400", "86401", "18446744073709551615"}) {
        BOOST_TEST_CONTEXT("retryAfter " << body)
        {
            auto r = nb.read_login(http_answer(429, std::string(R"({"retryAfter":)") + body + "}"));
            BOOST_TEST((r.retry_after == duration(24h)));
        }
    }
    auto negative = nb.read_login(http_answer(429, R"({"retryAfter":-5})"));
    BOOST_TEST(!negative.retry_after.has_value());

    // The state machine clamps what it is given, whoever parsed it.
    refresh_state s({5min, false}, boot_time(1000h));
    s.attempt_started(boot_time(1000h));
    s.transient_failure("login failed: HTTP 429", duration::max(), boot_time(1000h), now_2025, 0.5);
    s.attempt_finished();
    BOOST_TEST((s.next(boot_time(1000h)).when == boot_time(1000h) + 24h));
}

BOOST_AUTO_TEST_CASE(min_ttl_beyond_any_lifetime_stays_beyond_it)
{
    const duration beyond = ten_years + 1s;
    for (double v : {1e10, 1e300, std::numeric_limits<double>::infinity(), std::nan(""), 315360001.0})
        BOOST_TEST_CONTEXT("min_ttl " << v) { BOOST_TEST((policy::min_ttl_need(v) == beyond)); }
    BOOST_TEST((policy::min_ttl_need(315360000.0) == ten_years));
    BOOST_TEST((policy::min_ttl_need(3599.5) == duration(3599500ms)));
    BOOST_TEST((policy::min_ttl_need(0) == duration::zero()));
    BOOST_TEST((policy::min_ttl_need(-1) == duration::zero()));
    BOOST_TEST(!policy::clamped_seconds(std::nan(""), 1s).has_value());
    BOOST_TEST((policy::clamped_seconds(1e300, 1s) == duration(1s)));
}

BOOST_AUTO_TEST_SUITE_END()
