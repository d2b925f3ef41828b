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
#define MESSAGE_CASE(value, name, C_NAME, message, description) \
    case errc::name: return message;
            TOK_WIRE_ERRORS(MESSAGE_CASE)
            TOK_CLIENT_ERRORS(MESSAGE_CASE)
#undef MESSAGE_CASE
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
