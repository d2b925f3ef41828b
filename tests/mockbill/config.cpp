// SPDX-License-Identifier: MIT
// Config defaults, JSON rendering and validated merge. The merge works on the JSON form so
// that "unknown key" and "wrong type" checks are generic; ranges and enums are checked when
// the merged JSON is read back into the typed struct.
#include "config.hpp"

#include "json_util.hpp"

#include <utility>

namespace mockbill {

namespace json = boost::json;

namespace {

std::string_view to_string(refresh_policy p)
{
    switch (p) {
    case refresh_policy::rotate: return "rotate";
    case refresh_policy::reuse: return "reuse";
    case refresh_policy::stateless: return "stateless";
    }
    return "?";
}

std::string_view to_string(throttle_style s) { return s == throttle_style::docs ? "docs" : "real"; }

void put_common(json::object& o, const common_config& c)
{
    o["lifetime"] = c.lifetime;
    o["clock_skew"] = c.clock_skew;
}

// Reads typed values back out of a merged JSON config, remembering the first problem.
struct reader {
    std::string error;

    std::int64_t integer(const json::object& o, std::string_view key, std::int64_t lo,
                         std::int64_t hi, std::string_view where)
    {
        auto v = as_int(o.at(key));
        if (v && *v >= lo && *v <= hi)
            return *v;
        fail(where, key, "out of range");
        return lo;
    }

    template <class Enum>
    Enum choice(const json::object& o, std::string_view key,
                std::initializer_list<std::pair<std::string_view, Enum>> options,
                std::string_view where)
    {
        for (auto [name, value] : options)
            if (o.at(key).get_string() == name)
                return value;
        fail(where, key, "not an allowed value");
        return options.begin()->second;
    }

    void common(const json::object& o, common_config& c, std::string_view where)
    {
        c.lifetime = integer(o, "lifetime", 0, 10LL * 365 * 86400, where);
        c.clock_skew = integer(o, "clock_skew", -10LL * 365 * 86400, 10LL * 365 * 86400, where);
    }

    void fail(std::string_view where, std::string_view key, std::string_view why)
    {
        if (error.empty())
            error = std::string(where) + '.' + std::string(key) + ": " + std::string(why);
    }
};

// Same JSON kind, treating every integer representation as one kind.
bool same_kind(const json::value& base, const json::value& patch)
{
    if (base.is_int64())
        return as_int(patch).has_value();
    return base.kind() == patch.kind();
}

std::string merge_objects(json::object& base, const json::object& patch, const std::string& path)
{
    for (const auto& kv : patch) {
        std::string where = path.empty() ? std::string(kv.key()) : path + '.' + std::string(kv.key());
        auto it = base.find(kv.key());
        if (it == base.end())
            return "unknown key: " + where;
        if (!same_kind(it->value(), kv.value()))
            return "wrong type for " + where;
        if (it->value().is_object()) {
            if (auto err = merge_objects(it->value().get_object(), kv.value().get_object(), where);
                !err.empty())
                return err;
        } else if (it->value().is_int64()) {
            it->value() = *as_int(kv.value());
        } else {
            it->value() = kv.value();
        }
    }
    return {};
}

config read_config(const json::object& o, reader& r)
{
    constexpr std::int64_t max_life = 10LL * 365 * 86400;
    config c;
    const auto& av = o.at("aviate").get_object();
    r.common(av, c.aviate, "aviate");
    c.aviate.exp_minus_one = av.at("exp_minus_one").get_bool();

    const auto& kb = o.at("killb").get_object();
    r.common(kb, c.killb, "killb");
    c.killb.opaque_tokens = kb.at("opaque_tokens").get_bool();
    c.killb.login_status = r.integer(kb, "login_status", 200, 299, "killb");
    c.killb.refresh = r.choice<refresh_policy>(
        kb, "refresh_policy", {{"rotate", refresh_policy::rotate}, {"reuse", refresh_policy::reuse}},
        "killb");
    c.killb.refresh_lifetime = r.integer(kb, "refresh_lifetime", 0, max_life, "killb");

    const auto& nb = o.at("novabilling").get_object();
    r.common(nb, c.novabilling, "novabilling");
    c.novabilling.refresh_lifetime = r.integer(nb, "refresh_lifetime", 0, max_life, "novabilling");
    c.novabilling.refresh = r.choice<refresh_policy>(
        nb, "refresh_policy",
        {{"rotate", refresh_policy::rotate}, {"stateless", refresh_policy::stateless}},
        "novabilling");
    const auto& rl = nb.at("rate_limit").get_object();
    c.novabilling.rate_limit = r.integer(rl, "limit", 0, 1'000'000'000, "novabilling.rate_limit");
    c.novabilling.rate_window = r.integer(rl, "window", 1, 86400, "novabilling.rate_limit");
    c.novabilling.throttle = r.choice<throttle_style>(
        nb, "throttle_style", {{"real", throttle_style::real}, {"docs", throttle_style::docs}},
        "novabilling");

    const auto& oa = o.at("oauth2").get_object();
    r.common(oa, c.oauth2, "oauth2");
    c.oauth2.opaque_tokens = oa.at("opaque_tokens").get_bool();
    c.oauth2.refresh_tokens_for_client_credentials =
        oa.at("refresh_tokens_for_client_credentials").get_bool();
    c.oauth2.refresh_lifetime = r.integer(oa, "refresh_lifetime", 0, max_life, "oauth2");
    c.oauth2.client_secret = oa.at("client_secret").get_string();
    if (c.oauth2.client_secret.empty())
        r.fail("oauth2", "client_secret", "must not be empty");
    c.oauth2.basic_decoding = oa.at("basic_decoding").get_bool();
    return c;
}

} // namespace

const common_config& config::common(api_id api) const
{
    switch (api) {
    case api_id::aviate: return aviate;
    case api_id::killb: return killb;
    case api_id::novabilling: return novabilling;
    case api_id::oauth2: return oauth2;
    }
    return aviate;
}

json::object to_json(const config& cfg)
{
    json::object av, kb, nb, oa;
    put_common(av, cfg.aviate);
    av["exp_minus_one"] = cfg.aviate.exp_minus_one;

    put_common(kb, cfg.killb);
    kb["opaque_tokens"] = cfg.killb.opaque_tokens;
    kb["login_status"] = cfg.killb.login_status;
    kb["refresh_policy"] = to_string(cfg.killb.refresh);
    kb["refresh_lifetime"] = cfg.killb.refresh_lifetime;

    put_common(nb, cfg.novabilling);
    nb["refresh_lifetime"] = cfg.novabilling.refresh_lifetime;
    nb["refresh_policy"] = to_string(cfg.novabilling.refresh);
    nb["rate_limit"] = {{"limit", cfg.novabilling.rate_limit},
                        {"window", cfg.novabilling.rate_window}};
    nb["throttle_style"] = to_string(cfg.novabilling.throttle);

    put_common(oa, cfg.oauth2);
    oa["opaque_tokens"] = cfg.oauth2.opaque_tokens;
    oa["refresh_tokens_for_client_credentials"] = cfg.oauth2.refresh_tokens_for_client_credentials;
    oa["refresh_lifetime"] = cfg.oauth2.refresh_lifetime;
    oa["client_secret"] = cfg.oauth2.client_secret;
    oa["basic_decoding"] = cfg.oauth2.basic_decoding;

    return {{"aviate", std::move(av)},
            {"killb", std::move(kb)},
            {"novabilling", std::move(nb)},
            {"oauth2", std::move(oa)}};
}

std::string merge_config(config& cfg, const json::value& patch)
{
    if (!patch.is_object())
        return "config must be a JSON object";
    json::object merged = to_json(cfg);
    if (auto err = merge_objects(merged, patch.get_object(), ""); !err.empty())
        return err;
    reader r;
    config next = read_config(merged, r);
    if (!r.error.empty())
        return r.error;
    cfg = std::move(next);
    return {};
}

} // namespace mockbill
