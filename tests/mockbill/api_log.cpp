// SPDX-License-Identifier: MIT
// The bounded /_api/ request log.
#include "api_log.hpp"

#include "crypto.hpp"

namespace mockbill {

namespace json = boost::json;

header_list recorded_headers(const request_head& head)
{
    header_list out;
    for (const auto& field : head) {
        std::string_view name = field.name_string();
        std::string_view value = field.value();
        if (iequals(name, "Authorization"))
            out.emplace_back(name, "sha256:" + sha256_hex(value));
        else
            out.emplace_back(name, value);
    }
    return out;
}

json::array to_json(const header_list& headers)
{
    json::array out;
    out.reserve(headers.size());
    for (const auto& [name, value] : headers)
        out.push_back(json::array{json::string_view(name), json::string_view(value)});
    return out;
}

void api_log::append(api_call call)
{
    if (calls_.size() >= max_api_calls)
        calls_.pop_front();
    calls_.push_back(std::move(call));
}

json::object api_log::to_json() const
{
    json::array calls;
    calls.reserve(calls_.size());
    for (const api_call& c : calls_) {
        json::value token_api = nullptr;
        if (!c.token_api.empty())
            token_api = json::string_view(c.token_api);
        calls.push_back(json::object{{"method", c.method},
                                     {"target", c.target},
                                     {"headers", mockbill::to_json(c.headers)},
                                     {"body_bytes", c.body_bytes},
                                     {"body_sha256", c.body_sha256},
                                     {"status", c.status},
                                     {"connection", c.connection},
                                     {"token_api", std::move(token_api)},
                                     {"fault", to_string(c.fault)}});
    }
    return {{"calls", std::move(calls)}};
}

} // namespace mockbill
