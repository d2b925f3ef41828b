// SPDX-License-Identifier: MIT
// Request encoding and answer decoding for libtok, with proto's codec doing the JSON.
#include "session.hpp"

#include "error.hpp"

#include <tokend/proto/codec.hpp>
#include <tokend/proto/wipe.hpp>
#include <tokend/proto/paths.hpp>

#include <algorithm>

namespace tok::detail {
namespace proto = tokend::proto;
using sys_time = std::chrono::system_clock::time_point;

namespace {

// Both strings may hold secrets (a password in the request, a token in the answer).
struct exchange_buffers {
    std::string request;
    std::string answer;
    ~exchange_buffers()
    {
        proto::secure_wipe(request);
        proto::secure_wipe(answer);
    }
};

std::optional<sys_time> to_time(const std::optional<std::int64_t>& unix_seconds)
{
    if (!unix_seconds)
        return std::nullopt;
    return sys_time(std::chrono::seconds(*unix_seconds));
}

// proto::errc and tok::errc are both generated from TOK_WIRE_ERRORS (<tok/error_codes.h>);
// the cases below map them by name, the asserts hold the numbers (libtok's ABI) equal.
#define SAME_NUMBER(value, name, C_NAME, message, description)                                     \
    static_assert(static_cast<int>(proto::errc::name) == value && static_cast<int>(errc::name) == value);
TOK_WIRE_ERRORS(SAME_NUMBER)
#undef SAME_NUMBER

errc to_public(proto::errc e)
{
    switch (e) {
#define SAME_NAME(value, name, C_NAME, message, description) \
    case proto::errc::name: return errc::name;
        TOK_WIRE_ERRORS(SAME_NAME)
#undef SAME_NAME
    }
    return errc::internal;
}

std::error_code from_wire(const proto::wire_error& e, const std::string& path)
{
    // A line that is no answer at all is a broken peer, not a bug in the agent.
    if (e.malformed_answer)
        return fail(errc::protocol_error, "the peer at " + path + " does not speak tokend's protocol");
    return fail(to_public(e.code), e.message);
}

profile_status to_public(proto::profile_status&& s)
{
    return {std::move(s.name), std::move(s.provider), std::move(s.state), to_time(s.expires_at),
            to_time(s.refresh_at), std::move(s.last_error), to_time(s.last_error_at),
            s.logins, s.refreshes, s.failures};
}

// For the operations whose answer is a bare {"ok":true}.
std::error_code call_ok(channel& ch, std::string request, std::string* raw)
{
    exchange_buffers io{std::move(request), {}};
    if (auto ec = ch.call(io.request, io.answer, std::nullopt))
        return ec;
    if (raw)
        *raw = io.answer;
    if (auto e = proto::decode_ok_answer(io.answer))
        return from_wire(*e, ch.path());
    return {};
}

} // namespace

std::string resolve_socket_path(std::string_view explicit_path)
{
    return proto::socket_path(explicit_path.empty() ? std::nullopt : std::optional(explicit_path), std::nullopt);
}

session::session(const client_options& options)
    : channel_(resolve_socket_path(options.socket_path), options.timeout)
{
}

std::error_code session::get(std::string_view profile, const get_options& options, token& out, std::string* raw)
{
    proto::request r;
    r.op = proto::op::get;
    r.profile = profile;
    if (options.min_ttl.count() > 0)
        r.min_ttl = options.min_ttl.count();
    exchange_buffers io{proto::encode_request(r), {}};
    if (auto ec = channel_.call(io.request, io.answer, options.timeout))
        return ec;
    if (raw)
        *raw = io.answer;
    auto a = proto::decode_token_answer(io.answer);
    if (!a)
        return from_wire(a.error(), socket_path());
    out.value = std::move(a->token);
    out.id = std::move(a->token_id);
    out.expires_at = to_time(a->expires_at);
    out.headers = std::move(a->headers);
    // PROTOCOL.md promises Authorization first; JSON objects carry no order guarantee.
    std::stable_partition(out.headers.begin(), out.headers.end(),
                          [](const auto& h) { return h.first == "Authorization"; });
    proto::secure_wipe(a->token);
    return {};
}

std::error_code session::invalidate(std::string_view profile, std::string_view token_id, std::string* raw)
{
    proto::request r;
    r.op = proto::op::invalidate;
    r.profile = profile;
    if (!token_id.empty())
        r.token_id = std::string(token_id);
    return call_ok(channel_, proto::encode_request(r), raw);
}

std::error_code session::status(std::string_view profile, std::vector<profile_status>& out, std::string* raw)
{
    proto::request r;
    r.op = proto::op::status;
    r.profile = profile;
    exchange_buffers io{proto::encode_request(r), {}};
    if (auto ec = channel_.call(io.request, io.answer, std::nullopt))
        return ec;
    auto a = proto::decode_status_answer(io.answer);
    if (raw)
        *raw = std::move(io.answer);
    if (!a)
        return from_wire(a.error(), socket_path());
    out.clear();
    out.reserve(a->size());
    for (auto& s : *a)
        out.push_back(to_public(std::move(s)));
    return {};
}

std::error_code session::add(std::string_view profile, std::string_view password, std::string* raw)
{
    proto::request r;
    r.op = proto::op::add;
    r.profile = profile;
    r.password = password;
    std::string line = proto::encode_request(r);
    proto::secure_wipe(r.password);
    return call_ok(channel_, std::move(line), raw);
}

std::error_code session::reload(std::string* raw)
{
    proto::request r;
    r.op = proto::op::reload;
    return call_ok(channel_, proto::encode_request(r), raw);
}

std::error_code session::hello(agent_info& out, std::string* raw)
{
    proto::request r;
    r.op = proto::op::hello;
    exchange_buffers io{proto::encode_request(r), {}};
    if (auto ec = channel_.call(io.request, io.answer, std::nullopt))
        return ec;
    if (raw)
        *raw = io.answer;
    auto a = proto::decode_hello_answer(io.answer);
    if (!a)
        return from_wire(a.error(), socket_path());
    out = {std::move(a->agent), std::move(a->version), a->protocol};
    return {};
}

} // namespace tok::detail
