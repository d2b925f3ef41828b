// SPDX-License-Identifier: MIT
// Encoding and decoding of protocol lines (proto/PROTOCOL.md). Pure functions: no sockets,
// no clocks. The answer encoders are in encode.hpp (included here).
#pragma once

#include <tokend/proto/encode.hpp>
#include <tokend/proto/error.hpp>
#include <tokend/proto/message.hpp>

#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tokend::proto {

template <class T>
using wire_result = boost::system::result<T, wire_error>;

// Lets wire_result<T>::value() throw; the message never carries a secret.
[[noreturn]] void throw_exception_from_error(const wire_error& e, const boost::source_location& loc);

// ---- agent side -------------------------------------------------------------------------

// Decodes one request line (newline excluded). On failure returns the error to answer with;
// `out.id` is filled whenever the line was a JSON object with an "id", so the error can echo it.
// Unknown members are ignored; known members of the wrong type are bad_request.
std::optional<wire_error> decode_request(std::string_view line, request& out);

// ---- client side ------------------------------------------------------------------------

std::string encode_request(const request& r);

// Each returns the answer's error when it is {"ok":false,...}; a line that is not a valid
// answer of that kind yields errc::internal with malformed_answer set.
wire_result<hello_answer> decode_hello_answer(std::string_view line);
wire_result<token_answer> decode_token_answer(std::string_view line);
wire_result<std::vector<profile_status>> decode_status_answer(std::string_view line);
std::optional<wire_error> decode_ok_answer(std::string_view line);

} // namespace tokend::proto
