// SPDX-License-Identifier: MIT
#include "engine/serving_rules.hpp"

#include "engine/policy.hpp"

namespace tokend::agent {
using proto::errc;

std::string whole_seconds(duration d)
{
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d + std::chrono::milliseconds(999)).count()) + " s";
}

namespace {

serve_failure fail(const get_context& cx, errc code, std::string_view message)
{
    std::string text = "profile '";
    text.append(cx.profile).append("': ").append(message);
    return {code, std::move(text)};
}

std::optional<serve_failure> min_ttl_refusal(const refresh_state& state, duration need, const get_context& cx)
{
    auto L = state.known_lifetime();
    if (need <= policy::max_lifetime && (!L || need <= *L))
        return std::nullopt;
    std::string asked = need > policy::max_lifetime ? "of more than ten years" : whole_seconds(need);
    return fail(cx, errc::bad_request,
                "min_ttl " + asked + " is more than "
                    + (L ? "the token lifetime (" + whole_seconds(*L) + ")" : std::string("any token lives (ten years at most)")));
}

} // namespace

// The order is the rule: a stopped profile serves nothing; an impossible min_ttl is the
// client's error whatever the state; a servable token beats every upstream trouble.
get_decision decide_get(const refresh_state& state, boot_time now, duration need, std::uint64_t waited_since,
                        const get_context& cx)
{
    if (cx.stopped)
        return fail(cx, errc::upstream_unavailable, *cx.stopped);
    if (auto refusal = min_ttl_refusal(state, need, cx))
        return std::move(*refusal);
    const token_info* t = state.servable(now, need);
    if (!t && waited_since && state.token() && state.token()->serial > waited_since
        && need <= state.token()->lifetime && state.servable(now, duration::zero()))
        t = state.token(); // arrived while this request waited: as fresh as tokens come
    if (t)
        return serve_token{t};
    if (!state.has_credentials())
        return fail(cx, errc::no_credentials,
                    "no " + std::string(cx.missing_secret) + " configured; run `tok add " + std::string(cx.profile) + "`");
    if (state.in_flight())
        return serve_wait{};
    if (state.rejected())
        return fail(cx, errc::credentials_rejected,
                    state.last_error() + "; fix the credentials, then `tok reload` or `tok add " + std::string(cx.profile) + "`");
    if (auto until = state.backing_off_until(now))
        return fail(cx, errc::upstream_unavailable, state.last_error() + "; next attempt in " + whole_seconds(*until - now));
    if (waited_since) // the attempt we waited for ended without a usable token
        return fail(cx, errc::upstream_unavailable, state.last_error().empty() ? "no token" : state.last_error());
    return serve_start_attempt{};
}

serve_failure get_timed_out(std::string_view profile)
{
    return fail({profile, {}, std::nullopt}, errc::timeout, "no token from the upstream in time");
}

} // namespace tokend::agent
