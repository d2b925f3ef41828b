// SPDX-License-Identifier: MIT
// JWT compact serialisation for the tokens mockbill issues: HS256 (KillB, NovaBilling, OAuth2)
// and RS256 (Aviate). Verification exists only for NovaBilling's stateless refresh tokens;
// everything else is checked against the issued-token table instead.
#pragma once

#include "crypto.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace mockbill {

inline constexpr std::string_view aviate_kid = "mockbill-1";

// Header {"alg":"HS256","typ":"JWT"}; deterministic for equal payloads (no nonce added).
std::string sign_hs256(const boost::json::object& payload, std::string_view secret);

// Header {"kid":<kid>,"alg":"RS256"}, Cognito's member order.
std::string sign_rs256(const boost::json::object& payload, const rsa_key& key, std::string_view kid);

// The payload of an HS256 token whose signature verifies under `secret`; nullopt for
// anything else (wrong secret, other algorithm, malformed). Does not look at exp.
std::optional<boost::json::object> verify_hs256(std::string_view token, std::string_view secret);

} // namespace mockbill
