// SPDX-License-Identifier: MIT
// The rules that answer a get (engine/serving_rules.hpp), one row per situation: a
// refresh_state driven by the events the profile would feed it, a request, and the decision.
// No sockets, no JSON, no clock: `now` is a point on an invented timeline.
#include "engine/policy.hpp"
#include "engine/serving_rules.hpp"

#include <boost/test/unit_test.hpp>

#include <functional>

using namespace tokend::agent;
using namespace std::chrono_literals;
using tokend::proto::errc;

namespace serving_rules_test {

const boot_time t0 = boot_time(std::chrono::hours(1000));
const wall_time w0 = wall_time(std::chrono::seconds(1'800'000'000));

enum class kind { token, failure, wait, start_attempt };

const char* name(kind k)
{
    switch (k) {
    case kind::token: return "token";
    case kind::failure: return "failure";
    case kind::wait: return "wait";
    case kind::start_attempt: return "start_attempt";
    }
    return "?";
}

kind kind_of(const get_decision& d)
{
    return std::visit([](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, serve_token>) return kind::token;
        else if constexpr (std::is_same_v<T, serve_failure>) return kind::failure;
        else if constexpr (std::is_same_v<T, serve_wait>) return kind::wait;
        else return kind::start_attempt;
    }, d);
}

// A token of lifetime `L` arrives at `at`, as a login's answer does.
void arrive(refresh_state& s, duration L, boot_time at, std::string id = "id1")
{
    issued_token t;
    t.value = tokend::agent::secret::copy_of("tok-" + id);
    t.id = std::move(id);
    t.lifetime = L;
    s.attempt_started(at);
    s.token_arrived(std::move(t), auth_kind::login, at, 0.0);
    s.attempt_finished();
}

void fail_for(refresh_state& s, duration retry_after)
{
    s.attempt_started(t0);
    s.transient_failure("login failed: upstream answered 503", retry_after, t0, w0, 0.0);
    s.attempt_finished();
}

void reject(refresh_state& s)
{
    s.attempt_started(t0);
    s.login_rejected("login failed: upstream answered 401", t0, w0);
    s.attempt_finished();
}

struct row {
    const char* situation;
    std::function<void(refresh_state&)> setup;
    duration at = 0s; // now, after t0
    duration need = 0s;
    std::uint64_t waited_since = 0;
    std::optional<std::string_view> stopped = std::nullopt;
    kind expect = kind::token;
    errc code = errc::internal;
    std::string text = {}; // the whole message, for failures
    std::string token_id = {}; // for tokens
};

const std::vector<row>& rows()
{
    auto nothing = [](refresh_state&) {};
    auto valid_hour = [](refresh_state& s) { arrive(s, 3600s, t0); };
    static const std::vector<row> table{
        {"no token yet", nothing, 0s, 0s, 0, {}, kind::start_attempt},
        {"a valid token", valid_hour, 600s, 0s, 0, {}, kind::token, {}, {}, "id1"},
        {"a valid token, min_ttl within what is left", valid_hour, 600s, 3000s, 0, {}, kind::token, {}, {}, "id1"},
        {"near expiry: less than the default min_ttl left", valid_hour, 3595s, 0s, 0, {}, kind::start_attempt},
        {"near expiry with an attempt in flight",
         [](refresh_state& s) { arrive(s, 3600s, t0); s.attempt_started(t0 + 3590s); }, 3595s, 0s, 0, {}, kind::wait},
        {"min_ttl above what is left of an older token", valid_hour, 600s, 3500s, 0, {}, kind::start_attempt},
        {"min_ttl above what is left of a token younger than reauth_interval", valid_hour, 500ms, 3600s, 0, {},
         kind::token, {}, {}, "id1"},
        {"min_ttl above the lifetime", [](refresh_state& s) { arrive(s, 60s, t0); }, 10s, 61s, 0, {}, kind::failure,
         errc::bad_request, "profile 'p': min_ttl 61 s is more than the token lifetime (60 s)"},
        {"min_ttl beyond ten years", nothing, 0s, policy::max_lifetime + 1s, 0, {}, kind::failure, errc::bad_request,
         "profile 'p': min_ttl of more than ten years is more than any token lives (ten years at most)"},
        {"an attempt in flight, no token", [](refresh_state& s) { s.attempt_started(t0); }, 0s, 0s, 0, {}, kind::wait},
        {"credentials rejected", reject, 5s, 0s, 0, {}, kind::failure, errc::credentials_rejected,
         "profile 'p': login failed: upstream answered 401; fix the credentials, then `tok reload` or `tok add p`"},
        {"credentials rejected, the old token still valid",
         [](refresh_state& s) { arrive(s, 3600s, t0); reject(s); }, 5s, 0s, 0, {}, kind::token, {}, {}, "id1"},
        {"backing off with 20 s left", [](refresh_state& s) { fail_for(s, 30s); }, 10s, 0s, 0, {}, kind::failure,
         errc::upstream_unavailable, "profile 'p': login failed: upstream answered 503; next attempt in 20 s"},
        {"backing off, part of a second left rounds up", [](refresh_state& s) { fail_for(s, 30s); }, 29'500ms, 0s, 0, {},
         kind::failure, errc::upstream_unavailable, "profile 'p': login failed: upstream answered 503; next attempt in 1 s"},
        {"backoff over: a new attempt", [](refresh_state& s) { fail_for(s, 30s); }, 31s, 0s, 0, {}, kind::start_attempt},
        {"the attempt waited for failed", [](refresh_state& s) { fail_for(s, 0s); }, 31s, 0s, 1, {}, kind::failure,
         errc::upstream_unavailable, "profile 'p': login failed: upstream answered 503"},
        {"the attempt waited for ended without a word",
         [](refresh_state& s) { s.attempt_started(t0); s.attempt_finished(); }, 1s, 0s, 1, {}, kind::failure,
         errc::upstream_unavailable, "profile 'p': no token"},
        {"stopped, with a valid token", valid_hour, 600s, 0s, 0, "tokend is stopping", kind::failure,
         errc::upstream_unavailable, "profile 'p': tokend is stopping"},
        {"stopped by a reload while waiting", [](refresh_state& s) { s.attempt_started(t0); }, 0s, 0s, 1,
         "changed by a reload; ask again", kind::failure, errc::upstream_unavailable,
         "profile 'p': changed by a reload; ask again"},
        {"no credentials", [](refresh_state& s) { s.set_credentials(false); }, 0s, 0s, 0, {}, kind::failure,
         errc::no_credentials, "profile 'p': no password configured; run `tok add p`"},
        {"a token arrived while waiting, less left than min_ttl",
         [](refresh_state& s) { arrive(s, 60s, t0 - 50s, "old"); arrive(s, 60s, t0, "new"); }, 10s, 55s, 1, {},
         kind::token, {}, {}, "new"},
        {"the same, for a request that did not wait",
         [](refresh_state& s) { arrive(s, 60s, t0 - 50s, "old"); arrive(s, 60s, t0, "new"); }, 10s, 55s, 0, {},
         kind::start_attempt},
        {"the same, for a request that began waiting after it arrived: nothing newer came",
         [](refresh_state& s) { arrive(s, 60s, t0 - 50s, "old"); arrive(s, 60s, t0, "new"); }, 10s, 55s, 2, {},
         kind::failure, errc::upstream_unavailable, "profile 'p': no token"},
    };
    return table;
}

// The suite sits in this namespace so its names win over other files' in a unity build.
BOOST_AUTO_TEST_SUITE(serving_rules)

BOOST_AUTO_TEST_CASE(each_situation_has_one_answer)
{
    for (const row& r : rows()) {
        BOOST_TEST_CONTEXT(r.situation)
        {
            refresh_state s({5min, false}, t0);
            r.setup(s);
            get_decision d = decide_get(s, t0 + r.at, r.need, r.waited_since, {"p", "password", r.stopped});
            BOOST_TEST(name(kind_of(d)) == name(r.expect));
            if (auto* t = std::get_if<serve_token>(&d))
                BOOST_TEST(t->token->id == r.token_id);
            if (auto* f = std::get_if<serve_failure>(&d)) {
                BOOST_TEST(tokend::proto::to_string(f->code) == tokend::proto::to_string(r.code));
                BOOST_TEST(f->text == r.text);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_static_profile_without_its_token_asks_for_the_token)
{
    refresh_state s({5min, false}, t0);
    s.set_credentials(false);
    get_decision d = decide_get(s, t0, 0s, 0, {"key", "token", std::nullopt});
    auto* f = std::get_if<serve_failure>(&d);
    BOOST_TEST_REQUIRE(f);
    BOOST_TEST((f->code == errc::no_credentials));
    BOOST_TEST(f->text == "profile 'key': no token configured; run `tok add key`");
}

BOOST_AUTO_TEST_CASE(a_request_past_its_deadline_times_out)
{
    auto f = get_timed_out("p");
    BOOST_TEST((f.code == errc::timeout));
    BOOST_TEST(f.text == "profile 'p': no token from the upstream in time");
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace serving_rules_test
