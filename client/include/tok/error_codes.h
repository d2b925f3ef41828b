/* SPDX-License-Identifier: MIT */
/* The one list of error codes: tokend's wire codes (proto/PROTOCOL.md, "Errors") and the codes
 * that arise in libtok. Each generates, by X-macro, proto::errc and its wire strings (tokend's
 * side), tok::errc and its messages (<tok/client.hpp>), and enum tok_error and tok_strerror
 * (<tok/tok.h>). It lives with libtok's public headers because tok.h is generated from it and
 * must compile from an installed copy; it is C and C++, with no includes.
 *
 * X(value, name, C_NAME, message, description):
 *   value        the number; libtok's ABI (debian/libtok0.symbols, users' binaries): never change one
 *   name         the wire string and the C++ enumerator
 *   C_NAME       TOK_ERR_<C_NAME> in C
 *   message      tok::error_category().message(value)
 *   description  after "name: " in tok_strerror(value)
 * The numbers run 1, 2, 3, ... without a gap across the three lists, in this order. */
#ifndef TOK_ERROR_CODES_H
#define TOK_ERROR_CODES_H

/* What the agent answers, {"ok":false,"error":{"code":"<name>",...}}: 1..11, in wire order. */
#define TOK_WIRE_ERRORS(X)                                                                           \
    X(1, bad_request, BAD_REQUEST, "bad request", "the agent refused the request")                   \
    X(2, unknown_op, UNKNOWN_OP, "operation not supported by this tokend",                           \
      "this tokend does not support the operation")                                                  \
    X(3, unknown_profile, UNKNOWN_PROFILE, "unknown profile", "the profile is not configured")       \
    X(4, no_credentials, NO_CREDENTIALS, "no credentials for the profile",                           \
      "the profile has no password yet (tok add)")                                                   \
    X(5, credentials_rejected, CREDENTIALS_REJECTED, "credentials rejected by the upstream",         \
      "the upstream refused the login")                                                              \
    X(6, upstream_unavailable, UPSTREAM_UNAVAILABLE, "upstream unavailable",                         \
      "the upstream fails and no token is left")                                                     \
    X(7, timeout, TIMEOUT, "timed out", "no answer in time")                                         \
    X(8, too_large, TOO_LARGE, "request too large", "the request was too large")                     \
    X(9, permission_denied, PERMISSION_DENIED, "permission denied",                                  \
      "the agent refused us, or its socket is untrusted")                                            \
    X(10, busy, BUSY, "tokend is busy", "the agent is at its connection limit")                      \
    X(11, internal, INTERNAL, "internal error in tokend", "internal error")

/* What libtok itself finds, in C++ and in C. */
#define TOK_CLIENT_ERRORS(X)                                                                         \
    X(12, agent_unreachable, AGENT_UNREACHABLE, "tokend is not reachable", "tokend is not running")  \
    X(13, protocol_error, PROTOCOL, "protocol error", "the peer does not speak tokend's protocol")

/* The C API's own: its callers pass pointers and buffers, and it cannot throw. */
#define TOK_C_API_ERRORS(X)                                                                          \
    X(14, invalid_argument, INVALID_ARGUMENT, "invalid argument", "a NULL or unusable argument")     \
    X(15, buffer_too_small, BUFFER_TOO_SMALL, "buffer too small", "the buffer is too small")         \
    X(16, no_memory, NO_MEMORY, "out of memory", "out of memory")

#endif /* TOK_ERROR_CODES_H */
