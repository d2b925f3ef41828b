// SPDX-License-Identifier: MIT
// Everything POST /_mock/reset puts back: config, users, issued tokens, faults, chaos,
// rate-limit windows, counters and the call log. Single-threaded: lives on the one
// io_context thread and is touched only from there.
#pragma once

#include "api_log.hpp"
#include "config.hpp"
#include "crypto.hpp"
#include "faults.hpp"
#include "kinds.hpp"
#include "rate_limit.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mockbill {

// One account, shared by all APIs (each API shows a different face of it).
struct user_record {
    std::string email;
    std::string password;
    std::string id;          // UUID: Aviate `sub`, KillB user id
    std::string customer_id; // KillB customerId
    std::string tenant_id;   // NovaBilling tenant id (cuid-like)
    std::string tenant_name;
    std::string company_name;
    std::string api_key;        // NovaBilling sk_live_<64 hex>
    std::string webhook_secret; // NovaBilling whsec_<64 hex>
    std::string created_at;     // ISO-8601
};

struct access_grant {
    api_id api;
    std::string subject; // user email, or the OAuth2 client id for client_credentials
    std::int64_t exp;     // on the API's skewed clock
};

struct refresh_grant {
    api_id api;
    std::string subject;
    std::string client_id; // OAuth2 only
    std::string scope;     // OAuth2 only
    std::int64_t exp;
    bool dead = false; // rotated away; kept so that a reuse can be told from garbage
};

enum class token_check { ok, unknown, expired };

struct counters {
    std::int64_t login_calls = 0, logins_ok = 0, login_rejected = 0;
    std::int64_t refresh_calls = 0, refreshes_ok = 0, refresh_rejected = 0, refresh_reuse = 0;
    std::int64_t requests = 0, requests_ok = 0, expired_requests = 0, invalid_requests = 0;
    std::int64_t faults_injected = 0, rate_limited = 0;

    counters& operator+=(const counters& o);
    boost::json::object to_json() const;
};

struct call_record {
    api_id api;
    endpoint_kind kind;
    double t;            // seconds since start, steady clock
    unsigned status = 0; // 0 until answered, and for reset/hang/truncate
    fault_kind fault = fault_kind::none;
};

inline constexpr std::size_t max_call_log = 100000;

// How the OAuth2 token requests that reached client authentication carried the client's
// credentials: an Authorization header, client_secret in the body (no header), or neither.
struct client_auth_counts {
    std::int64_t basic = 0, post = 0, none = 0;
};

class state {
public:
    state();
    void reset();

    config cfg;
    fault_queue faults;
    chaos_monkey chaos;
    rate_limiter limiter;

    const rsa_key& rsa() const { return rsa_; }
    const std::string& access_secret() const { return access_secret_; }
    const std::string& refresh_secret() const { return refresh_secret_; }

    const user_record* find_user(std::string_view email) const;
    const user_record* authenticate(std::string_view email, std::string_view password) const;
    const user_record* find_user_by_api_key(std::string_view key) const;
    bool set_user(const std::string& email, const std::string& password); // true if created

    void remember_access(std::string token, access_grant grant);
    token_check check_access(api_id api, std::string_view token, const access_grant** grant = nullptr) const;
    void remember_refresh(std::string token, refresh_grant grant);
    refresh_grant* find_refresh(api_id api, std::string_view token);

    std::int64_t now(api_id api) const; // Unix seconds on the API's skewed clock
    std::int64_t now_ms(api_id api) const;
    double uptime() const; // seconds since start, steady clock

    counters& count(api_id api) { return counters_[index_of(api)]; }
    // Counts an /_api/ request (api_requests, and `requests` of its token's API or, when no
    // API can be told, of a bucket only `total` shows); returns those counters for the outcome.
    counters& begin_api_request(std::optional<api_id> api);
    client_auth_counts oauth2_client_auth;
    boost::json::object stats_json() const;

    // Appends a call in arrival order; returns its sequence number for complete_call.
    std::uint64_t begin_call(api_id api, endpoint_kind kind);
    void complete_call(std::uint64_t seq, unsigned status, fault_kind fault);
    std::string calls_json() const;

    api_log api_calls; // every /_api/ request, GET /_mock/api_calls

    // A TCP connection was accepted: counts it and returns its serial (never reused, not
    // even across a reset, so that connection ids in api_calls stay distinct).
    std::uint64_t accept_connection();
    // The connection carried its first request outside /_mock/: the `connections` counter,
    // which a test's own control calls leave alone.
    void count_served_connection() { ++connections_; }

private:
    void prune_tokens();

    rsa_key rsa_; // survives reset: generating one costs tens of milliseconds
    std::string access_secret_, refresh_secret_;
    std::map<std::string, user_record, std::less<>> users_;
    std::unordered_map<std::string, access_grant> access_;
    std::unordered_map<std::string, refresh_grant> refresh_;
    std::size_t prune_at_ = 0;
    std::array<counters, all_apis.size()> counters_{};
    counters unattributed_{};
    std::int64_t connections_ = 0, connections_accepted_ = 0, api_requests_ = 0;
    std::uint64_t last_connection_serial_ = 0;
    std::deque<call_record> calls_;
    std::uint64_t first_call_seq_ = 0; // sequence number of calls_.front()
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

} // namespace mockbill
