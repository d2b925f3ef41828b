// SPDX-License-Identifier: MIT
#include <tokend/proto/line_buffer.hpp>

#include <tokend/proto/wipe.hpp>

#include <algorithm>
#include <cstring>

namespace tokend::proto {
namespace {
// Idle connections keep a small buffer; one big line grows it, and it shrinks once empty.
constexpr std::size_t small_capacity = 1024;
} // namespace

std::span<char> line_buffer::prepare()
{
    if (begin_ == end_ && begin_ != 0) {
        secure_wipe(buf_.data(), end_);
        begin_ = scan_ = end_ = 0;
        if (buf_.size() > 4 * small_capacity)
            std::string(small_capacity, '\0').swap(buf_);
    }
    if (buf_.empty())
        buf_.resize(small_capacity);
    if (end_ == buf_.size()) {
        if (begin_ > 0) { // slide the unfinished line to the front
            std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
            secure_wipe(buf_.data() + (end_ - begin_), begin_);
            scan_ -= begin_;
            end_ -= begin_;
            begin_ = 0;
        }
        if (end_ == buf_.size()) {
            std::string bigger(std::min(buf_.size() * 2, limit_ + small_capacity), '\0');
            std::memcpy(bigger.data(), buf_.data(), end_);
            secure_wipe(buf_.data(), buf_.size());
            buf_.swap(bigger);
        }
    }
    return {buf_.data() + end_, buf_.size() - end_};
}

line_buffer::status line_buffer::next(std::string_view& line)
{
    const char* base = buf_.data();
    const void* nl = std::memchr(base + scan_, '\n', end_ - scan_);
    if (!nl) {
        scan_ = end_;
        return end_ - begin_ > limit_ ? status::too_large : status::need_more;
    }
    std::size_t stop = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
    if (stop - begin_ > limit_)
        return status::too_large;
    std::size_t len = stop - begin_;
    if (len > 0 && base[begin_ + len - 1] == '\r')
        --len;
    line = std::string_view(base + begin_, len);
    begin_ = scan_ = stop + 1;
    return status::line;
}

void line_buffer::wipe() noexcept
{
    secure_wipe(buf_.data(), buf_.size());
    begin_ = scan_ = end_ = 0;
}

} // namespace tokend::proto
