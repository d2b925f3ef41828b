// SPDX-License-Identifier: MIT
#include <tokend/proto/error.hpp>

#include <array>

namespace tokend::proto {
namespace {

constexpr std::array<std::string_view, 11> names = {
    "bad_request", "unknown_op", "unknown_profile", "no_credentials", "credentials_rejected",
    "upstream_unavailable", "timeout", "too_large", "permission_denied", "busy", "internal",
};

class wire_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "tokend.wire"; }
    std::string message(int ev) const override
    {
        return std::string(to_string(static_cast<errc>(ev)));
    }
};

} // namespace

const boost::system::error_category& wire_category() noexcept
{
    static const wire_category_impl instance;
    return instance;
}

std::string_view to_string(errc e) noexcept
{
    auto i = static_cast<std::size_t>(e) - 1;
    return i < names.size() ? names[i] : std::string_view("internal");
}

std::optional<errc> errc_from_string(std::string_view s) noexcept
{
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == s)
            return static_cast<errc>(i + 1);
    return std::nullopt;
}

} // namespace tokend::proto
