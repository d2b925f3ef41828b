// SPDX-License-Identifier: MIT
#include <tokend/proto/codec.hpp>

#include <tokend/proto/json_text.hpp>
#include <tokend/proto/limits.hpp>
#include <tokend/proto/wipe.hpp>

#include <boost/json.hpp>
#include <boost/throw_exception.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace tokend::proto {
namespace json = boost::json;

void throw_exception_from_error(const wire_error& e, const boost::source_location& loc)
{
    boost::throw_exception(std::runtime_error(std::string(to_string(e.code)) + ": " + e.message), loc);
}

namespace {

// Parses `text` into a value whose storage lives only for the duration of `use`, then wipes
// every byte the parse touched.
template <class Use>
auto with_parsed(std::string_view text, Use&& use)
{
    alignas(std::max_align_t) unsigned char storage[4096];
    unsigned char temp[1024];
    // Heap blocks beyond the stack buffer are wiped too: an "add" line carries a password.
    wiping_memory_resource upstream;
    struct wipe_on_exit {
        unsigned char* a; std::size_t an; unsigned char* b; std::size_t bn;
        ~wipe_on_exit() { secure_wipe(a, an); secure_wipe(b, bn); }
    } wipe{storage, sizeof storage, temp, sizeof temp};

    json::monotonic_resource mr(storage, sizeof storage, &upstream);
    json::parse_options opt;
    opt.max_depth = max_json_depth;
    json::parser p(&mr, opt, temp, sizeof temp);
    p.reset(&mr); // the value too: without this its strings (an "add" password) go to the plain heap
    boost::system::error_code ec;
    p.write(text.data(), text.size(), ec);
    if (text.find('\\') != std::string_view::npos) // only escaped strings pass through the parser's stack
        scrub_stack();
    json::value v = ec ? json::value() : p.release();
    return use(ec, v);
}

std::optional<op> op_from_string(std::string_view s)
{
    if (s == "get") return op::get;
    if (s == "hello") return op::hello;
    if (s == "status") return op::status;
    if (s == "invalidate") return op::invalidate;
    if (s == "add") return op::add;
    if (s == "reload") return op::reload;
    return std::nullopt;
}

std::string_view op_name(op o)
{
    switch (o) {
    case op::hello: return "hello";
    case op::get: return "get";
    case op::invalidate: return "invalidate";
    case op::status: return "status";
    case op::add: return "add";
    case op::reload: return "reload";
    }
    return "hello";
}

wire_error bad_request(std::string message) { return {errc::bad_request, std::move(message)}; }

// Reads an optional string member; a present member of another type is an error.
std::optional<wire_error> read_string(const json::object& o, std::string_view key, std::string& out,
                                      bool required)
{
    const json::value* v = o.if_contains(key);
    if (!v) {
        if (required)
            return bad_request("missing \"" + std::string(key) + "\"");
        return std::nullopt;
    }
    if (!v->is_string()) // not "\"" + key: GCC 12 -O3 warns falsely (-Wrestrict)
        return bad_request(std::string(1, '"').append(key).append("\" must be a string"));
    out.assign(v->get_string().data(), v->get_string().size());
    return std::nullopt;
}

std::optional<double> as_number(const json::value& v)
{
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    if (v.is_double()) return v.get_double();
    return std::nullopt;
}

// Boost.JSON reads 1e400 as infinity and writes it back as `Infinity`, which is not JSON: an
// id holding one could not be echoed. Depth is bounded by max_json_depth.
bool all_finite(const json::value& v)
{
    if (v.is_double())
        return std::isfinite(v.get_double());
    if (const json::array* a = v.if_array())
        return std::all_of(a->begin(), a->end(), [](const json::value& e) { return all_finite(e); });
    if (const json::object* o = v.if_object())
        return std::all_of(o->begin(), o->end(), [](const json::key_value_pair& kv) { return all_finite(kv.value()); });
    return true;
}

bool needs_profile(op o) { return o == op::get || o == op::invalidate || o == op::add; }

std::optional<wire_error> decode_object(const json::object& o, request& out)
{
    if (const json::value* id = o.if_contains("id")) {
        if (!all_finite(*id))
            return bad_request("\"id\" must not hold a number out of range");
        out.id = json::serialize(*id);
    }

    std::string op_text;
    if (auto e = read_string(o, "op", op_text, true))
        return e;
    auto parsed_op = op_from_string(op_text);
    if (!parsed_op) {
        if (op_text.size() > 32) { // cut at a character boundary: the answer must stay UTF-8
            std::size_t cut = 32;
            while (cut > 0 && (static_cast<unsigned char>(op_text[cut]) & 0xc0) == 0x80)
                --cut;
            op_text = op_text.substr(0, cut) + "...";
        }
        std::string message = "unknown op ";
        append_json_string(message, op_text);
        return wire_error{errc::unknown_op, std::move(message)};
    }
    out.op = *parsed_op;

    if (auto e = read_string(o, "profile", out.profile, needs_profile(out.op)))
        return e;
    if (needs_profile(out.op) && out.profile.empty())
        return bad_request("\"profile\" must not be empty");

    if (const json::value* v = o.if_contains("min_ttl"); v && out.op == op::get) {
        auto n = as_number(*v);
        if (!n || !std::isfinite(*n) || *n < 0)
            return bad_request("\"min_ttl\" must be a non-negative number of seconds");
        out.min_ttl = *n;
    }
    if (out.op == op::invalidate && o.contains("token_id")) {
        out.token_id.emplace();
        if (auto e = read_string(o, "token_id", *out.token_id, true))
            return e;
    }
    if (out.op == op::add) {
        if (auto e = read_string(o, "password", out.password, true))
            return e;
        if (out.password.empty())
            return bad_request("\"password\" must not be empty");
    }
    return std::nullopt;
}

void append_number(std::string& out, double v)
{
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// ---- client-side readers: every accessor tolerates a wrong shape by failing, never throwing.

const wire_error malformed{errc::internal, "malformed answer from the agent", true};

template <class T, class Read>
wire_result<T> decode_answer(std::string_view line, Read&& read)
{
    return with_parsed(line, [&](boost::system::error_code ec, const json::value& v) -> wire_result<T> {
        const json::object* o = ec ? nullptr : v.if_object();
        const json::value* ok = o ? o->if_contains("ok") : nullptr;
        if (!ok || !ok->is_bool())
            return malformed;
        if (!ok->get_bool()) {
            const json::value* err = o->if_contains("error");
            const json::object* eo = err ? err->if_object() : nullptr;
            std::string code, message;
            if (!eo || read_string(*eo, "code", code, true) || read_string(*eo, "message", message, false))
                return malformed;
            return wire_error{errc_from_string(code).value_or(errc::internal), std::move(message)};
        }
        return read(*o);
    });
}

std::optional<std::int64_t> read_optional_int(const json::object& o, std::string_view key, bool& bad)
{
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null())
        return std::nullopt;
    if (v->is_int64())
        return v->get_int64();
    bad = true;
    return std::nullopt;
}

std::uint64_t read_count(const json::object& o, std::string_view key, bool& bad)
{
    const json::value* v = o.if_contains(key);
    if (v && v->is_int64() && v->get_int64() >= 0)
        return static_cast<std::uint64_t>(v->get_int64());
    if (v && v->is_uint64())
        return v->get_uint64();
    bad = true;
    return 0;
}

// A counter added after version 1 first shipped: an older agent leaves it out (PROTOCOL.md).
std::uint64_t read_later_count(const json::object& o, std::string_view key, bool& bad)
{
    return o.contains(key) ? read_count(o, key, bad) : 0;
}

// hello's "proxy" list; absent from an agent older than the HTTP proxy.
bool read_proxy_list(const json::object& o, std::vector<std::string>& out)
{
    const json::value* v = o.if_contains("proxy");
    if (!v)
        return true;
    if (!v->is_array())
        return false;
    for (const json::value& e : v->get_array()) {
        if (!e.is_string())
            return false;
        out.emplace_back(e.get_string());
    }
    return true;
}

wire_result<profile_status> read_profile_status(const json::value& v)
{
    const json::object* o = v.if_object();
    if (!o)
        return malformed;
    profile_status s;
    bool bad = read_string(*o, "name", s.name, true) || read_string(*o, "provider", s.provider, true)
               || read_string(*o, "state", s.state, true);
    if (const json::value* e = o->if_contains("last_error"); e && e->is_string())
        s.last_error = e->get_string();
    s.expires_at = read_optional_int(*o, "expires_at", bad);
    s.refresh_at = read_optional_int(*o, "refresh_at", bad);
    s.last_error_at = read_optional_int(*o, "last_error_at", bad);
    s.logins = read_count(*o, "logins", bad);
    s.refreshes = read_count(*o, "refreshes", bad);
    s.failures = read_count(*o, "failures", bad);
    s.proxied = read_later_count(*o, "proxied", bad);
    s.proxy_retries = read_later_count(*o, "proxy_retries", bad);
    if (bad)
        return malformed;
    return s;
}

// The line libtok and `tok header` send for nearly every request, {"op":"get","profile":"P"},
// read without the JSON parser (which costs about 0.35 µs here, with the wipe of its scratch
// space). Profile names are [A-Za-z0-9._-] (config.cpp), so such a line has no escapes; any
// other line, including this one with an id, min_ttl or spaces, takes the general path,
// which decodes it to the same request.
bool decode_plain_get(std::string_view line, request& out)
{
    constexpr std::string_view head = R"({"op":"get","profile":")", tail = R"("})";
    if (line.size() <= head.size() + tail.size() || !line.starts_with(head) || !line.ends_with(tail))
        return false;
    std::string_view name = line.substr(head.size(), line.size() - head.size() - tail.size());
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
              || c == '.'))
            return false;
    out.op = op::get;
    out.profile.assign(name);
    return true;
}

} // namespace

std::optional<wire_error> decode_request(std::string_view line, request& out)
{
    if (decode_plain_get(line, out))
        return std::nullopt;
    return with_parsed(line, [&](boost::system::error_code ec, const json::value& v) -> std::optional<wire_error> {
        if (ec)
            return bad_request("invalid JSON: " + ec.message());
        if (!v.is_object())
            return bad_request("a request must be a JSON object");
        return decode_object(v.get_object(), out);
    });
}

std::string encode_request(const request& r)
{
    std::string out = "{\"op\":\"";
    out += op_name(r.op);
    out += '"';
    if (!r.id.empty()) {
        out += ",\"id\":";
        out += r.id;
    }
    if (!r.profile.empty()) {
        out += ",\"profile\":";
        append_json_string(out, r.profile);
    }
    if (r.min_ttl) {
        out += ",\"min_ttl\":";
        append_number(out, *r.min_ttl);
    }
    if (r.token_id) {
        out += ",\"token_id\":";
        append_json_string(out, *r.token_id);
    }
    if (r.op == op::add) {
        out += ",\"password\":";
        append_json_string(out, r.password);
    }
    out += "}\n";
    return out;
}

wire_result<hello_answer> decode_hello_answer(std::string_view line)
{
    return decode_answer<hello_answer>(line, [](const json::object& o) -> wire_result<hello_answer> {
        hello_answer a;
        const json::value* p = o.if_contains("protocol");
        if (read_string(o, "agent", a.agent, true) || read_string(o, "version", a.version, true) || !p
            || !p->is_int64() || !read_proxy_list(o, a.proxy))
            return malformed;
        a.protocol = static_cast<int>(p->get_int64());
        return a;
    });
}

wire_result<token_answer> decode_token_answer(std::string_view line)
{
    return decode_answer<token_answer>(line, [](const json::object& o) -> wire_result<token_answer> {
        token_answer a;
        bool bad = read_string(o, "profile", a.profile, true) || read_string(o, "token", a.token, true)
                   || read_string(o, "token_id", a.token_id, true);
        a.expires_at = read_optional_int(o, "expires_at", bad);
        const json::value* h = o.if_contains("headers");
        if (bad || !h || !h->is_object())
            return malformed;
        for (const auto& kv : h->get_object()) {
            if (!kv.value().is_string())
                return malformed;
            a.headers.emplace_back(std::string(kv.key()), std::string(kv.value().get_string()));
        }
        return a;
    });
}

wire_result<std::vector<profile_status>> decode_status_answer(std::string_view line)
{
    using result_t = wire_result<std::vector<profile_status>>;
    return decode_answer<std::vector<profile_status>>(line, [](const json::object& o) -> result_t {
        const json::value* list = o.if_contains("profiles");
        if (!list || !list->is_array())
            return malformed;
        std::vector<profile_status> out;
        for (const json::value& v : list->get_array()) {
            auto s = read_profile_status(v);
            if (!s)
                return s.error();
            out.push_back(std::move(*s));
        }
        return out;
    });
}

std::optional<wire_error> decode_ok_answer(std::string_view line)
{
    auto r = decode_answer<bool>(line, [](const json::object&) -> wire_result<bool> { return true; });
    if (r)
        return std::nullopt;
    return r.error();
}

} // namespace tokend::proto
