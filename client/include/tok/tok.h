/* SPDX-License-Identifier: MIT */
/* libtok, C API: API tokens from a running tokend, for C and FFI (Python ctypes, Go cgo).
 * Every function returns 0 (TOK_OK) or a positive TOK_ERR_* code; see docs/client.md. */
#ifndef TOK_TOK_H
#define TOK_TOK_H

#include <tok/error_codes.h>
#include <tok/export.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes: TOK_ERR_<C_NAME> for every entry of <tok/error_codes.h>, with its number there
 * (e.g. TOK_ERR_UNKNOWN_PROFILE = 3). 1..11 are the agent's wire codes; 12.. arise in the client
 * (TOK_ERR_BUFFER_TOO_SMALL: see tok_header()). Stable ABI. */
#define TOK_ERROR_ENUMERATOR_(value, name, C_NAME, message, description) TOK_ERR_##C_NAME = value,
enum tok_error {
    TOK_OK = 0,
    TOK_WIRE_ERRORS(TOK_ERROR_ENUMERATOR_)
    TOK_CLIENT_ERRORS(TOK_ERROR_ENUMERATOR_)
    TOK_C_API_ERRORS(TOK_ERROR_ENUMERATOR_)
};
#undef TOK_ERROR_ENUMERATOR_

/* A connection to one tokend. Thread-safe: one handle may be shared between threads. */
typedef struct tok_client tok_client;
/* A token with its headers and expiry; owned by the caller, released with tok_token_free(). */
typedef struct tok_token tok_token;

/* socket_path NULL or "": $TOKEND_SOCK, else the default path. timeout_ms <= 0: 10000.
 * Does not connect yet: an absent agent shows in the first request. */
TOK_EXPORT int tok_client_new(const char* socket_path, int timeout_ms, tok_client** out);
TOK_EXPORT void tok_client_free(tok_client* client); /* NULL is fine */

/* A token of `profile` valid for at least min_ttl_s more seconds (0: the agent's default). */
TOK_EXPORT int tok_get(tok_client* client, const char* profile, double min_ttl_s, tok_token** out);
/* Wipes the token's memory, then frees it. NULL is fine. */
TOK_EXPORT void tok_token_free(tok_token* token);

/* Accessors: the strings live as long as the token. */
TOK_EXPORT const char* tok_token_value(const tok_token* token);
TOK_EXPORT const char* tok_token_id(const tok_token* token);
/* Unix seconds; 0 when the token never expires. */
TOK_EXPORT int64_t tok_token_expires_at(const tok_token* token);
/* Headers to send, "Authorization" first; index < tok_token_header_count(), else NULL. */
TOK_EXPORT size_t tok_token_header_count(const tok_token* token);
TOK_EXPORT const char* tok_token_header_name(const tok_token* token, size_t index);
TOK_EXPORT const char* tok_token_header_value(const tok_token* token, size_t index);

/* Writes every header of a fresh token as "Name: value\n" lines, NUL-terminated, into the
 * caller's buffer. *needed (when needed is not NULL) is set to the size required, NUL
 * included; when cap is smaller, nothing is written and TOK_ERR_BUFFER_TOO_SMALL returned. */
TOK_EXPORT int tok_header(tok_client* client, const char* profile, double min_ttl_s, char* buf, size_t cap,
                          size_t* needed);

/* Reports a token as rejected by the API. token_id NULL: the current token, whatever it is. */
TOK_EXPORT int tok_invalidate(tok_client* client, const char* profile, const char* token_id);

/* The agent's status answer as JSON ({"ok":true,"profiles":[...]}); profile NULL for all.
 * *out is allocated by the library: release it with tok_free(). */
TOK_EXPORT int tok_status_json(tok_client* client, const char* profile, char** out);

/* Hands a password to the agent. */
TOK_EXPORT int tok_add(tok_client* client, const char* profile, const char* password);
/* Makes the agent re-read its config. */
TOK_EXPORT int tok_reload(tok_client* client);

/* Frees memory the library allocated (tok_status_json). NULL is fine. */
TOK_EXPORT void tok_free(void* p);

/* A static, generic text for an error code ("unknown_profile: ..."). Never NULL. */
TOK_EXPORT const char* tok_strerror(int code);
/* The precise message of the last call made on this thread, when it failed and was made with
 * this client (e.g. "profile 'x' is not configured; known: a, b"); otherwise "". Valid until
 * this thread's next call. */
TOK_EXPORT const char* tok_last_error_message(const tok_client* client);

/* The library's version, "X.Y.Z". */
TOK_EXPORT const char* tok_version(void);

#ifdef __cplusplus
}
#endif

#endif /* TOK_TOK_H */
