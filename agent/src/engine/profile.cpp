// SPDX-License-Identifier: MIT
#include "engine/profile.hpp"

#include "upstream/jwt.hpp"
#include "sys/log.hpp"
#include "engine/policy.hpp"
#include "upstream/providers/provider.hpp"
#include "upstream/providers/registry.hpp"

#include <tokend/proto/codec.hpp>
#include <tokend/proto/duration.hpp>
#include <tokend/proto/json_text.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <openssl/evp.h>

#include <cmath>

namespace tokend::agent {
namespace asio = boost::asio;

namespace {

// token_id: the first 8 bytes of SHA-256, hex. Stable for a token, useless to recover it.
std::string fingerprint(std::string_view token)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(token.data(), token.size(), md, &len, EVP_sha256(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 8; ++i) {
        id.push_back(hex[md[i] >> 4]);
        id.push_back(hex[md[i] & 15]);
    }
    return id;
}

// A token goes into an HTTP header line: printable ASCII without spaces, nothing that could
// smuggle a second header into `tok header` output.
bool header_safe(std::string_view token)
{
    return !token.empty()
           && std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string human(duration d)
{
    return proto::format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

} // namespace

profile::profile(services& svc, profile_config cfg, profile_secrets secrets, duration default_margin,
                 duration first_attempt_in)
    : svc_(svc), cfg_(std::move(cfg)), secrets_(std::move(secrets)),
      provider_(&cfg_.provider->instance()),
      state_({cfg_.refresh_margin.value_or(default_margin), provider_->can_refresh()},
             svc.clock.boot_now() + first_attempt_in),
      timer_(svc.executor)
{
    state_.set_credentials(has_primary_secret());
    logged_state_ = state_.state(svc_.clock.boot_now());
}

bool profile::has_primary_secret() const
{
    const secret_source& primary = cfg_.primary_secret();
    return secret_added_ || primary.how != secret_source::kind::none;
}

void profile::start()
{
    asio::co_spawn(svc_.executor, [self = shared_from_this()]() { return self->refresher(); },
                   asio::bind_cancellation_slot(stop_signal_.slot(), log_task_end{"profile " + cfg_.name + "'s refresher"}));
}

void profile::stop(std::string reason)
{
    stopped_ = true;
    stop_reason_ = std::move(reason);
    stop_signal_.emit(asio::cancellation_type::terminal);
    timer_.cancel();
    attempt_done_.notify_all();
}

// ---- serving ----------------------------------------------------------------------------

std::optional<get_outcome> profile::step_get(duration need, std::uint64_t waited_since)
{
    get_context cx{cfg_.name, provider_->needs_upstream() ? "password" : "token", std::nullopt};
    if (stopped_)
        cx.stopped = stop_reason_;
    get_decision d = decide_get(state_, svc_.clock.boot_now(), need, waited_since, cx);
    if (std::holds_alternative<serve_token>(d))
        return get_outcome{served_};
    if (auto* failure = std::get_if<serve_failure>(&d))
        return get_outcome{std::move(*failure)};
    if (std::holds_alternative<serve_start_attempt>(d)) {
        state_.request_attempt();
        nudge();
    }
    return std::nullopt;
}

std::optional<get_outcome> profile::try_get(std::optional<double> min_ttl)
{
    return step_get(policy::min_ttl_need(min_ttl.value_or(0)), 0);
}

awaitable<get_outcome> profile::get(std::optional<double> min_ttl, std::chrono::steady_clock::time_point deadline)
{
    duration need = policy::min_ttl_need(min_ttl.value_or(0));
    auto self = shared_from_this(); // a reload may drop this profile while we wait
    std::uint64_t waited_since = 0;
    for (;;) {
        if (auto outcome = step_get(need, waited_since))
            co_return std::move(*outcome);
        waited_since = state_.token() ? state_.token()->serial : 1;
        if (!co_await attempt_done_.wait_until(deadline) && !stopped_) {
            if (deadline - std::chrono::steady_clock::now() <= std::chrono::steady_clock::duration::zero())
                co_return get_timed_out(cfg_.name);
        }
    }
}

// ---- reports from clients and the operator ----------------------------------------------

void profile::invalidate(std::optional<std::string_view> token_id)
{
    if (state_.invalidate(token_id, svc_.clock.boot_now())) {
        served_.reset();
        // Nothing failed: the renewal is what an operator should see (docs/refresh.md).
        log::info("profile ", cfg_.name, ": ", to_string(logged_state_),
                  " -> refreshing: token reported rejected by a client; renewing");
        nudge();
    }
}

proto::profile_status profile::status() const
{
    boot_time now = svc_.clock.boot_now();
    proto::profile_status s;
    s.name = cfg_.name;
    s.provider = std::string(to_string(cfg_.provider));
    s.state = std::string(to_string(state_.state(now)));
    if (const token_info* t = state_.token(); t && t->expires_at)
        s.expires_at = unix_seconds_in(svc_.clock, *t->expires_at - now);
    if (auto at = state_.next_attempt_at(now))
        s.refresh_at = unix_seconds_in(svc_.clock, *at - now);
    s.last_error = state_.last_error();
    if (auto at = state_.last_error_at())
        s.last_error_at = std::chrono::duration_cast<std::chrono::seconds>(at->time_since_epoch()).count();
    s.logins = state_.logins;
    s.refreshes = state_.refreshes;
    s.failures = state_.failures;
    s.proxied = proxied_;
    s.proxy_retries = proxy_retries_;
    return s;
}

// ---- the refresher ------------------------------------------------------------------------

awaitable<void> profile::refresher()
{
    while (!stopped_) {
        if (recheck_command_) {
            co_await recheck_primary_command();
            continue;
        }
        boot_time now = svc_.clock.boot_now();
        note_state();
        next_step s = state_.next(now);
        if (s.what == next_step::attempt) {
            co_await attempt(s.auth);
            continue;
        }
        if (s.what == next_step::wait_until)
            timer_.expires_after(s.when - now);
        else
            timer_.expires_at(asio::steady_timer::time_point::max());
        co_await timer_.async_wait(nothrow_awaitable);
    }
}

awaitable<void> profile::attempt(auth_kind kind)
{
    state_.attempt_started(svc_.clock.boot_now());
    note_state();
    struct finish_attempt { // every way out of an attempt wakes the requests waiting on it
        profile& p;
        ~finish_attempt()
        {
            proto::scrub_stack(); // what the exchange left in dead stack frames (docs/security.md)
            p.state_.attempt_finished();
            p.attempt_done_.notify_all();
            p.note_state();
        }
    } finish{*this};

    if (auto error = co_await resolve_commands()) {
        if (!stopped_)
            state_.transient_failure(error->message(), std::nullopt, svc_.clock.boot_now(), svc_.clock.wall_now(),
                                     svc_.uniform());
        co_return;
    }
    if (auto bad = unsafe_header()) {
        state_.login_rejected(*bad, svc_.clock.boot_now(), svc_.clock.wall_now());
        co_return;
    }
    if (!provider_->needs_upstream()) {
        adopt_static_token();
        co_return;
    }
    if (kind == auth_kind::refresh) {
        auth_reply r = co_await exchange(auth_kind::refresh);
        if (stopped_)
            co_return; // cut short by stop(): nothing to learn from it
        if (r.result == auth_reply::outcome::ok)
            co_return accept_token(r, auth_kind::refresh);
        if (r.result == auth_reply::outcome::transient) {
            state_.transient_failure(std::move(r.message), r.retry_after, svc_.clock.boot_now(), svc_.clock.wall_now(), svc_.uniform());
            co_return;
        }
        log::info("profile ", cfg_.name, ": refresh token refused (", r.message, "); logging in again");
        state_.refresh_token_rejected(std::move(r.message), svc_.clock.wall_now());
    }
    auth_reply r = co_await exchange(auth_kind::login);
    if (stopped_)
        co_return;
    if (r.result == auth_reply::outcome::ok)
        accept_token(r, auth_kind::login);
    else if (r.result == auth_reply::outcome::rejected)
        state_.login_rejected(std::move(r.message), svc_.clock.boot_now(), svc_.clock.wall_now());
    else
        state_.transient_failure(std::move(r.message), r.retry_after, svc_.clock.boot_now(), svc_.clock.wall_now(), svc_.uniform());
}

// One login or refresh. Under oauth2 `client_auth = "auto"` a client refused in HTTP Basic may
// get one more request with its credentials in the form body; when that works the body is used
// from then on (docs/providers.md, "oauth2"). At most two requests either way.
awaitable<auth_reply> profile::exchange(auth_kind kind)
{
    const secret* rt = state_.refresh_token();
    http_request req = kind == auth_kind::refresh ? provider_->refresh_request(cfg_, secrets_, rt ? rt->view() : "")
                                                  : provider_->login_request(cfg_, secrets_);
    if (client_auth_in_body_)
        provider_->put_client_auth_in_body(req, cfg_, secrets_);
    auth_reply r = co_await call(req, kind);
    if (client_auth_in_body_ || stopped_ || !provider_->client_auth_in_body_may_help(cfg_, secrets_, r))
        co_return r;
    log::info("profile ", cfg_.name, ": client refused in HTTP Basic (", r.message, "); trying the form body");
    provider_->put_client_auth_in_body(req, cfg_, secrets_);
    r = co_await call(req, kind);
    if (r.result == auth_reply::outcome::ok) {
        client_auth_in_body_ = true;
        log::info("profile ", cfg_.name, ": the token endpoint takes the client's credentials in the form body; using it");
    } else if (r.client_refused) {
        r.message += "; refused in HTTP Basic and in the form body";
    }
    co_return r;
}

awaitable<auth_reply> profile::call(const http_request& req, auth_kind kind)
{
    std::string_view what = kind == auth_kind::refresh ? "refresh" : "login";
    http_outcome o = co_await svc_.upstream.exchange(cfg_.url, req, cfg_.timeout);
    o.response.received = svc_.clock.wall_now();
    if (o.error) {
        auth_reply r;
        r.message = std::string(what) + " failed: " + o.error->message();
        co_return r;
    }
    co_return kind == auth_kind::refresh ? provider_->read_refresh(o.response) : provider_->read_login(o.response);
}

// A header value from a secret (Aviate's api_secret) goes into the login request and into
// `tok header` output: a control character there would end the line and start a header of the
// secret's choosing (docs/security.md). Checked before anything is sent.
std::optional<std::string> profile::unsafe_header() const
{
    for (const auto& [name, value] : provider_->extra_headers(cfg_, secrets_))
        if (std::any_of(value.view().begin(), value.view().end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
            return "the value for " + std::string(name) + " holds a control character, which a header cannot carry";
    return std::nullopt;
}

void profile::accept_token(auth_reply& reply, auth_kind kind)
{
    boot_time now = svc_.clock.boot_now();
    wall_time wall = svc_.clock.wall_now();
    std::string_view token = reply.access_token.view();
    duration L = policy::lifetime(read_jwt_times(token), reply.expires_in, wall);
    if (!header_safe(token) || L < std::chrono::seconds(1)) {
        std::string why = !header_safe(token) ? "a token with characters not allowed in a header"
                                              : "a token that is already expired (lifetime " + whole_seconds(L) + ")";
        state_.transient_failure("upstream issued " + why, std::nullopt, now, wall, svc_.uniform());
        return;
    }
    issued_token t;
    t.id = fingerprint(token);
    t.lifetime = L;
    if (reply.refresh_token) {
        if (auto rt = read_jwt_times(reply.refresh_token->view()); rt && rt->exp)
            t.refresh_token_lifetime = policy::lifetime(rt, std::nullopt, wall);
        t.refresh_token = std::move(reply.refresh_token);
    }
    render_served(token, t.id, unix_seconds_in(svc_.clock, L), provider_->extra_headers(cfg_, secrets_));
    t.value = std::move(reply.access_token);
    state_.token_arrived(std::move(t), kind, now, svc_.uniform());
}

void profile::adopt_static_token()
{
    const std::optional<secret>& token = secrets_.token;
    boot_time now = svc_.clock.boot_now();
    if (!token || !header_safe(token->view())) {
        state_.login_rejected("the static token is missing or has characters not allowed in a header", now, svc_.clock.wall_now());
        return;
    }
    issued_token t;
    t.id = fingerprint(token->view());
    t.never_expires = true;
    render_served(token->view(), t.id, std::nullopt, {});
    t.value = token->clone();
    state_.token_arrived(std::move(t), auth_kind::login, now, 0.0);
}

// The get answer's fields and the proxy's header lines for a new token, rendered straight into
// locked memory: neither the token nor its Authorization value passes through an ordinary
// string (docs/security.md).
void profile::render_served(std::string_view token, std::string_view token_id, std::optional<std::int64_t> expires_at,
                            const served_headers& extra_headers)
{
    secret_string bearer;
    bearer.reserve(7 + token.size());
    bearer.append("Bearer ").append(token);
    std::vector<std::pair<std::string_view, std::string_view>> headers{{"Authorization", {bearer.data(), bearer.size()}}};
    for (const auto& [name, value] : extra_headers)
        headers.emplace_back(name, value.view());
    secret_string fields, lines;
    proto::render_token_fields(fields, {cfg_.name, token, token_id, expires_at, headers});
    auto served = std::make_shared<served_token>();
    for (const auto& [name, value] : headers) {
        lines.append(name).append(": ").append(value).append("\r\n");
        served->header_names.emplace_back(name);
    }
    served->answer_fields = secret::copy_of({fields.data(), fields.size()});
    served->header_lines = secret::copy_of({lines.data(), lines.size()});
    served->token_id = std::string(token_id);
    served_ = std::move(served);
}

// Logs each change of state once. `refreshing` comes and goes with every attempt, so it is
// only worth a debug line; the state an attempt ends in is what an operator wants to see.
void profile::note_state()
{
    boot_time now = svc_.clock.boot_now();
    profile_state s = state_.state(now);
    if (s == profile_state::refreshing) {
        log::debug("profile ", cfg_.name, ": refreshing");
        return;
    }
    if (s == logged_state_ && (state_.last_error().empty() || state_.last_error() == logged_error_))
        return;
    logged_error_ = state_.last_error();
    std::string detail;
    const token_info* t = state_.token();
    if ((s == profile_state::valid || s == profile_state::failing) && t && t->expires_at) {
        detail = " (expires in " + human(*t->expires_at - now);
        if (auto at = state_.next_attempt_at(now))
            detail += ", next " + std::string(s == profile_state::failing ? "attempt" : "refresh") + " in " + human(*at - now);
        detail += ")";
    }
    if (s == profile_state::failing || s == profile_state::expired || s == profile_state::credentials_rejected)
        detail += ": " + state_.last_error();
    auto level = s == profile_state::credentials_rejected || s == profile_state::expired ? log::level::warn : log::level::info;
    log::print(level, "profile ", cfg_.name, ": ", to_string(logged_state_), " -> ", to_string(s), detail);
    logged_state_ = s;
}

} // namespace tokend::agent
