// SPDX-License-Identifier: MIT
#include "engine/policy.hpp"

#include <boost/test/unit_test.hpp>

using namespace tokend::agent;
using namespace std::chrono_literals;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace policy = tokend::agent::policy;

namespace {
wall_time at(long long unix) { return wall_time(seconds(unix)); }
} // namespace

BOOST_AUTO_TEST_SUITE(refresh_policy)

BOOST_AUTO_TEST_CASE(lifetime_prefers_exp_minus_iat_and_ignores_our_clock)
{
    jwt_times t{1000, 4600};
    // Our wall clock is two hours off: the lifetime does not care.
    BOOST_TEST(policy::lifetime(t, std::nullopt, at(1000 + 7200)) == duration(3599s));
    BOOST_TEST(policy::lifetime(t, std::nullopt, at(1000 - 7200)) == duration(3599s));
}

BOOST_AUTO_TEST_CASE(lifetime_falls_back_in_documented_order)
{
    BOOST_TEST(policy::lifetime(jwt_times{std::nullopt, 5000}, seconds(10), at(4000)) == duration(1000s));
    BOOST_TEST(policy::lifetime(jwt_times{}, milliseconds(3'600'000), at(0)) == duration(3600s));
    BOOST_TEST(policy::lifetime(std::nullopt, seconds(120), at(0)) == duration(120s));
    BOOST_TEST(policy::lifetime(std::nullopt, std::nullopt, at(0)) == duration(3600s));
}

BOOST_AUTO_TEST_CASE(margin_and_min_ttl_scale_with_short_lifetimes)
{
    BOOST_TEST(policy::margin(5min, 3599s) == duration(5min));
    BOOST_TEST(policy::margin(5min, 4s) == duration(1s));
    BOOST_TEST(policy::default_min_ttl(3599s) == duration(10s));
    BOOST_TEST(policy::default_min_ttl(4s) == duration(400ms));
}

BOOST_AUTO_TEST_CASE(refresh_delay_stays_inside_its_window)
{
    // jitter 0 and jitter at its maximum bound the refresh between L - m - m/10 and L - m.
    BOOST_TEST(policy::refresh_delay(3599s, 5min, 0.0) == duration(3599s - 5min));
    BOOST_TEST(policy::refresh_delay(3599s, 5min, 1.0) == duration(3599s - 5min - 30s));
}

BOOST_AUTO_TEST_CASE(backoff_doubles_from_one_second_to_sixty)
{
    const int caps[] = {1, 2, 4, 8, 16, 32, 60, 60, 60};
    for (unsigned n = 1; n <= 9; ++n) {
        BOOST_TEST(policy::backoff_cap(n) == duration(seconds(caps[n - 1])));
        BOOST_TEST(policy::backoff_delay(n, 0.0) == duration::zero()); // full jitter starts at zero
        BOOST_TEST(policy::backoff_delay(n, 0.5) == duration(seconds(caps[n - 1])) / 2);
    }
    BOOST_TEST(policy::backoff_cap(1000) == duration(60s));
}

BOOST_AUTO_TEST_CASE(retry_after_reads_both_forms)
{
    wall_time now = at(1445412480); // Wed, 21 Oct 2015 07:28:00 GMT
    BOOST_TEST(*policy::parse_retry_after("120", now) == duration(120s));
    BOOST_TEST(*policy::parse_retry_after(" 5 ", now) == duration(5s));
    BOOST_TEST(*policy::parse_retry_after("Wed, 21 Oct 2015 07:29:30 GMT", now) == duration(90s));
    BOOST_TEST(*policy::parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now) == duration::zero());
    BOOST_TEST(!policy::parse_retry_after("soon", now));
    BOOST_TEST(!policy::parse_retry_after("", now));
    BOOST_TEST(*policy::parse_retry_after("99999999", now) == duration(86400s));
}

BOOST_AUTO_TEST_SUITE_END()
