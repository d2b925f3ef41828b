// SPDX-License-Identifier: MIT
#include "upstream/providers/reply.hpp"

#include "upstream/base64.hpp"
#include "engine/policy.hpp"

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
    double s = v->is_number() ? v->to_number<double>() : -1;
    if (!(s >= 0))
        return std::nullopt;
    return policy::clamped_seconds(s, policy::max_retry_after);
}

class locked_memory_resource final : public json::memory_resource {
    void* do_allocate(std::size_t n, std::size_t align) override
    {
        if (align > alignof(std::max_align_t))
            throw std::bad_alloc();
        return secret_allocate(n);
    }
    void do_deallocate(void* p, std::size_t n, std::size_t) override { secret_deallocate(p, n); }
    bool do_is_equal(const memory_resource& other) const noexcept override { return this == &other; }
};

} // namespace

auth_reply read_reply(const http_response& r, std::string_view call,
                      const std::function<bool(const json::object&, auth_reply&)>& read_token)
{
    // The body holds a token: the parsed value, the parser's scratch space and its stack of
    // values all live in locked memory (docs/security.md, "Secrets in memory").
    locked_memory_resource locked;
    json::monotonic_resource mr(1024, &locked);
    secret_string scratch(2048, '\0');
    json::parse_options opt;
    opt.max_depth = 32;
    json::parser p(&locked, opt, reinterpret_cast<unsigned char*>(scratch.data()), scratch.size());
    p.reset(&mr);
    boost::system::error_code ec;
    p.write(r.body.data(), r.body.size(), ec);
    if (std::string_view(r.body.data(), r.body.size()).find('\\') != std::string_view::npos)
        proto::scrub_stack(); // escaped strings are unescaped on the stack
    json::value v = ec ? json::value() : p.release();
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
    out.retry_after = policy::parse_retry_after(r.retry_after, r.received);
    if (auto b = body ? body_retry_after(*body) : std::nullopt; b && (!out.retry_after || *b > *out.retry_after))
        out.retry_after = b;
    return out;
}

std::optional<duration> stated_lifetime(double value, double unit_seconds)
{
    if (!(value > 0))
        return std::nullopt;
    return policy::clamped_seconds(value * unit_seconds, policy::max_lifetime);
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
