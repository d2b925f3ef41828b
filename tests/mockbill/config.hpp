// SPDX-License-Identifier: MIT
// Per-API behaviour switches with their defaults, the JSON form answered by /_mock/config,
// and the validated deep merge applied by POST /_mock/config.
#pragma once

#include "kinds.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>

namespace mockbill {

// rotate: a used refresh token is dead (reuse is detected); reuse: it stays valid but a new
// one is still returned; stateless: NovaBilling's real server (signature + exp only).
enum class refresh_policy { rotate, reuse, stateless };
enum class throttle_style { docs, real };

struct common_config {
    std::int64_t lifetime = 3600; // access-token lifetime, seconds
    std::int64_t clock_skew = 0;  // added to the system clock for iat/exp and expiry checks
};

struct aviate_config : common_config {
    bool exp_minus_one = false; // exp = iat + lifetime - 1, like the real sample (3599)
};

struct killb_config : common_config {
    bool opaque_tokens = false;
    std::int64_t login_status = 201;
    refresh_policy refresh = refresh_policy::rotate;   // rotate | reuse
    std::int64_t refresh_lifetime = 30 * 24 * 3600;
};

struct novabilling_config : common_config {
    std::int64_t refresh_lifetime = 7 * 24 * 3600;   // real server; docs say 30 days
    refresh_policy refresh = refresh_policy::rotate; // rotate | stateless
    std::int64_t rate_limit = 0;                     // requests per window; 0 = off
    std::int64_t rate_window = 60;                   // seconds
    throttle_style throttle = throttle_style::real;
};

struct oauth2_config : common_config {
    bool opaque_tokens = false;
    bool refresh_tokens_for_client_credentials = false;
    std::int64_t refresh_lifetime = 30 * 24 * 3600;
    std::string client_secret = "demo-client-secret"; // of the one client, "demo-client"
    // false: like many real servers, compare the Basic user and password as sent, without
    // the form-decoding RFC 6749 §2.3.1 asks for.
    bool basic_decoding = true;
};

struct config {
    aviate_config aviate;
    killb_config killb;
    novabilling_config novabilling;
    oauth2_config oauth2;

    const common_config& common(api_id api) const;
};

boost::json::object to_json(const config& cfg);

// Deep-merges `patch` into `cfg`. Unknown keys, wrong JSON types and out-of-range values are
// rejected with a message and leave `cfg` unchanged; returns an empty string on success.
std::string merge_config(config& cfg, const boost::json::value& patch);

} // namespace mockbill
