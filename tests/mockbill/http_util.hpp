// SPDX-License-Identifier: MIT
// HTTP message helpers shared by the mocked APIs: JSON responses, header parsing (Bearer,
// Basic, media types), form decoding and the date formats the upstreams put on the wire.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mockbill {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;
using request_head = http::request_header<>; // a request whose body is streamed, not stored

// A response with a serialized JSON body and Content-Type application/json.
response json_response(unsigned status, const boost::json::value& body);
response text_response(unsigned status, std::string body, std::string_view content_type);

// The request target without its query string.
std::string_view target_path(const request& req);

// The token of "Authorization: Bearer <token>" (scheme case-insensitive), else nullopt.
std::optional<std::string_view> bearer_token(const http::fields& headers);

// The decoded credentials of "Authorization: Basic <b64>".
struct basic_credentials {
    std::string user;
    std::string password;
};
enum class basic_error { missing, not_basic, bad_base64, no_colon };
struct basic_result {
    std::optional<basic_credentials> creds;
    basic_error error = basic_error::missing;
};
basic_result basic_auth(const request& req);

// True when the Content-Type's media type (parameters ignored) equals `type`.
bool has_media_type(const request& req, std::string_view type);

// application/x-www-form-urlencoded: '+' is a space, %XX a byte. nullopt on a malformed
// escape or a repeated parameter (RFC 6749 §3.2 forbids repeats).
std::optional<std::map<std::string, std::string>> parse_form(std::string_view body);
std::optional<std::string> form_decode(std::string_view text);

bool iequals(std::string_view a, std::string_view b);

// Roughly class-validator's IsEmail: local@domain.tld without spaces.
bool looks_like_email(std::string_view s);

// The reason phrase of a status code ("Service Unavailable").
std::string reason(unsigned status);

std::string iso8601_ms(std::int64_t unix_ms); // 2026-02-14T12:00:00.000Z
std::string http_date(std::int64_t unix_s);   // Sat, 14 Feb 2026 12:00:00 GMT

} // namespace mockbill
