// SPDX-License-Identifier: MIT
#include <tokend/proto/error.hpp>

#include <array>

namespace tokend::proto {
namespace {

#define NAME_OF(value, name, C_NAME, message, description) #name,
constexpr std::array<std::string_view, wire_errc_count> names = {TOK_WIRE_ERRORS(NAME_OF)};
#undef NAME_OF

// to_string and errc_from_string index `names` by value: the codes must be 1, 2, 3, ...
#define VALUE_OF(value, name, C_NAME, message, description) value,
constexpr std::array<int, wire_errc_count> values = {TOK_WIRE_ERRORS(VALUE_OF)};
#undef VALUE_OF
constexpr bool numbered_without_gap()
{
    for (std::size_t i = 0; i < values.size(); ++i)
        if (values[i] != static_cast<int>(i) + 1)
            return false;
    return true;
}
static_assert(numbered_without_gap(), "TOK_WIRE_ERRORS numbers its codes 1, 2, 3, ...");

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
