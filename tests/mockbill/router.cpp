// SPDX-License-Identifier: MIT
// Route lookup, fault application and the bookkeeping (counters, call log) around handlers.
#include "router.hpp"

#include "control.hpp"
#include "state.hpp"

#include <array>

namespace mockbill {

namespace json = boost::json;

namespace {

const std::array<const api_def*, 4>& apis()
{
    static const std::array<const api_def*, 4> all{&aviate_api(), &killb_api(), &novabilling_api(),
                                                   &oauth2_api()};
    return all;
}

void count_call(counters& c, endpoint_kind kind)
{
    switch (kind) {
    case endpoint_kind::login: ++c.login_calls; break;
    case endpoint_kind::refresh: ++c.refresh_calls; break;
    case endpoint_kind::resource: ++c.requests; break;
    }
}

void count_outcome(counters& c, endpoint_kind kind, outcome o)
{
    if (o == outcome::rate_limited) {
        ++c.rate_limited;
        return;
    }
    bool ok = o == outcome::ok;
    switch (kind) {
    case endpoint_kind::login: ++(ok ? c.logins_ok : c.login_rejected); break;
    case endpoint_kind::refresh:
        ++(ok ? c.refreshes_ok : c.refresh_rejected);
        c.refresh_reuse += o == outcome::reuse ? 1 : 0;
        break;
    case endpoint_kind::resource:
        if (ok)
            ++c.requests_ok;
        else if (o == outcome::expired)
            ++c.expired_requests;
        else
            ++c.invalid_requests;
        break;
    }
}

// A plausible start of a token response whose Content-Length promises far more.
std::string truncated_response()
{
    std::string body = R"({"accessToken":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIi)";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size() + 512) + "\r\nConnection: close\r\n\r\n" + body;
}

} // namespace

decision router::decide(const request& req)
{
    decision d;
    std::string_view path = target_path(req);
    for (const api_def* api : apis())
        for (const route& r : api->routes)
            if (r.method == req.method() && r.path == path) {
                d.api = api;
                d.matched = &r;
            }
    if (!d.matched)
        return d;
    d.kind = d.matched->classify ? d.matched->classify(req) : d.matched->kind;
    counters& c = st_.count(d.api->id);
    count_call(c, d.kind);
    if (d.kind != endpoint_kind::resource)
        d.call_seq = st_.begin_call(d.api->id, d.kind);
    // Queued faults are the test's explicit script, so they win over chaos.
    d.injected = st_.faults.take(d.api->id, d.kind);
    if (!d.injected)
        d.injected = st_.chaos.roll(d.api->id, d.kind);
    if (d.injected) {
        ++c.faults_injected;
        if (d.injected->kind == fault_kind::delay)
            d.delay = std::chrono::milliseconds(d.injected->delay_ms);
    }
    return d;
}

reply router::answer(const request& req, const decision& d)
{
    reply rep;
    if (!d.api) {
        if (target_path(req).starts_with(control_prefix))
            rep.res = handle_control(st_, req);
        else
            rep.res = json_response(404, json::object{{"error", "not found"}});
        return rep;
    }
    if (d.injected && d.injected->kind != fault_kind::delay) {
        rep = fault_reply(st_, req, d.api, *d.injected);
    } else {
        handled h = d.matched->handler(st_, req);
        count_outcome(st_.count(d.api->id), d.kind, h.result);
        rep.res = std::move(h.res);
        rep.fault = d.injected ? fault_kind::delay : fault_kind::none;
    }
    // A skewed server's Date header is skewed too; clients may use it to detect skew.
    rep.res.set(http::field::date, http_date(st_.now(d.api->id)));
    if (d.call_seq) {
        unsigned status = rep.action == transport_action::respond ? rep.res.result_int() : 0;
        st_.complete_call(*d.call_seq, status, rep.fault);
    }
    return rep;
}

const api_def* api_def_of(std::optional<api_id> api)
{
    return api ? apis()[index_of(*api)] : nullptr;
}

reply fault_reply(state& st, const request& req, const api_def* api, const fault& f)
{
    reply rep;
    rep.fault = f.kind;
    switch (f.kind) {
    case fault_kind::status: {
        json::object body = api ? api->error_body(st, req, f.status)
                                : json::object{{"message", reason(f.status)}};
        if (!f.retry_after_body.is_null())
            body["retryAfter"] = f.retry_after_body;
        rep.res = json_response(f.status, body);
        if (f.retry_after)
            rep.res.set(http::field::retry_after, *f.retry_after);
        break;
    }
    case fault_kind::garbage: rep.res = text_response(200, "<html>oops", "text/html"); break;
    case fault_kind::reset: rep.action = transport_action::reset; break;
    case fault_kind::hang: rep.action = transport_action::hang; break;
    case fault_kind::truncate:
        rep.action = transport_action::truncate;
        rep.raw = truncated_response();
        break;
    case fault_kind::none:
    case fault_kind::delay: break; // not faults at answer time
    }
    return rep;
}

} // namespace mockbill
