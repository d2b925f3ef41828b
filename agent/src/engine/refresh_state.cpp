// SPDX-License-Identifier: MIT
#include "engine/refresh_state.hpp"

#include "engine/policy.hpp"

#include <algorithm>

namespace tokend::agent {

std::string_view to_string(profile_state s)
{
    switch (s) {
    case profile_state::idle: return "idle";
    case profile_state::valid: return "valid";
    case profile_state::refreshing: return "refreshing";
    case profile_state::failing: return "failing";
    case profile_state::expired: return "expired";
    case profile_state::credentials_rejected: return "credentials_rejected";
    case profile_state::no_credentials: return "no_credentials";
    }
    return "idle";
}

auth_kind refresh_state::preferred_auth(boot_time now) const
{
    bool usable = refresh_token_ && (!refresh_token_expires_at_ || now < *refresh_token_expires_at_);
    return settings_.can_refresh && usable ? auth_kind::refresh : auth_kind::login;
}

next_step refresh_state::next(boot_time now) const
{
    if (in_flight_ || !has_credentials_)
        return {};
    if (rejected_at_) {
        // One attempt per rejection: the same credentials are retried only after the cooldown.
        boot_time until = *rejected_at_ + policy::rejection_cooldown;
        if (now < until)
            return {next_step::wait_until, until};
        return {next_step::attempt, now, auth_kind::login};
    }
    if (now < retry_not_before_)
        return {next_step::wait_until, retry_not_before_};
    if (token_ && !info_.expires_at)
        return {}; // a static token never needs the upstream
    auth_kind auth = preferred_auth(now);
    if (auth == auth_kind::login && now < change_login_not_before_)
        return {next_step::wait_until, change_login_not_before_};
    if (attempt_requested_ || (token_ && now >= refresh_at_))
        return {next_step::attempt, now, auth};
    if (token_)
        return {next_step::wait_until, refresh_at_};
    if (now < first_attempt_at_)
        return {next_step::wait_until, first_attempt_at_};
    return {next_step::attempt, now, auth};
}

profile_state refresh_state::state(boot_time now) const
{
    if (!has_credentials_)
        return profile_state::no_credentials;
    if (in_flight_)
        return profile_state::refreshing;
    if (rejected_at_)
        return profile_state::credentials_rejected;
    if (attempt_requested_ && now >= retry_not_before_ && now >= change_login_not_before_)
        return profile_state::refreshing; // invalidated or asked for: the attempt starts now
    if (servable(now, duration::zero()))
        return failures_in_row_ > 0 ? profile_state::failing : profile_state::valid;
    if (!token_ && failures_in_row_ == 0 && logins + refreshes == 0)
        return profile_state::idle;
    return profile_state::expired;
}

const token_info* refresh_state::servable(boot_time now, duration need) const
{
    if (!token_)
        return nullptr;
    if (!info_.expires_at)
        return &info_;
    duration left = *info_.expires_at - now;
    duration floor = policy::default_min_ttl(info_.lifetime);
    if (left < floor)
        return nullptr;
    bool fresh = now - info_.arrived < policy::reauth_interval && need <= info_.lifetime;
    return left >= need || fresh ? &info_ : nullptr;
}

std::optional<duration> refresh_state::known_lifetime() const { return last_lifetime_; }

std::optional<boot_time> refresh_state::backing_off_until(boot_time now) const
{
    if (in_flight_ || rejected_at_ || now >= retry_not_before_)
        return std::nullopt;
    return retry_not_before_;
}

std::optional<boot_time> refresh_state::next_attempt_at(boot_time now) const
{
    next_step s = next(now);
    if (s.what == next_step::wait_for_event)
        return std::nullopt;
    return s.what == next_step::attempt ? now : s.when;
}

void refresh_state::attempt_started(boot_time now)
{
    in_flight_ = true;
    last_attempt_at_ = now;
    attempt_credentials_ = credentials_serial_;
}

void refresh_state::token_arrived(issued_token t, auth_kind kind, boot_time now, double jitter01)
{
    token_ = std::move(t.value);
    info_ = token_info{&*token_, std::move(t.id), now, std::nullopt, t.lifetime, ++serial_};
    if (!t.never_expires) {
        info_.expires_at = now + t.lifetime;
        refresh_at_ = now + policy::refresh_delay(t.lifetime, settings_.refresh_margin, jitter01);
        last_lifetime_ = t.lifetime;
    }
    // The newest refresh token always wins (rotation policies differ from their docs); a
    // refresh answer without one leaves the old one in place, a login answer without one ends it.
    if (t.refresh_token) {
        refresh_token_ = std::move(t.refresh_token);
        refresh_token_expires_at_.reset();
        if (t.refresh_token_lifetime)
            refresh_token_expires_at_ = now + *t.refresh_token_lifetime;
    } else if (kind == auth_kind::login) {
        refresh_token_.reset();
        refresh_token_expires_at_.reset();
    }
    ++(kind == auth_kind::login ? logins : refreshes);
    failures_in_row_ = 0;
    retry_not_before_ = {};
    rejected_at_.reset();
    attempt_requested_ = false;
    last_error_.clear();
    last_error_at_.reset();
}

void refresh_state::refresh_token_rejected(std::string message, wall_time wall)
{
    refresh_token_.reset();
    refresh_token_expires_at_.reset();
    ++failures;
    last_error_ = std::move(message);
    last_error_at_ = wall;
}

void refresh_state::login_rejected(std::string message, boot_time now, wall_time wall)
{
    // Credentials that changed while this login was in flight were not the ones refused:
    // they get their own login (at the allowed time) instead of the block.
    bool newer_credentials = attempt_credentials_ != credentials_serial_;
    if (!newer_credentials)
        rejected_at_ = now;
    attempt_requested_ = newer_credentials && !token_;
    ++failures;
    last_error_ = std::move(message);
    last_error_at_ = wall;
}

void refresh_state::transient_failure(std::string message, std::optional<duration> retry_after, boot_time now,
                                      wall_time wall, double u01)
{
    ++failures;
    ++failures_in_row_;
    duration delay = policy::backoff_delay(failures_in_row_, u01);
    if (retry_after) // parsers clamp too; this is the rule's one home (docs/refresh.md, "Bounds")
        delay = std::max(delay, std::clamp(*retry_after, duration::zero(), policy::max_retry_after));
    retry_not_before_ = now + delay;
    rejected_at_.reset();
    attempt_requested_ = false;
    last_error_ = std::move(message);
    last_error_at_ = wall;
}

bool refresh_state::invalidate(std::optional<std::string_view> token_id, boot_time now)
{
    if (token_ && !info_.expires_at)
        return false; // a static key cannot be renewed
    if (token_id && (!token_ || info_.id != *token_id))
        return false; // already replaced: the report is about an older token
    if (last_reauth_ && now - *last_reauth_ < policy::reauth_interval)
        return false;
    last_reauth_ = now;
    token_.reset();
    attempt_requested_ = true;
    return true;
}

void refresh_state::credentials_changed()
{
    ++credentials_serial_;
    rejected_at_.reset();
    if (!token_)
        attempt_requested_ = true; // at the next allowed moment, not at the start-up spread's
    if (last_attempt_at_)
        change_login_not_before_ = std::max(change_login_not_before_, *last_attempt_at_ + policy::credentials_change_interval);
}

} // namespace tokend::agent
