// SPDX-License-Identifier: MIT
// One profile's token life as a pure state machine: what to do next and when, what may be
// served, and how each upstream outcome changes that. No I/O and no clock of its own: every
// call takes `now` (CLOCK_BOOTTIME), so tests can drive it with any timeline. The `profile`
// class executes its decisions. Policy: docs/refresh.md.
#pragma once

#include "sys/clock.hpp"
#include "secrets/secret.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tokend::agent {

enum class auth_kind { login, refresh };

enum class profile_state { idle, valid, refreshing, failing, expired, credentials_rejected, no_credentials };
std::string_view to_string(profile_state s);

// What the upstream gave us, already parsed.
struct issued_token {
    secret value;
    std::string id;             // token_id: a fingerprint, safe to show
    duration lifetime{};        // from policy::lifetime; ignored when never_expires
    bool never_expires = false; // static API keys
    std::optional<secret> refresh_token;
    std::optional<duration> refresh_token_lifetime; // when the refresh token is a JWT
};

struct token_info {
    const secret* value = nullptr;
    std::string id;
    boot_time arrived{};
    std::optional<boot_time> expires_at; // none: never expires
    duration lifetime{};
    std::uint64_t serial = 0;            // grows with every token this profile receives
};

struct next_step {
    enum kind { attempt, wait_until, wait_for_event } what = wait_for_event;
    boot_time when{};
    auth_kind auth = auth_kind::login;
};

class refresh_state {
public:
    struct settings {
        duration refresh_margin = std::chrono::minutes(5);
        bool can_refresh = false;
    };

    refresh_state(settings s, boot_time first_attempt_at) : settings_(s), first_attempt_at_(first_attempt_at) {}

    // ---- decisions ---------------------------------------------------------------------
    next_step next(boot_time now) const;
    profile_state state(boot_time now) const;

    // A token with at least `need` left (never less than its default min_ttl), if any. A token
    // younger than reauth_interval is as fresh as the upstream makes them, so it satisfies any
    // need up to its lifetime: that caps min_ttl-driven re-auth at one per interval.
    const token_info* servable(boot_time now, duration need) const;
    const token_info* token() const { return token_ ? &info_ : nullptr; }
    // The lifetime of the newest token, once one has arrived.
    std::optional<duration> known_lifetime() const;

    bool in_flight() const { return in_flight_; }
    duration refresh_margin() const { return settings_.refresh_margin; }
    bool has_credentials() const { return has_credentials_; }
    bool rejected() const { return rejected_at_.has_value(); }
    // While backing off: when the next attempt may start.
    std::optional<boot_time> backing_off_until(boot_time now) const;
    // When the refresher will next act (for status' refresh_at); none when it waits for an event.
    std::optional<boot_time> next_attempt_at(boot_time now) const;
    const std::string& last_error() const { return last_error_; }
    std::optional<wall_time> last_error_at() const { return last_error_at_; }
    const secret* refresh_token() const { return refresh_token_ ? &*refresh_token_ : nullptr; }

    std::uint64_t logins = 0, refreshes = 0, failures = 0;

    // ---- events ------------------------------------------------------------------------
    // An attempt starts at `now` with the credentials held then.
    void attempt_started(boot_time now);
    // The token arrived at `now`; jitter01 in [0, 1) spreads refreshes of many profiles.
    void token_arrived(issued_token t, auth_kind kind, boot_time now, double jitter01);
    void refresh_token_rejected(std::string message, wall_time wall);
    void login_rejected(std::string message, boot_time now, wall_time wall);
    void transient_failure(std::string message, std::optional<duration> retry_after, boot_time now,
                           wall_time wall, double u01);
    void attempt_finished() { in_flight_ = false; }

    // A client reports the token as refused upstream. Returns true when re-auth was started
    // (the refresher must be woken); false for a stale report or within reauth_interval.
    bool invalidate(std::optional<std::string_view> token_id_matches, boot_time now);
    // A request found no servable token and nothing in flight: re-auth is due now.
    void request_attempt() { attempt_requested_ = true; }
    void set_credentials(bool present) { has_credentials_ = present; }
    // Credentials whose value differs from the ones held (the caller compares): they lift a
    // rejection, but a login with them starts no sooner than credentials_change_interval after
    // the last attempt (docs/refresh.md, "Changing credentials"). A rejection of a login that
    // was in flight with older credentials does not block the new ones.
    void credentials_changed();
private:
    settings settings_;
    boot_time first_attempt_at_;
    std::optional<secret> token_;
    token_info info_;
    boot_time refresh_at_{};
    std::optional<secret> refresh_token_;
    std::optional<boot_time> refresh_token_expires_at_;
    bool has_credentials_ = true;
    bool in_flight_ = false;
    bool attempt_requested_ = false;
    unsigned failures_in_row_ = 0;
    boot_time retry_not_before_{};
    std::optional<boot_time> rejected_at_;
    std::optional<boot_time> last_reauth_{};
    std::optional<boot_time> last_attempt_at_;
    boot_time change_login_not_before_{};
    std::uint64_t credentials_serial_ = 0; // counts credentials_changed()
    std::uint64_t attempt_credentials_ = 0; // credentials_serial_ when the last attempt started
    std::uint64_t serial_ = 0;
    std::optional<duration> last_lifetime_;
    std::string last_error_;
    std::optional<wall_time> last_error_at_;

    auth_kind preferred_auth(boot_time now) const;
};

} // namespace tokend::agent
