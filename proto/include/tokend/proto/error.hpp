// SPDX-License-Identifier: MIT
// Wire error codes: stable strings on the wire, an error_code category in C++.
#pragma once

#include <boost/system/error_code.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace tokend::proto {

// One value per error code of the protocol; the string forms are API (PROTOCOL.md, "Errors").
enum class errc {
    bad_request = 1,      // malformed line, wrong field types, impossible min_ttl
    unknown_op,           // "op" names no operation
    unknown_profile,      // "profile" is not configured
    no_credentials,       // the profile has no password yet (tok add)
    credentials_rejected, // the upstream refused the login
    upstream_unavailable, // the upstream failed transiently and no servable token exists
    timeout,              // the request did not complete in time
    too_large,            // the line exceeded max_line_bytes
    permission_denied,    // the peer's uid may not use this agent
    busy,                 // the agent is at max_connections
    internal,             // a bug in the agent
};

const boost::system::error_category& wire_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), wire_category()};
}

// "bad_request" etc.
std::string_view to_string(errc e) noexcept;
std::optional<errc> errc_from_string(std::string_view s) noexcept;

// An error as carried on the wire: a code and a short message that is safe to log.
struct wire_error {
    errc code = errc::internal;
    std::string message;
};

} // namespace tokend::proto

template <>
struct boost::system::is_error_code_enum<tokend::proto::errc> : std::true_type {};
