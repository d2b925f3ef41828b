// SPDX-License-Identifier: MIT
// Reading upstream answers the same way for every provider: 2xx with a parsable body is a
// token, 400/401/403 is a refusal, everything else (network, 429, 5xx, garbage) is transient.
#pragma once

#include "upstream/providers/provider.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <string_view>

namespace tokend::agent {

// `read_token` fills the reply from a 2xx JSON object and returns false when a required
// member is missing. `call` names the call in messages ("login", "refresh").
auth_reply read_reply(const http_response& r, std::string_view call,
                      const std::function<bool(const boost::json::object&, auth_reply&)>& read_token);

// A lifetime the answer states as a number of `unit_seconds` (KillB's expiresIn: 0.001, OAuth2's
// expires_in: 1), clamped to policy::max_lifetime without overflow; nullopt unless positive.
std::optional<duration> stated_lifetime(double value, double unit_seconds);

// A JSON string member as a secret; false when absent, empty or not a string.
bool take_secret(const boost::json::object& o, std::string_view key, secret& out);
bool take_secret(const boost::json::object& o, std::string_view key, std::optional<secret>& out);

// Appends application/x-www-form-urlencoded text of `s`.
void append_form_encoded(secret_string& out, std::string_view s);

// Basic credentials: "Basic " + base64(user ":" password).
secret basic_authorization(std::string_view user, std::string_view password);

} // namespace tokend::agent
