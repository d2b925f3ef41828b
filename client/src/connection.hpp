// SPDX-License-Identifier: MIT
// One blocking-with-deadline stream connection to the agent's Unix socket: connect, send a
// request line, read one answer line. Not thread-safe; channel serializes its use.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace tok::detail {

using deadline = std::chrono::steady_clock::time_point;

// Answers may be far longer than requests (a status of thousands of profiles), so the client
// accepts lines up to this size; the agent's 64 KiB limit is for requests.
inline constexpr std::size_t max_answer_bytes = 64u << 20;

class connection {
public:
    connection() = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection();

    // Connects, but only to a socket we can trust (docs/security.md, "Another local user on
    // a shared host"): its directory, examined with lstat, is a real directory of ours that
    // grants nothing to group or others, and the process listening on it runs as our uid or
    // root (SO_PEERCRED). Nothing is sent here. A socket that fails either check gives
    // tok::errc::permission_denied, its message recorded (error.hpp); other errors are errno
    // values in std::generic_category(), ETIMEDOUT when `by` passed.
    std::error_code open(const std::string& path, deadline by);
    bool is_open() const noexcept { return fd_ >= 0; }
    void close() noexcept;

    // True when the peer has hung up or sent something unasked: a kept connection the agent
    // closed (idle timeout, restart) is then replaced before use instead of after a failure.
    bool stale() const noexcept;

    // Sends all of `data`. EPIPE/ECONNRESET mean the agent closed the connection.
    std::error_code send(std::string_view data, deadline by);

    // Reads one line (without '\n') into `line`. ECONNRESET when the peer closed before
    // sending a byte of it, EPROTO when it closed mid-line, EMSGSIZE past max_answer_bytes.
    std::error_code receive_line(std::string& line, deadline by);

private:
    int fd_ = -1;
    std::string buf_; // bytes received and not yet handed out (at most the start of a line)
};

} // namespace tok::detail
