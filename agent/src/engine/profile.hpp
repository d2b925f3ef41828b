// SPDX-License-Identifier: MIT
// One configured profile at run time: its secrets, its token and the refresher coroutine that
// keeps the token fresh. Decisions come from refresh_state; this class performs them (HTTP,
// timers, waking waiting requests). Runs on the agent's single io_context thread.
#pragma once

#include "sys/async.hpp"
#include "sys/error.hpp"
#include "config/config.hpp"
#include "engine/refresh_state.hpp"
#include "engine/serving_rules.hpp"
#include "secrets/secret_source.hpp"
#include "engine/services.hpp"

#include <tokend/proto/error.hpp>
#include <tokend/proto/message.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tokend::agent {

class provider;
struct auth_reply;

// The current token as served, rendered once per token into locked memory and shared with
// whoever is still writing it out when a refresh replaces it.
struct served_token {
    secret answer_fields; // a get answer's fields; the dispatcher splices them into the line
    secret header_lines;  // "Authorization: Bearer T\r\n" and the profile's other headers: the proxy's
    std::string token_id;
    std::vector<std::string> header_names; // of header_lines: the proxy drops a client's own
};

// The answer to a get: the current token, or a wire error.
using get_outcome = std::variant<std::shared_ptr<const served_token>, serve_failure>;

class profile : public std::enable_shared_from_this<profile> {
public:
    // `first_attempt_in` spreads the first logins of many profiles over time.
    profile(services& svc, profile_config cfg, profile_secrets secrets, duration default_margin,
            duration first_attempt_in);
    profile(const profile&) = delete;
    profile& operator=(const profile&) = delete;

    void start(); // spawns the refresher
    // Ends the refresher and wakes waiting requests, which then fail with `reason`
    // ("changed by a reload; ask again", "tokend is stopping").
    void stop(std::string reason);

    const std::string& name() const { return cfg_.name; }
    const profile_config& config() const { return cfg_; }

    // The answer to a get decided now (serving_rules.hpp), or nullopt when it must wait for
    // the upstream; then get() waits (never past `deadline`) and decides again. `min_ttl` in
    // seconds. Callers hold a shared_ptr to the profile while get() runs.
    std::optional<get_outcome> try_get(std::optional<double> min_ttl);
    awaitable<get_outcome> get(std::optional<double> min_ttl, std::chrono::steady_clock::time_point deadline);

    void invalidate(std::optional<std::string_view> token_id);
    void add_secret(secret value); // `tok add`: the primary secret, held in memory only
    // Whether a reload may keep this profile, token and all, for this config: everything but
    // line numbers is the same, and a static profile's token did not change (it is its state).
    bool can_adopt(const profile_config& cfg, const profile_secrets& fresh, duration default_margin) const;
    // A reload kept this profile: adopt its config (equal but for line numbers) and re-read
    // secrets; a changed secret counts as new credentials.
    void update(profile_config cfg, profile_secrets fresh);

    proto::profile_status status() const;
    // The HTTP proxy's counts, shown by status: requests forwarded and 401 replays.
    void count_proxied() { ++proxied_; }
    void count_proxy_retry() { ++proxy_retries_; }
    profile_state state() const { return state_.state(svc_.clock.boot_now()); }
    std::optional<boot_time> next_attempt_at() const { return state_.next_attempt_at(svc_.clock.boot_now()); }
    // How long until the next upstream attempt, for a Retry-After while backing off.
    std::optional<duration> next_attempt_in() const
    {
        boot_time now = svc_.clock.boot_now();
        auto at = state_.next_attempt_at(now);
        return at ? std::optional<duration>(*at - now) : std::nullopt;
    }
    // Wakes the refresher so it re-plans (after a suspend, a clock jump, new credentials).
    void nudge() { timer_.cancel(); }

private:
    // Performs decide_get(): nullopt while the request must wait.
    std::optional<get_outcome> step_get(duration need, std::uint64_t waited_since);

    awaitable<void> refresher();
    awaitable<void> attempt(auth_kind kind);
    awaitable<std::optional<agent_error>> resolve_commands();
    awaitable<void> recheck_primary_command();
    bool replace_primary(secret value); // true when the value differs from the one held
    void take_new_credentials(std::string_view how);
    awaitable<auth_reply> call(const struct http_request& req, auth_kind kind);
    awaitable<auth_reply> exchange(auth_kind kind);
    std::optional<std::string> unsafe_header() const;
    void accept_token(auth_reply& reply, auth_kind kind);
    void adopt_static_token();
    void render_served(std::string_view token, std::string_view token_id, std::optional<std::int64_t> expires_at,
                       const std::vector<std::pair<std::string, secret>>& extra_headers);
    void note_state();
    bool has_primary_secret() const;

    services& svc_;
    profile_config cfg_;
    profile_secrets secrets_;
    bool secret_added_ = false; // the primary secret came from `tok add`
    bool recheck_command_ = false; // a reload asks the primary's command whether it changed
    const provider* provider_;
    // oauth2 `client_auth = "auto"` found the client accepted only with its credentials in the
    // form body; kept while this profile lives, i.e. until its config changes.
    bool client_auth_in_body_ = false;
    refresh_state state_;
    // The current token's rendered get answer, shared with the sessions still writing it.
    std::shared_ptr<const served_token> served_;
    std::uint64_t proxied_ = 0, proxy_retries_ = 0;
    boost::asio::steady_timer timer_;
    boost::asio::cancellation_signal stop_signal_;
    notifier attempt_done_;
    bool stopped_ = false;
    std::string stop_reason_;
    profile_state logged_state_ = profile_state::idle;
    std::string logged_error_;
};

} // namespace tokend::agent
