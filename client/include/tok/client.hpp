// SPDX-License-Identifier: MIT
// libtok, C++ API: asks a running tokend for API tokens over its Unix socket
// (docs/client.md; wire format in proto/PROTOCOL.md). Includes only the standard library.
#pragma once

#include <tok/error_codes.h>
#include <tok/export.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace tok {

// Error codes, one per entry of TOK_WIRE_ERRORS and TOK_CLIENT_ERRORS in <tok/error_codes.h>,
// with the numbers and meanings there (errc::unknown_profile is 3, ...): 1..11 are the agent's
// wire codes; agent_unreachable (12) and protocol_error (13) arise in the client.
#define TOK_ERRC_ENUMERATOR_(value, name, C_NAME, message, description) name = value,
enum class errc {
    TOK_WIRE_ERRORS(TOK_ERRC_ENUMERATOR_)
    TOK_CLIENT_ERRORS(TOK_ERRC_ENUMERATOR_)
};
#undef TOK_ERRC_ENUMERATOR_

// Category "tok"; message(ev) is a short generic text. The agent's own, more precise message
// for the last failure is client::last_error_message().
TOK_EXPORT const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

struct client_options {
    // Empty: $TOKEND_SOCK, else $XDG_RUNTIME_DIR/tokend/socket, else /run/user/$UID/tokend/socket
    // when that directory is ours, else /tmp/tokend-$UID/socket (docs/client.md). Before sending
    // anything the client checks the socket's directory and the listener's uid: permission_denied.
    // The client never reads tokend's config file.
    std::string socket_path;
    // Deadline for one whole operation (connect, send, wait for the answer).
    std::chrono::milliseconds timeout{10'000};
};

struct get_options {
    // The token must still be valid this long; the agent waits for a fresh one if needed.
    std::chrono::duration<double> min_ttl{0};
    // Overrides client_options::timeout for this call.
    std::optional<std::chrono::milliseconds> timeout;
};

// A token as served by the agent. The destructor wipes the secret strings.
struct TOK_EXPORT token {
    std::string value; // the bare token
    std::string id;    // the agent's fingerprint of it, for invalidate()
    std::optional<std::chrono::system_clock::time_point> expires_at; // none: never expires
    // Every header to send, "Authorization: Bearer <value>" first, then e.g. X-Killbill-ApiKey.
    std::vector<std::pair<std::string, std::string>> headers;

    token() = default;
    token(const token&) = default;
    token(token&&) noexcept = default;
    token& operator=(const token&) = default;
    token& operator=(token&&) noexcept = default;
    ~token();
};

// One profile as reported by status(). Never carries a secret.
struct profile_status {
    std::string name;
    std::string provider; // aviate | killb | novabilling | oauth2 | static
    std::string state;    // idle | valid | refreshing | failing | expired | credentials_rejected | no_credentials
    std::optional<std::chrono::system_clock::time_point> expires_at;
    std::optional<std::chrono::system_clock::time_point> refresh_at; // next upstream attempt
    std::string last_error; // empty when the last attempt succeeded
    std::optional<std::chrono::system_clock::time_point> last_error_at;
    std::uint64_t logins = 0;
    std::uint64_t refreshes = 0;
    std::uint64_t failures = 0;
};

// The agent's answer to hello.
struct agent_info {
    std::string agent;   // "tokend"
    std::string version; // "X.Y.Z"
    int protocol = 0;
};

// A connection to one tokend.
//
// Connects lazily and keeps one connection open; when the agent closed it (restart, idle
// timeout) the request is sent again once on a new connection, transparently. Every operation
// has two forms: one throws std::system_error (what() includes the agent's message), the other
// sets `ec` and returns a default value. On failure, last_error_message() tells the details.
//
// Thread safety: one client may be shared by any number of threads; requests are serialized
// on its connection. Moving a client while another thread uses it is undefined, and a
// moved-from client may only be destroyed or assigned to.
class TOK_EXPORT client {
public:
    client();
    explicit client(client_options options);
    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    ~client();

    // A valid token for `profile`. May wait for a login or refresh (within the timeout).
    token get(std::string_view profile, const get_options& options = {});
    token get(std::string_view profile, std::error_code& ec);
    token get(std::string_view profile, const get_options& options, std::error_code& ec);

    // Reports a token as rejected by the API: the agent drops it and logs in again. With an
    // empty token_id the current token is dropped; otherwise only if it is still that token.
    void invalidate(std::string_view profile, std::string_view token_id = {});
    void invalidate(std::string_view profile, std::string_view token_id, std::error_code& ec);

    // Every profile, or one (an empty `profile` means all).
    std::vector<profile_status> status(std::string_view profile = {});
    std::vector<profile_status> status(std::string_view profile, std::error_code& ec);

    // The agent's status answer as JSON text, one object without the trailing newline.
    std::string status_json(std::string_view profile = {});
    std::string status_json(std::string_view profile, std::error_code& ec);

    // Hands a password to the agent (kept in its memory only).
    void add(std::string_view profile, std::string_view password);
    void add(std::string_view profile, std::string_view password, std::error_code& ec);

    // Makes the agent re-read its config.
    void reload();
    void reload(std::error_code& ec);

    // Checks that a tokend answers and tells its version.
    agent_info hello();
    agent_info hello(std::error_code& ec);

    // The same operations, also handing out the agent's answer line as it came (one JSON
    // object without the newline) in `raw_answer` whenever one arrived, error answers
    // included; otherwise `raw_answer` is left empty. For tools that pass the answer on, as
    // `tok --json` does. After get() it holds the token: wipe it when done.
    token get(std::string_view profile, const get_options& options, std::error_code& ec, std::string& raw_answer);
    void invalidate(std::string_view profile, std::string_view token_id, std::error_code& ec,
                    std::string& raw_answer);
    std::vector<profile_status> status(std::string_view profile, std::error_code& ec, std::string& raw_answer);
    void add(std::string_view profile, std::string_view password, std::error_code& ec, std::string& raw_answer);
    void reload(std::error_code& ec, std::string& raw_answer);
    agent_info hello(std::error_code& ec, std::string& raw_answer);

    // The socket this client talks to (resolved at construction).
    const std::string& socket_path() const noexcept;

    // The message of the last failed operation on the calling thread: the agent's message
    // (e.g. "profile 'x' is not configured; known: a, b") or the client's own. Empty after success.
    static const std::string& last_error_message() noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tok

template <>
struct std::is_error_code_enum<tok::errc> : std::true_type {};
