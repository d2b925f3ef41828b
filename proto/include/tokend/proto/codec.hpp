// SPDX-License-Identifier: MIT
// Encoding and decoding of protocol lines (proto/PROTOCOL.md). Pure functions: no sockets,
// no clocks. Every encoder appends one complete line, '\n' included, to `out`.
#pragma once

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

void encode_error(std::string& out, std::string_view id, const wire_error& e);
void encode_ok(std::string& out, std::string_view id);
void encode_hello(std::string& out, std::string_view id, const hello_answer& a);

// A get answer is the id plus fields that only change with the token, so the agent renders
// those fields once per token (render_token_fields) and splices them per request.
std::string render_token_fields(const token_answer& a);
void encode_token(std::string& out, std::string_view id, std::string_view token_fields);

void encode_status(std::string& out, std::string_view id, const std::vector<profile_status>& profiles);

// ---- client side ------------------------------------------------------------------------

std::string encode_request(const request& r);

// Each returns the answer's error when it is {"ok":false,...}; a line that is not a valid
// answer of that kind yields errc::internal ("malformed answer").
wire_result<hello_answer> decode_hello_answer(std::string_view line);
wire_result<token_answer> decode_token_answer(std::string_view line);
wire_result<std::vector<profile_status>> decode_status_answer(std::string_view line);
std::optional<wire_error> decode_ok_answer(std::string_view line);

} // namespace tokend::proto
