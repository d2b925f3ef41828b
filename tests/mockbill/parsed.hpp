// SPDX-License-Identifier: MIT
// A value or a human-readable reason why control-API input was rejected.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace mockbill {

template <class T>
struct parsed {
    std::optional<T> value;
    std::string error; // set iff !value

    static parsed ok(T v) { return {std::move(v), {}}; }
    static parsed fail(std::string why) { return {std::nullopt, std::move(why)}; }
};

} // namespace mockbill
