// SPDX-License-Identifier: MIT
// Fault queue and chaos: parsing of the control-API bodies and request matching.
#include "faults.hpp"

#include "json_util.hpp"

#include <array>
#include <utility>

namespace mockbill {

namespace json = boost::json;

namespace {

constexpr std::array<std::pair<std::string_view, fault_kind>, 6> kind_names{{
    {"status", fault_kind::status},
    {"delay", fault_kind::delay},
    {"reset", fault_kind::reset},
    {"truncate", fault_kind::truncate},
    {"garbage", fault_kind::garbage},
    {"hang", fault_kind::hang},
}};

constexpr std::array<std::pair<std::string_view, endpoint_selector>, 5> selector_names{{
    {"login", endpoint_selector::login},
    {"refresh", endpoint_selector::refresh},
    {"auth", endpoint_selector::auth},
    {"resource", endpoint_selector::resource},
    {"any", endpoint_selector::any},
}};

std::optional<fault_kind> parse_kind(std::string_view name)
{
    for (auto [n, k] : kind_names)
        if (n == name)
            return k;
    return std::nullopt;
}

std::string_view to_string(endpoint_selector sel)
{
    for (auto [n, s] : selector_names)
        if (s == sel)
            return n;
    return "?";
}

// The optional per-field checks of parse_fault, one key at a time; empty string = ok.
std::string apply_fault_field(fault& f, std::string_view key, const json::value& v)
{
    if (key == "api") {
        if (!v.is_string())
            return "api must be a string";
        if (v.get_string() == "*")
            f.api.reset();
        else if (auto a = parse_api(v.get_string()))
            f.api = a;
        else
            return "api must be aviate, killb, novabilling, oauth2 or *";
    } else if (key == "endpoint") {
        bool found = false;
        for (auto [n, s] : selector_names)
            if (v.is_string() && v.get_string() == n) {
                f.endpoint = s;
                found = true;
            }
        if (!found)
            return "endpoint must be login, refresh, auth, resource or any";
    } else if (key == "kind") {
        auto k = v.is_string() ? parse_kind(v.get_string()) : std::nullopt;
        if (!k)
            return "kind must be status, delay, reset, truncate, garbage or hang";
        f.kind = *k;
    } else if (key == "status") {
        auto s = as_int(v);
        if (!s || *s < 200 || *s > 599)
            return "status must be an integer in 200..599";
        f.status = static_cast<unsigned>(*s);
    } else if (key == "retry_after") {
        if (v.is_string())
            f.retry_after = std::string(v.get_string());
        else if (auto i = as_int(v))
            f.retry_after = std::to_string(*i);
        else
            return "retry_after must be a string or an integer";
    } else if (key == "retry_after_body") {
        if (!v.is_number())
            return "retry_after_body must be a number";
        f.retry_after_body = v;
    } else if (key == "delay_ms") {
        auto d = as_int(v);
        if (!d || *d < 0 || *d > 600000)
            return "delay_ms must be an integer in 0..600000";
        f.delay_ms = *d;
    } else if (key == "count") {
        auto c = as_int(v);
        if (!c || (*c < 1 && *c != -1))
            return "count must be a positive integer or -1";
        f.count = *c;
    } else {
        return "unknown key: " + std::string(key);
    }
    return {};
}

} // namespace

std::string_view to_string(fault_kind kind)
{
    if (kind == fault_kind::none)
        return "none";
    for (auto [n, k] : kind_names)
        if (k == kind)
            return n;
    return "?";
}

parsed<fault> parse_fault(const json::value& body)
{
    if (!body.is_object())
        return parsed<fault>::fail("fault must be a JSON object");
    fault f;
    for (const auto& kv : body.get_object())
        if (auto err = apply_fault_field(f, kv.key(), kv.value()); !err.empty())
            return parsed<fault>::fail(err);
    return parsed<fault>::ok(std::move(f));
}

json::object to_json(const fault& f)
{
    json::object o;
    o["api"] = f.api ? to_string(*f.api) : "*";
    o["endpoint"] = to_string(f.endpoint);
    o["kind"] = to_string(f.kind);
    o["status"] = f.status;
    if (f.retry_after)
        o["retry_after"] = *f.retry_after;
    if (!f.retry_after_body.is_null())
        o["retry_after_body"] = f.retry_after_body;
    o["delay_ms"] = f.delay_ms;
    o["count"] = f.count;
    return o;
}

bool matches(const fault& f, std::optional<api_id> api, endpoint_kind kind)
{
    if (f.api && f.api != api)
        return false;
    switch (f.endpoint) {
    case endpoint_selector::login: return kind == endpoint_kind::login;
    case endpoint_selector::refresh: return kind == endpoint_kind::refresh;
    case endpoint_selector::auth: return kind != endpoint_kind::resource;
    case endpoint_selector::resource: return kind == endpoint_kind::resource;
    case endpoint_selector::any: return true;
    }
    return false;
}

std::optional<fault> fault_queue::take(std::optional<api_id> api, endpoint_kind kind)
{
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (!matches(*it, api, kind))
            continue;
        fault hit = *it;
        if (it->count > 0 && --it->count == 0)
            queue_.erase(it);
        hit.count = 1;
        return hit;
    }
    return std::nullopt;
}

json::array fault_queue::to_json() const
{
    json::array a;
    for (const auto& f : queue_)
        a.push_back(mockbill::to_json(f));
    return a;
}

parsed<chaos_settings> parse_chaos(const json::value& body)
{
    using result = parsed<chaos_settings>;
    if (!body.is_object())
        return result::fail("chaos must be a JSON object");
    const auto& o = body.get_object();
    if (auto k = unknown_key(o, {"probability", "kinds", "delay_ms", "seed"}); !k.empty())
        return result::fail("unknown key: " + k);
    chaos_settings s;
    if (auto it = o.find("probability"); it != o.end()) {
        auto p = as_double(it->value());
        if (!p || *p < 0.0 || *p > 1.0)
            return result::fail("probability must be a number in 0..1");
        s.probability = *p;
    }
    if (auto it = o.find("kinds"); it != o.end()) {
        if (!it->value().is_array())
            return result::fail("kinds must be an array");
        s.kinds.clear();
        for (const auto& k : it->value().get_array()) {
            auto kind = k.is_string() ? parse_kind(k.get_string()) : std::nullopt;
            if (!kind)
                return result::fail("kinds: unknown fault kind");
            s.kinds.push_back(*kind);
        }
        if (s.kinds.empty() && s.probability > 0.0)
            return result::fail("kinds must not be empty");
    }
    if (auto it = o.find("delay_ms"); it != o.end()) {
        auto d = as_int(it->value());
        if (!d || *d < 0 || *d > 600000)
            return result::fail("delay_ms must be an integer in 0..600000");
        s.delay_ms = *d;
    }
    if (auto it = o.find("seed"); it != o.end()) {
        auto seed = as_int(it->value());
        if (!seed)
            return result::fail("seed must be an integer");
        s.seed = static_cast<std::uint64_t>(*seed);
    }
    return result::ok(std::move(s));
}

chaos_monkey::chaos_monkey() : rng_(std::random_device{}()) {}

void chaos_monkey::configure(chaos_settings settings)
{
    settings_ = std::move(settings);
    if (settings_.seed)
        rng_.seed(*settings_.seed);
}

std::optional<fault> chaos_monkey::roll(api_id api, endpoint_kind kind)
{
    if (kind == endpoint_kind::resource || settings_.probability <= 0.0 || settings_.kinds.empty())
        return std::nullopt;
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    if (coin(rng_) >= settings_.probability)
        return std::nullopt;
    std::uniform_int_distribution<std::size_t> pick(0, settings_.kinds.size() - 1);
    fault f;
    f.api = api;
    f.kind = settings_.kinds[pick(rng_)];
    f.delay_ms = settings_.delay_ms;
    if (f.kind == fault_kind::status) {
        // Only transient statuses: a 400/401 would be a credential verdict, not chaos.
        constexpr std::array<unsigned, 4> statuses{500, 502, 503, 429};
        std::uniform_int_distribution<std::size_t> which(0, statuses.size() - 1);
        f.status = statuses[which(rng_)];
        if (f.status == 429)
            f.retry_after = "1";
    }
    return f;
}

json::object chaos_monkey::to_json() const
{
    json::object o;
    o["probability"] = settings_.probability;
    json::array kinds;
    for (auto k : settings_.kinds)
        kinds.emplace_back(to_string(k));
    o["kinds"] = std::move(kinds);
    o["delay_ms"] = settings_.delay_ms;
    if (settings_.seed)
        o["seed"] = *settings_.seed;
    else
        o["seed"] = nullptr;
    return o;
}

} // namespace mockbill
