// SPDX-License-Identifier: MIT
// The deterministic byte stream that mockbill's GET /_api/bytes serves and that tests
// regenerate to check a download (or produce an upload) of any size without storing it.
// Word i of the stream for `seed` is the (i+1)-th output of splitmix64 seeded with `seed`;
// byte p is byte p % 8 (little-endian) of word p / 8. Cheap, random-looking and never
// periodic at any size a test can send. tests/mockbill/README.md states it for other languages.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tokend::test {

constexpr std::uint64_t pattern_word(std::uint64_t seed, std::uint64_t index)
{
    std::uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// Writes bytes [offset, offset + n) of the stream for `seed` to out.
inline void fill_pattern(std::uint64_t seed, std::uint64_t offset, char* out, std::size_t n)
{
    std::uint64_t index = offset / 8;
    unsigned shift = static_cast<unsigned>(offset % 8) * 8;
    std::uint64_t word = pattern_word(seed, index);
    for (std::size_t k = 0; k < n; ++k) {
        out[k] = static_cast<char>(static_cast<unsigned char>(word >> shift));
        shift += 8;
        if (shift == 64) {
            shift = 0;
            word = pattern_word(seed, ++index);
        }
    }
}

} // namespace tokend::test
