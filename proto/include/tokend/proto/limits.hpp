// SPDX-License-Identifier: MIT
// Protocol constants shared by tokend and libtok (see proto/PROTOCOL.md).
#pragma once

#include <cstddef>

namespace tokend::proto {

inline constexpr int protocol_version = 1;

// A request or answer line, newline excluded, is at most this long.
inline constexpr std::size_t max_line_bytes = 64 * 1024;

// Requests are flat objects; this only bounds what a hostile "id" may nest.
inline constexpr std::size_t max_json_depth = 16;

} // namespace tokend::proto
