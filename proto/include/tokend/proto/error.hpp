// SPDX-License-Identifier: MIT
// Wire error codes: stable strings on the wire, an error_code category in C++.
#pragma once

#include <tok/error_codes.h>

#include <boost/system/error_code.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace tokend::proto {

// One value per error code of the protocol, generated from TOK_WIRE_ERRORS in
// <tok/error_codes.h> (the one list shared with libtok); the string forms are API
// (PROTOCOL.md, "Errors") and are the enumerators' names.
#define TOKEND_WIRE_ERRC_ENUMERATOR_(value, name, C_NAME, message, description) name = value,
enum class errc { TOK_WIRE_ERRORS(TOKEND_WIRE_ERRC_ENUMERATOR_) };
#undef TOKEND_WIRE_ERRC_ENUMERATOR_

#define TOKEND_WIRE_ERRC_COUNT_(...) +1
inline constexpr int wire_errc_count = 0 TOK_WIRE_ERRORS(TOKEND_WIRE_ERRC_COUNT_);
#undef TOKEND_WIRE_ERRC_COUNT_

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
    // Client side: the line was no valid answer at all (code is then internal). The agent
    // cannot send this, so a client tells a broken peer from an agent's internal error.
    bool malformed_answer = false;
};

} // namespace tokend::proto

template <>
struct boost::system::is_error_code_enum<tokend::proto::errc> : std::true_type {};
