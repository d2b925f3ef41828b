// SPDX-License-Identifier: MIT
// The scheduler under an injected timeline: every decision of refresh_state checked against
// docs/refresh.md's arithmetic, for lifetimes from 2 s to 24 h.
#include "engine/policy.hpp"
#include "engine/refresh_state.hpp"

#include <boost/test/unit_test.hpp>

using namespace tokend::agent;
using namespace std::chrono_literals;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace policy = tokend::agent::policy;

namespace tokend::agent {
std::ostream& operator<<(std::ostream& o, profile_state s) { return o << to_string(s); }
} // namespace tokend::agent

namespace {

const boot_time t0 = boot_time(hours(1000));
const wall_time w0 = wall_time(seconds(1'800'000'000));

issued_token make_token(duration lifetime, std::string id = "id1", bool with_refresh = false)
{
    issued_token t;
    t.value = secret::copy_of("tok-" + id);
    t.id = std::move(id);
    t.lifetime = lifetime;
    if (with_refresh)
        t.refresh_token = secret::copy_of("rt");
    return t;
}

refresh_state fresh(duration margin = 5min, bool can_refresh = false)
{
    return refresh_state({margin, can_refresh}, t0);
}

} // namespace

BOOST_AUTO_TEST_SUITE(scheduler)

BOOST_AUTO_TEST_CASE(first_attempt_is_a_login_at_the_spread_time)
{
    refresh_state s({5min, true}, t0 + 300ms);
    BOOST_TEST(s.state(t0) == profile_state::idle);
    next_step n = s.next(t0);
    BOOST_TEST((n.what == next_step::wait_until));
    BOOST_TEST((n.when == t0 + 300ms));
    n = s.next(t0 + 300ms);
    BOOST_TEST((n.what == next_step::attempt));
    BOOST_TEST((n.auth == auth_kind::login));
}

BOOST_AUTO_TEST_CASE(a_request_never_waits_for_the_spread)
{
    refresh_state s({5min, false}, t0 + 20s);
    s.request_attempt();
    BOOST_TEST((s.next(t0).what == next_step::attempt));
}

BOOST_AUTO_TEST_CASE(refresh_time_follows_refresh_md_for_lifetimes_from_2s_to_24h)
{
    const duration lifetimes[] = {2s, 4s, 5s, 60s, 10min, 3599s, 3600s, 6h, 24h};
    const duration margins[] = {5min, 30s}; // any margin >= 10 s keeps the refresh before the serving floor
    for (duration L : lifetimes)
        for (duration rm : margins)
            for (double jitter : {0.0, 0.5, 0.999}) {
                BOOST_TEST_CONTEXT("L=" << duration_cast<milliseconds>(L).count() << "ms margin="
                                        << duration_cast<seconds>(rm).count() << "s jitter=" << jitter)
                {
                    // Setup
                    refresh_state s = fresh(rm);
                    s.attempt_started(t0 + 1s);
                    boot_time arrived = t0 + 1s;
                    s.token_arrived(make_token(L), auth_kind::login, arrived, jitter);
                    s.attempt_finished();

                    // Exercise
                    next_step n = s.next(arrived);

                    // Check: refresh at arrival + L - m - jitter*m/10, m = min(margin, L/4).
                    duration m = std::min(rm, L / 4);
                    duration expected = L - m - duration_cast<duration>(m / 10 * jitter);
                    BOOST_TEST((n.what == next_step::wait_until));
                    BOOST_TEST(duration_cast<microseconds>(n.when - arrived).count()
                               == duration_cast<microseconds>(expected).count());
                    BOOST_TEST((n.when - arrived >= L - m - m / 10));
                    BOOST_TEST((n.when - arrived <= L - m));
                    // The token is served until min(10 s, L/10) before its end, and not after.
                    duration floor = std::min<duration>(10s, L / 10);
                    BOOST_TEST(s.servable(arrived + L - floor, 0s) != nullptr);
                    BOOST_TEST(s.servable(arrived + L - floor + 1ms, 0s) == nullptr);
                    // Refresh comes before the serving floor: a working upstream never leaves a gap.
                    BOOST_TEST((n.when <= arrived + L - floor));
                    BOOST_TEST((s.next(n.when).what == next_step::attempt));
                }
            }
}

BOOST_AUTO_TEST_CASE(min_ttl_asks_more_than_the_floor)
{
    refresh_state s = fresh();
    s.attempt_started(t0);
    s.token_arrived(make_token(3599s), auth_kind::login, t0, 0.0);
    s.attempt_finished();
    BOOST_TEST(s.servable(t0 + 2s, 3000s) != nullptr);
    BOOST_TEST(s.servable(t0 + 700s, 3000s) == nullptr);
    BOOST_TEST(s.servable(t0 + 700s, 2000s) != nullptr);
    // A token younger than a second satisfies any min_ttl up to its lifetime.
    BOOST_TEST(s.servable(t0 + 500ms, 3599s) != nullptr);
    BOOST_TEST(s.servable(t0 + 500ms, 3600s) == nullptr);
}

BOOST_AUTO_TEST_CASE(transient_failures_back_off_and_keep_serving)
{
    refresh_state s = fresh(5min, true);
    s.attempt_started(t0);
    s.token_arrived(make_token(3599s, "a", true), auth_kind::login, t0, 0.0);
    s.attempt_finished();
    boot_time at = t0 + 3599s - 5min;
    BOOST_TEST((s.next(at).auth == auth_kind::refresh));

    // Exercise: three failures in a row, each with jitter at the cap.
    s.attempt_started(at);
    s.transient_failure("refresh failed: HTTP 503", std::nullopt, at, w0, 0.999999);
    s.attempt_finished();

    // Check
    BOOST_TEST(s.state(at) == profile_state::failing);
    BOOST_TEST(s.servable(at, 0s) != nullptr);
    BOOST_TEST((s.next(at).what == next_step::wait_until));
    BOOST_TEST((s.next(at).when - at <= duration(1s)));
    BOOST_TEST(s.backing_off_until(at).has_value());
    BOOST_TEST(s.refresh_token() != nullptr); // kept for the retry
    BOOST_TEST(s.failures == 1u);
    BOOST_TEST(s.last_error() == "refresh failed: HTTP 503");
}

BOOST_AUTO_TEST_CASE(retry_after_wins_over_a_shorter_backoff)
{
    refresh_state s = fresh();
    s.attempt_started(t0);
    s.transient_failure("login failed: HTTP 429", 30s, t0, w0, 0.5);
    s.attempt_finished();
    BOOST_TEST((s.next(t0 + 29s).what == next_step::wait_until));
    BOOST_TEST((s.next(t0 + 29s).when == t0 + 30s));
    // A request does not shorten it.
    s.request_attempt();
    BOOST_TEST((s.next(t0 + 29s).what == next_step::wait_until));
    BOOST_TEST((s.next(t0 + 30s).what == next_step::attempt));
}

BOOST_AUTO_TEST_CASE(rejected_login_waits_fifteen_minutes_or_new_credentials)
{
    refresh_state s = fresh();
    s.attempt_started(t0);
    s.login_rejected("login refused: HTTP 401", t0, w0);
    s.attempt_finished();
    BOOST_TEST(s.state(t0) == profile_state::credentials_rejected);
    BOOST_TEST((s.next(t0 + 14min).what == next_step::wait_until));
    BOOST_TEST((s.next(t0 + 14min).when == t0 + 15min));
    s.request_attempt(); // requests do not retry a rejected login
    BOOST_TEST((s.next(t0 + 1min).what == next_step::wait_until));
    BOOST_TEST((s.next(t0 + 15min).what == next_step::attempt));

    s.credentials_changed();
    BOOST_TEST((s.next(t0 + 1min).what == next_step::attempt));
}

BOOST_AUTO_TEST_CASE(changed_credentials_log_in_at_most_once_per_five_seconds)
{
    // Setup: a login at t0 is refused.
    refresh_state s = fresh();
    s.attempt_started(t0);
    s.login_rejected("login refused: HTTP 401", t0 + 100ms, w0);
    s.attempt_finished();

    // Exercise: new credentials 200 ms later, and more right after.
    s.credentials_changed();
    s.credentials_changed();
    s.request_attempt(); // nor can a request hurry it

    // Check: the rejection is lifted, but the next login waits for t0 + 5 s.
    BOOST_TEST(s.state(t0 + 200ms) != profile_state::credentials_rejected);
    BOOST_TEST((s.next(t0 + 200ms).what == next_step::wait_until));
    BOOST_TEST((s.next(t0 + 200ms).when == t0 + policy::credentials_change_interval));
    BOOST_TEST((s.next(t0 + 4999ms).what == next_step::wait_until));
    next_step n = s.next(t0 + 5s);
    BOOST_TEST((n.what == next_step::attempt));
    BOOST_TEST((n.auth == auth_kind::login));

    // That login is refused too; a change right away waits for 5 s after it.
    s.attempt_started(t0 + 5s);
    s.login_rejected("login refused: HTTP 401", t0 + 5100ms, w0);
    s.attempt_finished();
    s.credentials_changed();
    BOOST_TEST((s.next(t0 + 5200ms).when == t0 + 10s));
}

BOOST_AUTO_TEST_CASE(first_credentials_log_in_at_once)
{
    refresh_state s = fresh();
    s.set_credentials(false);
    s.set_credentials(true);
    s.credentials_changed(); // `tok add` on a profile that never tried
    BOOST_TEST((s.next(t0).what == next_step::attempt));
}

BOOST_AUTO_TEST_CASE(credentials_changed_during_a_login_are_not_blocked_by_its_rejection)
{
    // Setup: a login with the old credentials is in flight when new ones arrive.
    refresh_state s = fresh();
    s.attempt_started(t0);
    s.credentials_changed();

    // Exercise: the upstream refuses the old ones.
    s.login_rejected("login refused: HTTP 401", t0 + 300ms, w0);
    s.attempt_finished();

    // Check: the new ones get their login, 5 s after the last one started.
    BOOST_TEST(!s.rejected());
    BOOST_TEST((s.next(t0 + 300ms).when == t0 + 5s));
    BOOST_TEST((s.next(t0 + 5s).what == next_step::attempt));
}

BOOST_AUTO_TEST_CASE(the_same_credentials_rejected_again_stay_rejected)
{
    // Nothing changed between attempts: the rejection blocks as before (the caller compares
    // values and calls credentials_changed() only when they differ).
    refresh_state s = fresh();
    s.attempt_started(t0);
    s.login_rejected("login refused: HTTP 401", t0, w0);
    s.attempt_finished();
    BOOST_TEST(s.rejected());
    BOOST_TEST((s.next(t0 + 10s).when == t0 + 15min));
}

BOOST_AUTO_TEST_CASE(refresh_token_rejection_falls_back_to_login)
{
    refresh_state s = fresh(5min, true);
    s.attempt_started(t0);
    s.token_arrived(make_token(60s, "a", true), auth_kind::login, t0, 0.0);
    s.attempt_finished();
    BOOST_TEST((s.next(t0 + 50s).auth == auth_kind::refresh));
    s.refresh_token_rejected("refresh refused: HTTP 401", w0);
    BOOST_TEST(s.refresh_token() == nullptr);
    BOOST_TEST((s.next(t0 + 50s).auth == auth_kind::login));
}

BOOST_AUTO_TEST_CASE(newest_refresh_token_replaces_the_old_one)
{
    refresh_state s = fresh(5min, true);
    s.token_arrived(make_token(60s, "a", true), auth_kind::login, t0, 0.0);
    issued_token t = make_token(60s, "b");
    t.refresh_token = secret::copy_of("rt2");
    s.token_arrived(std::move(t), auth_kind::refresh, t0 + 50s, 0.0);
    BOOST_TEST(s.refresh_token()->view() == "rt2");
    s.token_arrived(make_token(60s, "c"), auth_kind::refresh, t0 + 100s, 0.0); // none returned: keep
    BOOST_TEST(s.refresh_token()->view() == "rt2");
    BOOST_TEST(s.refreshes == 2u);
    BOOST_TEST(s.logins == 1u);
}

BOOST_AUTO_TEST_CASE(an_expired_refresh_token_is_not_used)
{
    refresh_state s = fresh(5min, true);
    issued_token t = make_token(60s, "a", true);
    t.refresh_token_lifetime = 100s;
    s.token_arrived(std::move(t), auth_kind::login, t0, 0.0);
    BOOST_TEST((s.next(t0 + 99s).auth == auth_kind::refresh));
    s.request_attempt();
    BOOST_TEST((s.next(t0 + 101s).auth == auth_kind::login));
}

BOOST_AUTO_TEST_CASE(invalidate_follows_the_token_id_and_the_one_second_rule)
{
    refresh_state s = fresh();
    s.token_arrived(make_token(3599s, "current"), auth_kind::login, t0, 0.0);
    BOOST_TEST(!s.invalidate(std::string_view("older"), t0 + 10s)); // stale report: no-op
    BOOST_TEST(s.servable(t0 + 10s, 0s) != nullptr);
    BOOST_TEST(s.invalidate(std::string_view("current"), t0 + 10s));
    BOOST_TEST(s.servable(t0 + 10s, 0s) == nullptr);
    BOOST_TEST((s.next(t0 + 10s).what == next_step::attempt));
    s.token_arrived(make_token(3599s, "next"), auth_kind::login, t0 + 10200ms, 0.0);
    BOOST_TEST(!s.invalidate(std::nullopt, t0 + 10500ms)); // inside the second: starts nothing
    BOOST_TEST(s.servable(t0 + 10500ms, 0s) != nullptr);
    BOOST_TEST(s.invalidate(std::nullopt, t0 + 11s));
}

BOOST_AUTO_TEST_CASE(after_a_suspend_the_token_is_not_served_and_refresh_is_due)
{
    // The refresher slept through its deadline (timers stop while suspended); CLOCK_BOOTTIME
    // did not, so the next decision sees the truth.
    refresh_state s = fresh();
    s.token_arrived(make_token(3599s), auth_kind::login, t0, 0.0);
    boot_time resumed = t0 + 5h;
    BOOST_TEST(s.servable(resumed, 0s) == nullptr);
    BOOST_TEST(s.state(resumed) == profile_state::expired);
    BOOST_TEST((s.next(resumed).what == next_step::attempt));
}

BOOST_AUTO_TEST_CASE(static_tokens_never_expire_nor_refresh)
{
    refresh_state s = fresh();
    issued_token t = make_token(0s, "key");
    t.never_expires = true;
    s.token_arrived(std::move(t), auth_kind::login, t0, 0.0);
    BOOST_TEST(s.servable(t0 + 24h * 365, seconds(1'000'000)) != nullptr);
    BOOST_TEST((s.next(t0 + 24h).what == next_step::wait_for_event));
    BOOST_TEST(!s.invalidate(std::nullopt, t0 + 5s));
    BOOST_TEST(s.state(t0) == profile_state::valid);
}

BOOST_AUTO_TEST_CASE(no_credentials_waits_for_tok_add)
{
    refresh_state s = fresh();
    s.set_credentials(false);
    BOOST_TEST(s.state(t0) == profile_state::no_credentials);
    BOOST_TEST((s.next(t0).what == next_step::wait_for_event));
    s.set_credentials(true);
    BOOST_TEST((s.next(t0).what == next_step::attempt));
}

BOOST_AUTO_TEST_SUITE_END()
