// SPDX-License-Identifier: MIT
#include "reply.hpp"

#include "../base64.hpp"
#include "../policy.hpp"

#include <tokend/proto/json_text.hpp>

#include <boost/json.hpp>

namespace tokend::agent {
namespace json = boost::json;
namespace {

// Upstream error text can only come from a few known members, cut short and stripped of
// control characters: a body is never logged, and a message must fit on a status line.
std::string clean(std::string_view s)
{
    std::string out;
    for (char c : s.substr(0, 160))
        out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
    return out;
}

// KillB {errorCode, message[]}, NovaBilling {message}, RFC 6749 {error, error_description}.
std::string error_detail(const json::object& o)
{
    std::string detail;
    auto add = [&](std::string_view part) {
        if (part.empty())
            return;
        if (!detail.empty())
            detail += ": ";
        detail += clean(part);
    };
    for (std::string_view key : {"errorCode", "error"})
        if (auto* v = o.if_contains(key); v && v->is_string())
            add(v->get_string());
    if (auto* m = o.if_contains("message")) {
        if (m->is_string())
            add(m->get_string());
        else if (m->is_array() && !m->get_array().empty() && m->get_array()[0].is_string())
            add(m->get_array()[0].get_string());
    }
    if (auto* d = o.if_contains("error_description"); d && d->is_string())
        add(d->get_string());
    return detail;
}

std::optional<duration> body_retry_after(const json::object& o)
{
    const json::value* v = o.if_contains("retryAfter");
    if (!v)
        return std::nullopt;
    double s = v->is_int64() ? static_cast<double>(v->get_int64()) : v->is_double() ? v->get_double() : -1;
    if (s < 0 || s > 86400)
        return std::nullopt;
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(s));
}

} // namespace

auth_reply read_reply(const http_response& r, std::string_view call,
                      const std::function<bool(const json::object&, auth_reply&)>& read_token)
{
    proto::wiping_memory_resource heap;
    json::monotonic_resource mr(1024, &heap);
    json::parse_options opt;
    opt.max_depth = 32;
    boost::system::error_code ec;
    json::value v = json::parse(std::string_view(r.body.data(), r.body.size()), ec, &mr, opt);
    const json::object* body = ec ? nullptr : v.if_object();

    auth_reply out;
    std::string status = "HTTP " + std::to_string(r.status);
    if (r.status >= 200 && r.status < 300) {
        if (body && read_token(*body, out)) {
            out.result = auth_reply::outcome::ok;
            return out;
        }
        out.message = std::string(call) + " answer (" + status + ") is not the expected JSON";
        return out;
    }
    std::string detail = body ? error_detail(*body) : std::string();
    out.message = std::string(call) + (r.status == 400 || r.status == 401 || r.status == 403 ? " refused: " : " failed: ")
                  + status + (detail.empty() ? "" : " (" + detail + ")");
    if (r.status == 400 || r.status == 401 || r.status == 403) {
        out.result = auth_reply::outcome::rejected;
        return out;
    }
    out.retry_after = policy::parse_retry_after(r.retry_after, std::chrono::system_clock::now());
    if (auto b = body ? body_retry_after(*body) : std::nullopt; b && (!out.retry_after || *b > *out.retry_after))
        out.retry_after = b;
    return out;
}

bool take_secret(const json::object& o, std::string_view key, secret& out)
{
    const json::value* v = o.if_contains(key);
    if (!v || !v->is_string() || v->get_string().empty())
        return false;
    out = secret::copy_of(std::string_view(v->get_string()));
    return true;
}

bool take_secret(const json::object& o, std::string_view key, std::optional<secret>& out)
{
    secret s;
    if (!take_secret(o, key, s))
        return false;
    out = std::move(s);
    return true;
}

void append_form_encoded(secret_string& out, std::string_view s)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(c);
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 15]);
        }
    }
}

secret basic_authorization(std::string_view user, std::string_view password)
{
    secret_string plain;
    plain.append(user).append(":").append(password);
    secret_string header = "Basic ";
    base64_encode(std::string_view(plain.data(), plain.size()), header);
    return secret::copy_of(std::string_view(header.data(), header.size()));
}

http_request provider::refresh_request(const profile_config&, const profile_secrets&, std::string_view) const
{
    return {}; // never called: can_refresh() is false
}

} // namespace tokend::agent
