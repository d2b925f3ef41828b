// SPDX-License-Identifier: MIT
// Zeroing secrets: the one wipe used by the agent, libtok and tok. Standard library and libc
// only, so that every part of the tree (the CLI included) can use it without Boost or OpenSSL.
#pragma once

#include <string.h> // explicit_bzero (glibc >= 2.25): a memset the optimizer may not remove

#include <cstddef>
#include <string>

namespace tokend::proto {

// Zeroes [p, p + n) in a way the optimizer may not remove. Null or empty is fine.
inline void secure_wipe(void* p, std::size_t n) noexcept
{
    if (p && n)
        ::explicit_bzero(p, n);
}

// Wipes the string's whole capacity (a shorter value may follow a longer one), then clears it.
inline void secure_wipe(std::string& s) noexcept
{
    s.resize(s.capacity());
    secure_wipe(s.data(), s.size());
    s.clear();
}

} // namespace tokend::proto
