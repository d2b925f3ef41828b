// SPDX-License-Identifier: MIT
// Reconnect policy and error wording for the kept connection.
#include "channel.hpp"

#include "error.hpp"

#include <tokend/proto/duration.hpp>

#include <cerrno>

namespace tok::detail {
namespace {

bool broken(std::error_code ec)
{
    return ec == std::errc::broken_pipe || ec == std::errc::connection_reset;
}

} // namespace

std::error_code channel::call(std::string_view request, std::string& answer,
                              std::optional<std::chrono::milliseconds> timeout)
{
    clear_last_error();
    auto limit = timeout.value_or(timeout_);
    auto by = std::chrono::steady_clock::now() + limit;
    std::lock_guard lock(mutex_);
    // The agent closes idle connections and forgets them on restart; a kept connection it
    // closed is replaced up front when that is visible, else after the first send fails.
    bool kept = conn_.is_open();
    if (kept && conn_.stale()) {
        conn_.close();
        kept = false;
    }
    for (;;) {
        if (!conn_.is_open()) {
            if (auto ec = conn_.open(path_, by)) {
                if (ec.category() == error_category())
                    return ec; // an untrusted socket: already worded by the connection
                return ec == std::errc::timed_out ? translate(ec, limit) : translate_connect(ec);
            }
        }
        auto ec = exchange(request, answer, by);
        if (!ec)
            return {};
        conn_.close(); // after a timeout the answer may still come: never read it as the next one's
        if (kept && broken(ec)) {
            kept = false; // one transparent retry, on a fresh connection
            continue;
        }
        return translate(ec, limit);
    }
}

std::error_code channel::exchange(std::string_view request, std::string& answer, deadline by)
{
    std::error_code sent = conn_.send(request, by);
    if (sent && !broken(sent))
        return sent;
    // A refused peer (permission_denied, busy) is answered at once and closed, so our send can
    // fail while the agent's one line already waits in our receive buffer: read it first.
    std::error_code received = conn_.receive_line(answer, by);
    return sent && received ? sent : received;
}

std::error_code channel::translate_connect(std::error_code ec) const
{
    switch (ec.value()) {
    case ENOENT:
    case ENOTDIR:
        return fail(errc::agent_unreachable, "tokend is not running at " + path_ + " (no socket there)");
    case ECONNREFUSED:
        return fail(errc::agent_unreachable,
                    "tokend is not running at " + path_ + " (stale socket: nothing listens on it)");
    case EACCES:
    case EPERM:
        return fail(errc::permission_denied, "cannot connect to " + path_ + ": " + ec.message());
    case ENAMETOOLONG:
        return fail(errc::agent_unreachable, "socket path is empty or too long: '" + path_ + "'");
    default:
        return fail(errc::agent_unreachable, "cannot connect to tokend at " + path_ + ": " + ec.message());
    }
}

std::error_code channel::translate(std::error_code ec, std::chrono::milliseconds timeout) const
{
    if (ec == std::errc::timed_out)
        return fail(errc::timeout, "no answer from tokend at " + path_ + " within "
                                       + tokend::proto::format_duration(timeout));
    if (broken(ec))
        return fail(errc::agent_unreachable, "tokend at " + path_ + " closed the connection without answering");
    if (ec.value() == EMSGSIZE)
        return fail(errc::protocol_error, "answer from " + path_ + " exceeds "
                                              + std::to_string(max_answer_bytes >> 20) + " MiB");
    if (ec.value() == EPROTO)
        return fail(errc::protocol_error, "tokend at " + path_ + " closed the connection mid-answer");
    return fail(errc::agent_unreachable, "talking to tokend at " + path_ + ": " + ec.message());
}

} // namespace tok::detail
