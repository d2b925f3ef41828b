// SPDX-License-Identifier: MIT
// The answer encoders (proto/PROTOCOL.md), agent side. Each appends one complete line, '\n'
// included, to `out`: any std::basic_string<char, ...>, so the agent can build answers that
// carry a token in a buffer of its locked memory rather than in the ordinary heap.
#pragma once

#include <tokend/proto/error.hpp>
#include <tokend/proto/json_text.hpp>
#include <tokend/proto/message.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tokend::proto {

namespace encode_detail {

template <class String>
void begin_answer(String& out, bool ok, std::string_view id)
{
    out += ok ? "{\"ok\":true" : "{\"ok\":false";
    if (!id.empty()) {
        out += ",\"id\":";
        out += id;
    }
}

template <class String>
void append_int(String& out, std::int64_t v)
{
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

template <class String>
void append_optional_int(String& out, const std::optional<std::int64_t>& v)
{
    if (v)
        append_int(out, *v);
    else
        out += "null";
}

} // namespace encode_detail

template <class String>
void encode_error(String& out, std::string_view id, const wire_error& e)
{
    encode_detail::begin_answer(out, false, id);
    out += ",\"error\":{\"code\":\"";
    out += to_string(e.code);
    out += "\",\"message\":";
    append_json_string(out, e.message);
    out += "}}\n";
}

template <class String>
void encode_ok(String& out, std::string_view id)
{
    encode_detail::begin_answer(out, true, id);
    out += "}\n";
}

template <class String>
void encode_hello(String& out, std::string_view id, const hello_answer& a)
{
    encode_detail::begin_answer(out, true, id);
    out += ",\"agent\":";
    append_json_string(out, a.agent);
    out += ",\"version\":";
    append_json_string(out, a.version);
    out += ",\"protocol\":";
    encode_detail::append_int(out, a.protocol);
    out += ",\"proxy\":[";
    for (std::size_t i = 0; i < a.proxy.size(); ++i) {
        if (i)
            out += ',';
        append_json_string(out, a.proxy[i]);
    }
    out += "]}\n";
}

// A get answer is the id plus fields that only change with the token, so the agent renders
// those fields once per token and splices them per request. The fields are given as views,
// so a token held in locked memory is rendered without a copy in an ordinary string.
struct token_fields {
    std::string_view profile, token, token_id;
    std::optional<std::int64_t> expires_at;
    std::span<const std::pair<std::string_view, std::string_view>> headers;
};

template <class String>
void render_token_fields(String& out, const token_fields& f)
{
    std::size_t need = 160 + f.profile.size() + f.token.size() + f.token_id.size();
    for (const auto& [name, value] : f.headers)
        need += name.size() + value.size() + 8;
    out.reserve(out.size() + need); // escapes aside, no reallocation
    out += "\"profile\":";
    append_json_string(out, f.profile);
    out += ",\"token\":";
    append_json_string(out, f.token);
    out += ",\"token_id\":";
    append_json_string(out, f.token_id);
    out += ",\"expires_at\":";
    encode_detail::append_optional_int(out, f.expires_at);
    out += ",\"headers\":{";
    for (std::size_t i = 0; i < f.headers.size(); ++i) {
        if (i)
            out += ',';
        append_json_string(out, f.headers[i].first);
        out += ':';
        append_json_string(out, f.headers[i].second);
    }
    out += '}';
}

// The same from a decoded answer (tests, tools).
inline std::string render_token_fields(const token_answer& a)
{
    std::vector<std::pair<std::string_view, std::string_view>> headers(a.headers.begin(), a.headers.end());
    std::string out;
    render_token_fields(out, token_fields{a.profile, a.token, a.token_id, a.expires_at, headers});
    return out;
}

// A get answer in two parts around the token fields, for a writer that sends the fields from
// where they are kept instead of copying them (the agent: they stay in locked memory).
template <class String>
void begin_token_answer(String& out, std::string_view id)
{
    encode_detail::begin_answer(out, true, id);
    out += ',';
}

template <class String>
void end_token_answer(String& out)
{
    out += "}\n";
}

template <class String>
void encode_token(String& out, std::string_view id, std::string_view token_fields)
{
    begin_token_answer(out, id);
    out += token_fields;
    end_token_answer(out);
}

template <class String>
void encode_status(String& out, std::string_view id, const std::vector<profile_status>& profiles)
{
    using encode_detail::append_int;
    using encode_detail::append_optional_int;
    encode_detail::begin_answer(out, true, id);
    out += ",\"profiles\":[";
    for (std::size_t i = 0; i < profiles.size(); ++i) {
        const profile_status& p = profiles[i];
        out += i ? ",{\"name\":" : "{\"name\":";
        append_json_string(out, p.name);
        out += ",\"provider\":";
        append_json_string(out, p.provider);
        out += ",\"state\":";
        append_json_string(out, p.state);
        out += ",\"expires_at\":";
        append_optional_int(out, p.expires_at);
        out += ",\"refresh_at\":";
        append_optional_int(out, p.refresh_at);
        out += ",\"last_error\":";
        if (p.last_error.empty())
            out += "null";
        else
            append_json_string(out, p.last_error);
        out += ",\"last_error_at\":";
        append_optional_int(out, p.last_error_at);
        out += ",\"logins\":";
        append_int(out, static_cast<std::int64_t>(p.logins));
        out += ",\"refreshes\":";
        append_int(out, static_cast<std::int64_t>(p.refreshes));
        out += ",\"failures\":";
        append_int(out, static_cast<std::int64_t>(p.failures));
        out += ",\"proxied\":";
        append_int(out, static_cast<std::int64_t>(p.proxied));
        out += ",\"proxy_retries\":";
        append_int(out, static_cast<std::int64_t>(p.proxy_retries));
        out += '}';
    }
    out += "]}\n";
}

} // namespace tokend::proto
