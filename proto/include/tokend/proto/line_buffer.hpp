// SPDX-License-Identifier: MIT
// Newline framing for a byte stream (PROTOCOL.md, "Framing"): hands out complete lines and
// reports a line that outgrows the limit as soon as it does, not at its newline.
// Consumed bytes are wiped, since request lines may carry a password.
#pragma once

#include <tokend/proto/limits.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace tokend::proto {

class line_buffer {
public:
    explicit line_buffer(std::size_t limit = max_line_bytes) : limit_(limit) {}
    line_buffer(const line_buffer&) = delete;
    line_buffer& operator=(const line_buffer&) = delete;
    ~line_buffer() { wipe(); }

    enum class status { line, need_more, too_large };

    // Writable space for the next read; commit() what was read into it.
    std::span<char> prepare();
    void commit(std::size_t n) { end_ += n; }

    // On status::line, `line` (without '\n' or a trailing '\r') stays valid until the next call
    // to next() or prepare().
    status next(std::string_view& line);

    // True when no bytes of an unfinished line are buffered.
    bool empty() const noexcept { return begin_ == end_; }
    std::size_t buffered() const noexcept { return end_ - begin_; }

    void wipe() noexcept;

private:
    std::size_t limit_;
    std::string buf_;
    std::size_t begin_ = 0; // first unconsumed byte
    std::size_t scan_ = 0;  // bytes before this hold no '\n'
    std::size_t end_ = 0;   // end of data read
};

} // namespace tokend::proto
