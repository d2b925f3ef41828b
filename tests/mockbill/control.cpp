// SPDX-License-Identifier: MIT
// Control API handlers: reset, config, users, faults, chaos, stats, calls, api_calls, jwks.
#include "control.hpp"

#include "json_util.hpp"
#include "jwt.hpp"
#include "state.hpp"

#include <vector>

namespace mockbill {

namespace json = boost::json;

namespace {

response bad(std::string_view why)
{
    return json_response(400, json::object{{"ok", false}, {"error", why}});
}

response ok(json::object extra = {})
{
    json::object body{{"ok", true}};
    for (auto& kv : extra)
        body[kv.key()] = std::move(kv.value());
    return json_response(200, body);
}

response post_config(state& st, const request& req)
{
    auto body = parse_json(req.body());
    if (!body)
        return bad("body must be JSON");
    if (auto err = merge_config(st.cfg, *body); !err.empty())
        return bad(err);
    return json_response(200, to_json(st.cfg));
}

response post_users(state& st, const request& req)
{
    auto body = parse_json(req.body());
    if (!body || !body->is_object())
        return bad("body must be a JSON object");
    const auto& o = body->get_object();
    if (auto k = unknown_key(o, {"email", "password"}); !k.empty())
        return bad("unknown key: " + k);
    auto email = string_at(o, "email");
    auto password = string_at(o, "password");
    if (!email || email->empty() || !password)
        return bad("email (non-empty string) and password (string) are required");
    bool created = st.set_user(*email, *password);
    return ok({{"email", *email}, {"created", created}});
}

// Accepts one fault object or an array of them; all are validated before any is queued.
response post_faults(state& st, const request& req)
{
    auto body = parse_json(req.body());
    if (!body)
        return bad("body must be JSON");
    std::vector<fault> parsed_faults;
    auto add = [&](const json::value& v) {
        auto f = parse_fault(v);
        if (f.value)
            parsed_faults.push_back(std::move(*f.value));
        return f.error;
    };
    if (body->is_array()) {
        for (const auto& v : body->get_array())
            if (auto err = add(v); !err.empty())
                return bad(err);
    } else if (auto err = add(*body); !err.empty()) {
        return bad(err);
    }
    for (auto& f : parsed_faults)
        st.faults.push(std::move(f));
    return ok({{"faults", st.faults.to_json()}});
}

response post_chaos(state& st, const request& req)
{
    auto body = parse_json(req.body());
    if (!body)
        return bad("body must be JSON");
    auto settings = parse_chaos(*body);
    if (!settings.value)
        return bad(settings.error);
    st.chaos.configure(std::move(*settings.value));
    return ok({{"chaos", st.chaos.to_json()}});
}

using control_fn = response (*)(state&, const request&);

struct control_route {
    http::verb method;
    std::string_view path;
    control_fn fn;
};

const control_route control_routes[] = {
    {http::verb::post, "/_mock/reset", [](state& st, const request&) { st.reset(); return ok(); }},
    {http::verb::get, "/_mock/config",
     [](state& st, const request&) { return json_response(200, to_json(st.cfg)); }},
    {http::verb::post, "/_mock/config", post_config},
    {http::verb::post, "/_mock/users", post_users},
    {http::verb::post, "/_mock/faults", post_faults},
    {http::verb::delete_, "/_mock/faults", [](state& st, const request&) { st.faults.clear(); return ok(); }},
    {http::verb::get, "/_mock/faults",
     [](state& st, const request&) { return json_response(200, json::object{{"faults", st.faults.to_json()}}); }},
    {http::verb::post, "/_mock/chaos", post_chaos},
    {http::verb::get, "/_mock/chaos",
     [](state& st, const request&) { return json_response(200, st.chaos.to_json()); }},
    {http::verb::get, "/_mock/stats",
     [](state& st, const request&) { return json_response(200, st.stats_json()); }},
    {http::verb::get, "/_mock/calls",
     [](state& st, const request&) {
         return text_response(200, st.calls_json(), "application/json; charset=utf-8");
     }},
    {http::verb::get, "/_mock/api_calls",
     [](state& st, const request&) { return json_response(200, st.api_calls.to_json()); }},
    {http::verb::get, "/_mock/jwks",
     [](state& st, const request&) {
         return json_response(200, json::object{{"keys", json::array{st.rsa().jwk(aviate_kid)}}});
     }},
};

} // namespace

response handle_control(state& st, const request& req)
{
    std::string_view path = target_path(req);
    bool path_known = false;
    for (const auto& r : control_routes) {
        if (r.path != path)
            continue;
        path_known = true;
        if (r.method == req.method())
            return r.fn(st, req);
    }
    if (path_known)
        return json_response(405, json::object{{"ok", false}, {"error", "method not allowed"}});
    return json_response(404, json::object{{"ok", false}, {"error", "unknown control endpoint"}});
}

} // namespace mockbill
