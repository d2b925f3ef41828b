// SPDX-License-Identifier: MIT
// Users, issued tokens, clocks, counters and the call log.
#include "state.hpp"

#include "http_util.hpp"

#include <algorithm>
#include <cstdio>

namespace mockbill {

namespace json = boost::json;

namespace {

constexpr std::string_view default_email = "demo@example.com";
constexpr std::string_view default_password = "demo-password";
constexpr std::size_t min_prune_at = 100000;

std::int64_t system_ms()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// NovaBilling tenant ids are Prisma cuids: 'c' followed by 24 lowercase alphanumerics.
std::string make_cuid()
{
    constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string id = "c";
    for (char c : random_bytes(24))
        id += alphabet[static_cast<unsigned char>(c) % alphabet.size()];
    return id;
}

user_record make_user(const std::string& email, const std::string& password)
{
    std::string local = email.substr(0, email.find('@'));
    return user_record{email,
                       password,
                       make_uuid(),
                       make_uuid(),
                       make_cuid(),
                       local + " tenant",
                       local + " company",
                       "sk_live_" + random_hex(32),
                       "whsec_" + random_hex(32),
                       iso8601_ms(system_ms())};
}

} // namespace

counters& counters::operator+=(const counters& o)
{
    login_calls += o.login_calls;
    logins_ok += o.logins_ok;
    login_rejected += o.login_rejected;
    refresh_calls += o.refresh_calls;
    refreshes_ok += o.refreshes_ok;
    refresh_rejected += o.refresh_rejected;
    refresh_reuse += o.refresh_reuse;
    requests += o.requests;
    requests_ok += o.requests_ok;
    expired_requests += o.expired_requests;
    invalid_requests += o.invalid_requests;
    faults_injected += o.faults_injected;
    rate_limited += o.rate_limited;
    return *this;
}

json::object counters::to_json() const
{
    return {{"login_calls", login_calls},
            {"logins_ok", logins_ok},
            {"login_rejected", login_rejected},
            {"refresh_calls", refresh_calls},
            {"refreshes_ok", refreshes_ok},
            {"refresh_rejected", refresh_rejected},
            {"refresh_reuse", refresh_reuse},
            {"requests", requests},
            {"requests_ok", requests_ok},
            {"expired_requests", expired_requests},
            {"invalid_requests", invalid_requests},
            {"faults_injected", faults_injected},
            {"rate_limited", rate_limited}};
}

state::state() { reset(); }

void state::reset()
{
    cfg = config{};
    faults.clear();
    chaos.configure(chaos_settings{});
    limiter.clear();
    // Fresh secrets make every previously issued JWT unverifiable, including NovaBilling's
    // stateless refresh tokens that are not in any table.
    access_secret_ = random_bytes(32);
    refresh_secret_ = random_bytes(32);
    users_.clear();
    set_user(std::string(default_email), std::string(default_password));
    access_.clear();
    refresh_.clear();
    prune_at_ = min_prune_at;
    counters_ = {};
    unattributed_ = {};
    connections_ = 0;
    connections_accepted_ = 0;
    api_requests_ = 0;
    api_calls.clear();
    oauth2_client_auth = {};
    // Sequence numbers stay monotonic so a call delayed across a reset cannot complete
    // a newer entry.
    first_call_seq_ += calls_.size();
    calls_.clear();
}

const user_record* state::find_user(std::string_view email) const
{
    auto it = users_.find(email);
    return it == users_.end() ? nullptr : &it->second;
}

const user_record* state::authenticate(std::string_view email, std::string_view password) const
{
    const user_record* user = find_user(email);
    return user && constant_time_equal(user->password, password) ? user : nullptr;
}

const user_record* state::find_user_by_api_key(std::string_view key) const
{
    for (const auto& [email, user] : users_)
        if (constant_time_equal(user.api_key, key))
            return &user;
    return nullptr;
}

bool state::set_user(const std::string& email, const std::string& password)
{
    if (auto it = users_.find(email); it != users_.end()) {
        it->second.password = password;
        return false;
    }
    users_.emplace(email, make_user(email, password));
    return true;
}

void state::remember_access(std::string token, access_grant grant)
{
    access_.insert_or_assign(std::move(token), std::move(grant));
    if (access_.size() >= prune_at_)
        prune_tokens();
}

token_check state::check_access(api_id api, std::string_view token, const access_grant** grant) const
{
    auto it = access_.find(std::string(token));
    if (it == access_.end() || it->second.api != api)
        return token_check::unknown;
    if (grant)
        *grant = &it->second;
    return now(api) >= it->second.exp ? token_check::expired : token_check::ok;
}

void state::remember_refresh(std::string token, refresh_grant grant)
{
    refresh_.insert_or_assign(std::move(token), std::move(grant));
    if (refresh_.size() >= prune_at_)
        prune_tokens();
}

refresh_grant* state::find_refresh(api_id api, std::string_view token)
{
    auto it = refresh_.find(std::string(token));
    return it == refresh_.end() || it->second.api != api ? nullptr : &it->second;
}

// Long chaos runs issue many tokens. Tokens an hour past expiry are forgotten; younger
// ones are kept so that tests still see "expired" rather than "unknown" for them.
void state::prune_tokens()
{
    auto stale = [this](const auto& kv) { return kv.second.exp + 3600 < now(kv.second.api); };
    std::erase_if(access_, stale);
    std::erase_if(refresh_, stale);
    prune_at_ = std::max(min_prune_at, 2 * std::max(access_.size(), refresh_.size()));
}

std::int64_t state::now(api_id api) const
{
    return system_ms() / 1000 + cfg.common(api).clock_skew;
}

std::int64_t state::now_ms(api_id api) const
{
    return system_ms() + cfg.common(api).clock_skew * 1000;
}

double state::uptime() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

json::object state::stats_json() const
{
    json::object out;
    counters total;
    for (api_id api : all_apis) {
        out[to_string(api)] = counters_[index_of(api)].to_json();
        total += counters_[index_of(api)];
    }
    total += unattributed_;
    out["total"] = total.to_json();
    out["connections"] = connections_;
    out["connections_accepted"] = connections_accepted_;
    out["api_requests"] = api_requests_;
    const client_auth_counts& a = oauth2_client_auth;
    out["oauth2_client_auth"] = {{"basic", a.basic}, {"post", a.post}, {"none", a.none}};
    return out;
}

counters& state::begin_api_request(std::optional<api_id> api)
{
    ++api_requests_;
    counters& c = api ? counters_[index_of(*api)] : unattributed_;
    ++c.requests;
    return c;
}

std::uint64_t state::accept_connection()
{
    ++connections_accepted_;
    return ++last_connection_serial_;
}

std::uint64_t state::begin_call(api_id api, endpoint_kind kind)
{
    if (calls_.size() >= max_call_log) {
        calls_.pop_front();
        ++first_call_seq_;
    }
    calls_.push_back(call_record{api, kind, uptime()});
    return first_call_seq_ + calls_.size() - 1;
}

void state::complete_call(std::uint64_t seq, unsigned status, fault_kind fault)
{
    // The entry may have been dropped by the cap (or a reset) while a delay was pending.
    if (seq < first_call_seq_ || seq - first_call_seq_ >= calls_.size())
        return;
    auto& call = calls_[seq - first_call_seq_];
    call.status = status;
    call.fault = fault;
}

// Rendered by hand: Boost.JSON prints doubles as 1.2345E1, and this list can be long.
std::string state::calls_json() const
{
    std::string out = "{\"calls\":[";
    out.reserve(out.size() + calls_.size() * 80);
    char buf[160];
    for (std::size_t i = 0; i < calls_.size(); ++i) {
        const auto& c = calls_[i];
        std::snprintf(buf, sizeof buf,
                      "%s{\"api\":\"%s\",\"endpoint\":\"%s\",\"t\":%.3f,\"status\":%u,\"fault\":\"%s\"}",
                      i ? "," : "", to_string(c.api).data(), to_string(c.kind).data(), c.t,
                      c.status, to_string(c.fault).data());
        out += buf;
    }
    out += "]}";
    return out;
}

} // namespace mockbill
