// SPDX-License-Identifier: MIT
// The setup every proxy test shares: mockbill, and tokend with `[proxy] listen = ["unix",
// "127.0.0.1:0"]` and profiles against that mockbill; the listeners' real addresses read from
// hello's "proxy" list; one-call helpers for requests through the proxy and for what mockbill
// saw (GET /_mock/api_calls, whose "headers" carry Authorization as "sha256:<hex>").
#pragma once

#include "http_probe.hpp"
#include "process.hpp"

#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tokend::test {

struct proxy_harness {
    temp_dir dir;
    mockbill mock{dir};
    std::unique_ptr<agent> a;
    std::string tcp;       // "tcp:127.0.0.1:PORT", from hello
    std::string unix_path; // "unix:/.../http", from hello
    std::string host;      // "127.0.0.1:PORT": the listener's own address, for Host

    // Profile sections against this mockbill. killb: email + password, `timeout`; aviate:
    // also the tenant (api_key, api_secret from AV_SECRET, which start() sets).
    std::string killb_profile(const std::string& name, const std::string& extra = {},
                              const std::string& timeout = "3s");
    std::string aviate_profile(const std::string& name, const std::string& extra = {});
    std::string password_line(const std::string& password = "demo-password");

    // Starts tokend with `profiles` after a [proxy] section (`proxy_extra` lines added to it);
    // fails the test unless hello lists both listeners.
    void start(const std::string& profiles, const std::string& proxy_extra = {},
               std::vector<std::string> extra_args = {}, const std::string& agent_section = {});

    // One request on a fresh TCP connection, Host set to the listener's address.
    std::optional<http_response> call(const std::string& method, const std::string& target,
                                      const std::vector<std::string>& headers = {}, const std::string& body = {},
                                      std::chrono::milliseconds timeout = 10s) const;
    // The same raw bytes on a fresh connection to `address` (tcp or unix:).
    std::optional<http_response> call_raw(const std::string& address, const std::string& bytes,
                                          std::chrono::milliseconds timeout = 10s) const;

    boost::json::value hello() const;
    boost::json::object status(const std::string& profile) const; // that profile's status entry
    std::vector<boost::json::object> api_calls() const;            // GET /_mock/api_calls
    long mock_total(const std::string& counter) const;             // top-level /_mock/stats counter
    std::string token(const std::string& profile) const;           // `tok token P`
};

// The value of header `name` (case-insensitive) in an echo or api_calls "headers" list.
std::optional<std::string> listed_header(const boost::json::value& headers, const std::string& name);
std::size_t listed_header_count(const boost::json::value& headers, const std::string& name);
// tokend's own error: status, X-Tokend-Error, JSON body {"error":{"code","message"}}.
bool is_tokend_error(const std::optional<http_response>& r, int status, const std::string& code);

} // namespace tokend::test
