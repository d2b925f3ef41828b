// SPDX-License-Identifier: MIT
// The client's one kept connection to an agent: serializes requests from many threads,
// applies the deadline, reconnects once when the agent closed the connection, and turns
// socket errors into tok::errc with a message that says what to do.
#pragma once

#include "connection.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace tok::detail {

class channel {
public:
    channel(std::string socket_path, std::chrono::milliseconds timeout)
        : path_(std::move(socket_path)), timeout_(timeout)
    {
    }

    // Sends `request` (one line, '\n' included) and reads the answer line into `answer`.
    // Errors (tok::errc, message recorded for last_error_message): agent_unreachable,
    // permission_denied, timeout, protocol_error. Requests must be idempotent: after a broken
    // kept connection the request is sent again on a new one.
    std::error_code call(std::string_view request, std::string& answer,
                         std::optional<std::chrono::milliseconds> timeout);

    const std::string& path() const noexcept { return path_; }
    std::chrono::milliseconds timeout() const noexcept { return timeout_; }

private:
    std::error_code exchange(std::string_view request, std::string& answer, deadline by);
    std::error_code translate(std::error_code ec, std::chrono::milliseconds timeout) const;
    std::error_code translate_connect(std::error_code ec) const;

    std::string path_;
    std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    connection conn_;
};

} // namespace tok::detail
