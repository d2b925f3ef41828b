// SPDX-License-Identifier: MIT
// Credentials, routing, query parsing and JSON bodies of the /_api/ surface.
#include "protected_api.hpp"

#include <charconv>

namespace mockbill {

namespace json = boost::json;

namespace {

response unauthorized() { return json_response(401, json::object{{"message", "Unauthorized"}}); }

response message(unsigned status, std::string_view text)
{
    return json_response(status, json::object{{"message", text}});
}

std::optional<std::uint64_t> decimal(std::string_view text, std::uint64_t max)
{
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > max)
        return std::nullopt;
    return value;
}

json::object echo_body(const api_decision& d, const request_head& head, const body_digest& body)
{
    return {{"method", head.method_string()},
            {"target", head.target()},
            {"headers", to_json(recorded_headers(head))},
            {"body_bytes", body.bytes},
            {"body_sha256", body.sha256},
            {"token_api", d.creds.token_api}};
}

} // namespace

bool is_api_target(std::string_view target) { return target.starts_with(api_prefix); }

api_credentials check_api_credentials(const state& st, const request_head& head)
{
    std::string_view header = head[http::field::authorization];
    auto bearer = bearer_token(head);
    std::string_view key = bearer.value_or(header);
    if (key.starts_with("sk_live_") && st.find_user_by_api_key(key))
        return {token_check::ok, api_id::novabilling, "static"};
    if (!bearer)
        return {token_check::unknown, std::nullopt, {}};
    for (api_id api : all_apis)
        if (auto check = st.check_access(api, *bearer); check != token_check::unknown)
            return {check, api, to_string(api)};
    return {token_check::unknown, std::nullopt, {}};
}

api_endpoint api_endpoint_of(std::string_view path)
{
    if (path == "/_api/echo" || path.starts_with("/_api/echo/"))
        return api_endpoint::echo;
    if (path == "/_api/bytes")
        return api_endpoint::bytes;
    if (path == "/_api/upload")
        return api_endpoint::upload;
    if (path == "/_api/small")
        return api_endpoint::small;
    return api_endpoint::unknown;
}

bool method_allowed(api_endpoint endpoint, http::verb method)
{
    switch (endpoint) {
    case api_endpoint::echo:
    case api_endpoint::unknown: return true;
    case api_endpoint::bytes:
    case api_endpoint::small: return method == http::verb::get;
    case api_endpoint::upload: return method == http::verb::put || method == http::verb::post;
    }
    return false;
}

api_decision decide_api(state& st, const request_head& head)
{
    api_decision d;
    d.creds = check_api_credentials(st, head);
    std::string_view target = head.target();
    d.endpoint = api_endpoint_of(target.substr(0, target.find('?')));
    d.count = &st.begin_api_request(d.creds.api);
    // Queued faults only, as for the APIs' own protected endpoints: chaos hits auth calls.
    d.injected = st.faults.take(d.creds.api, endpoint_kind::resource);
    if (d.injected) {
        ++d.count->faults_injected;
        if (d.injected->kind == fault_kind::delay)
            d.delay = std::chrono::milliseconds(d.injected->delay_ms);
    }
    return d;
}

void count_api_outcome(const api_decision& d, unsigned status)
{
    if (status == 200)
        ++d.count->requests_ok;
    else if (status == 401 && d.creds.check == token_check::expired)
        ++d.count->expired_requests;
    else if (status == 401)
        ++d.count->invalid_requests;
}

parsed<bytes_request> parse_bytes_query(std::string_view target)
{
    auto query = target.find('?');
    auto params = parse_form(query == std::string_view::npos ? std::string_view{} : target.substr(query + 1));
    if (!params)
        return parsed<bytes_request>::fail("malformed query string");
    bytes_request out;
    bool have_n = false;
    for (const auto& [key, value] : *params) {
        if (key == "n") {
            auto n = decimal(value, api_body_limit);
            if (!n)
                return parsed<bytes_request>::fail("n must be an integer from 0 to 2^40");
            out.n = *n;
            have_n = true;
        } else if (key == "seed") {
            auto seed = decimal(value, UINT64_MAX);
            if (!seed)
                return parsed<bytes_request>::fail("seed must be an unsigned 64-bit integer");
            out.seed = *seed;
        } else if (key == "chunked" && (value == "0" || value == "1")) {
            out.chunked = value == "1";
        } else {
            return parsed<bytes_request>::fail("unknown or bad query parameter: " + key);
        }
    }
    if (!have_n)
        return parsed<bytes_request>::fail("n is required");
    return parsed<bytes_request>::ok(out);
}

response api_answer(const api_decision& d, const request_head& head, const body_digest& body)
{
    if (d.creds.check != token_check::ok)
        return unauthorized();
    if (!method_allowed(d.endpoint, head.method()))
        return message(405, "Method Not Allowed");
    switch (d.endpoint) {
    case api_endpoint::echo: return json_response(200, echo_body(d, head, body));
    case api_endpoint::small: {
        // Serialized once: the benchmark calls this as fast as it can.
        static const std::string small = R"({"ok":true,"items":[1,2,3]})";
        return text_response(200, small, "application/json; charset=utf-8");
    }
    case api_endpoint::upload:
        return json_response(200, json::object{{"bytes", body.bytes}, {"sha256", body.sha256}});
    case api_endpoint::bytes: {
        auto q = parse_bytes_query(head.target());
        return message(q.value ? 500 : 400, q.value ? "bytes streams; not answered here" : q.error);
    }
    case api_endpoint::unknown: break;
    }
    return message(404, "Not Found");
}

} // namespace mockbill
