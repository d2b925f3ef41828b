// SPDX-License-Identifier: MIT
#include "proxy/head.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>
#include <charconv>

namespace tokend::agent::proxy {
namespace http = boost::beast::http;
using boost::beast::iequals;

namespace {

constexpr std::string_view always_hop_by_hop[] = {"connection", "keep-alive", "te", "trailer", "transfer-encoding",
                                                  "upgrade", "content-length"};

template <class String>
void append_framing(String& out, const framing& f)
{
    if (f.how == framing::length) {
        char digits[24];
        auto end = std::to_chars(digits, digits + sizeof digits, f.bytes).ptr;
        out.append("Content-Length: ").append(digits, end).append("\r\n");
    } else if (f.how == framing::chunked) {
        out.append("Transfer-Encoding: chunked\r\n");
    }
}

template <class String>
void append_field(String& out, std::string_view name, std::string_view value)
{
    out.append(name).append(": ").append(value).append("\r\n");
}

} // namespace

std::optional<target_parts> split_target(std::string_view target)
{
    if (target.size() < 2 || target[0] != '/')
        return std::nullopt;
    std::size_t end = target.find_first_of("/?", 1);
    if (end == std::string_view::npos)
        end = target.size();
    if (end == 1)
        return std::nullopt;
    return target_parts{target.substr(1, end - 1), target.substr(end)};
}

std::string upstream_target(std::string_view api_path, std::string_view rest)
{
    std::string t;
    t.reserve(api_path.size() + rest.size() + 1);
    t.append(api_path).append(rest);
    if (t.empty() || t[0] == '?')
        t.insert(t.begin(), '/');
    return t;
}

hop_filter::hop_filter(const http::fields& message)
{
    for (auto it = message.find(http::field::connection); it != message.end() && it->name() == http::field::connection;
         ++it)
        for (auto token : http::token_list(it->value())) {
            std::string name(token);
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            named_.push_back(std::move(name));
        }
}

bool hop_filter::drops(std::string_view name) const
{
    if (name.size() >= 6 && iequals(name.substr(0, 6), "proxy-"))
        return true;
    auto same = [&](std::string_view n) { return iequals(n, name); };
    return std::any_of(std::begin(always_hop_by_hop), std::end(always_hop_by_hop), same)
           || std::any_of(named_.begin(), named_.end(), same);
}

void write_request_head(secret_string& out, const request_head_input& in)
{
    hop_filter hops(in.client);
    out.reserve(out.size() + 256 + in.profile_headers.size());
    out.append(in.method).append(" ").append(in.target).append(" HTTP/1.1\r\n");
    append_field(out, "Host", in.host);
    for (const auto& f : in.client) {
        std::string_view name = f.name_string();
        bool replaced = iequals(name, "host") || iequals(name, "authorization") || iequals(name, "expect")
                        || std::any_of(in.profile_header_names.begin(), in.profile_header_names.end(),
                                       [&](const std::string& n) { return iequals(n, name); });
        if (!replaced && !hops.drops(name))
            append_field(out, name, f.value());
    }
    out.append(in.profile_headers);
    append_framing(out, in.body);
    out.append("\r\n");
}

void write_response_head(std::string& out, const response_head_input& in)
{
    hop_filter hops(in.upstream);
    char status[8];
    auto end = std::to_chars(status, status + sizeof status, in.status).ptr;
    out.append("HTTP/1.1 ").append(status, end).append(" ").append(in.reason).append("\r\n");
    for (const auto& f : in.upstream)
        if (!hops.drops(f.name_string()))
            append_field(out, f.name_string(), f.value());
    append_framing(out, in.body);
    if (in.retried)
        out.append("X-Tokend-Retried: 1\r\n");
    if (!in.keep_alive)
        out.append("Connection: close\r\n");
    out.append("\r\n");
}

} // namespace tokend::agent::proxy
