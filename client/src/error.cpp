// SPDX-License-Identifier: MIT
// tok::error_category and the thread-local last error message.
#include "error.hpp"

namespace tok {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "tok"; }
    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev)) {
        case errc::bad_request: return "bad request";
        case errc::unknown_op: return "operation not supported by this tokend";
        case errc::unknown_profile: return "unknown profile";
        case errc::no_credentials: return "no credentials for the profile";
        case errc::credentials_rejected: return "credentials rejected by the upstream";
        case errc::upstream_unavailable: return "upstream unavailable";
        case errc::timeout: return "timed out";
        case errc::too_large: return "request too large";
        case errc::permission_denied: return "permission denied";
        case errc::busy: return "tokend is busy";
        case errc::internal: return "internal error in tokend";
        case errc::agent_unreachable: return "tokend is not reachable";
        case errc::protocol_error: return "protocol error";
        }
        return "unknown tok error " + std::to_string(ev);
    }
};

} // namespace

const std::error_category& error_category() noexcept
{
    static const category instance;
    return instance;
}

namespace detail {
namespace {
// Thread-local rather than per client: a client is shared between threads, and each thread
// wants the message of its own failed call (errno's model).
thread_local std::string last_message;
} // namespace

std::error_code fail(std::error_code code, std::string message)
{
    last_message = std::move(message);
    return code;
}

std::error_code fail(errc code, std::string message)
{
    return fail(make_error_code(code), std::move(message));
}

void clear_last_error() noexcept
{
    last_message.clear();
}

const std::string& last_error() noexcept
{
    return last_message;
}

} // namespace detail
} // namespace tok
