// SPDX-License-Identifier: MIT
// Wiping secrets in tok's own buffers (the library has proto's secure_wipe; the CLI needs no
// Boost header for this).
#pragma once

#include <string.h> // explicit_bzero

#include <string>

namespace tok::cli {

inline void wipe(void* p, std::size_t n) noexcept
{
    if (p && n)
        ::explicit_bzero(p, n);
}

// Wipes the whole capacity, then clears.
inline void wipe(std::string& s) noexcept
{
    s.resize(s.capacity());
    wipe(s.data(), s.size());
    s.clear();
}

} // namespace tok::cli
