// SPDX-License-Identifier: MIT
// Implementation of the shared HTTP helpers.
#include "http_util.hpp"

#include "crypto.hpp"

#include <boost/json/serialize.hpp>

#include <cctype>
#include <cstdio>
#include <ctime>

namespace mockbill {

namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::tm utc(std::int64_t unix_s)
{
    std::time_t t = static_cast<std::time_t>(unix_s);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

// Splits "Scheme credentials" off the Authorization header; empty scheme when absent.
std::pair<std::string_view, std::string_view> authorization(const http::fields& headers)
{
    std::string_view value = trim(headers[http::field::authorization]);
    auto space = value.find(' ');
    if (space == std::string_view::npos)
        return {value, {}};
    return {value.substr(0, space), trim(value.substr(space + 1))};
}

} // namespace

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

bool looks_like_email(std::string_view s)
{
    auto at = s.find('@');
    if (at == 0 || at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos)
        return false;
    auto domain = s.substr(at + 1);
    auto dot = domain.rfind('.');
    return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size() &&
           s.find_first_of(" \t\r\n") == std::string_view::npos;
}

std::string reason(unsigned status)
{
    auto r = http::obsolete_reason(static_cast<http::status>(status));
    return std::string(r.data(), r.size());
}

response json_response(unsigned status, const boost::json::value& body)
{
    return text_response(status, boost::json::serialize(body), "application/json; charset=utf-8");
}

response text_response(unsigned status, std::string body, std::string_view content_type)
{
    response res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, content_type);
    res.body() = std::move(body);
    return res;
}

std::string_view target_path(const request& req)
{
    std::string_view target = req.target();
    return target.substr(0, target.find('?'));
}

std::optional<std::string_view> bearer_token(const http::fields& headers)
{
    auto [scheme, token] = authorization(headers);
    if (!iequals(scheme, "Bearer") || token.empty())
        return std::nullopt;
    return token;
}

basic_result basic_auth(const request& req)
{
    if (req.find(http::field::authorization) == req.end())
        return {std::nullopt, basic_error::missing};
    auto [scheme, b64] = authorization(req);
    if (!iequals(scheme, "Basic") || b64.empty())
        return {std::nullopt, basic_error::not_basic};
    auto decoded = base64_decode(b64);
    if (!decoded)
        return {std::nullopt, basic_error::bad_base64};
    auto colon = decoded->find(':');
    if (colon == std::string::npos)
        return {std::nullopt, basic_error::no_colon};
    return {basic_credentials{decoded->substr(0, colon), decoded->substr(colon + 1)},
            basic_error::missing};
}

bool has_media_type(const request& req, std::string_view type)
{
    std::string_view value = req[http::field::content_type];
    return iequals(trim(value.substr(0, value.find(';'))), type);
}

std::optional<std::string> form_decode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%') {
            if (i + 2 >= text.size())
                return std::nullopt;
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::optional<std::map<std::string, std::string>> parse_form(std::string_view body)
{
    std::map<std::string, std::string> params;
    while (!body.empty()) {
        auto amp = body.find('&');
        std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        if (pair.empty())
            continue;
        auto eq = pair.find('=');
        auto key = form_decode(pair.substr(0, eq));
        auto value = form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        if (!key || !value || !params.emplace(std::move(*key), std::move(*value)).second)
            return std::nullopt;
    }
    return params;
}

std::string iso8601_ms(std::int64_t unix_ms)
{
    std::int64_t secs = unix_ms / 1000;
    std::int64_t ms = unix_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    std::tm tm = utc(secs);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
    return buf;
}

std::string http_date(std::int64_t unix_s)
{
    std::tm tm = utc(unix_s);
    char buf[40];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

} // namespace mockbill
