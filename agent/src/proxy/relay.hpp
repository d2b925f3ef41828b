// SPDX-License-Identifier: MIT
// Moving a body through the proxy in pieces of one bounded buffer (docs/proxy.md,
// "Streaming"): Beast's parser decodes the incoming framing into the buffer, and each piece
// leaves with the outgoing framing (as it is, or as one chunk). Nothing grows with the body.
#pragma once

#include "sys/async.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>

#include <array>
#include <charconv>
#include <utility>

namespace tokend::agent::proxy {

constexpr std::size_t piece_size = 64 * 1024;

// Reads the next piece of a message's body into `buf`; 0 bytes once the body is done.
template <class Stream, class Parser>
awaitable<std::pair<boost::system::error_code, std::size_t>> read_piece(Stream& s, boost::beast::flat_buffer& in,
                                                                         Parser& p, char* buf, std::size_t cap)
{
    if (p.is_done())
        co_return std::pair{boost::system::error_code{}, std::size_t{0}};
    // Beast reads as much as the buffer has room for: give it room for a whole piece, or a
    // body arrives 512 bytes per system call.
    if (in.capacity() - in.size() < cap)
        in.reserve(in.size() + cap);
    p.get().body().data = buf;
    p.get().body().size = cap;
    auto [ec, n] = co_await boost::beast::http::async_read(s, in, p, nothrow_awaitable);
    if (ec == boost::beast::http::error::need_buffer)
        ec = {};
    co_return std::pair{ec, cap - p.get().body().size};
}

// Writes `head` (may be empty) and `piece`, the piece as one chunk when `chunked`, in one
// gathered write; `last` ends a chunked body.
template <class Stream>
awaitable<boost::system::error_code> write_piece(Stream& s, std::string_view head, std::string_view piece,
                                                 bool chunked, bool last)
{
    char size_line[20];
    std::size_t size_len = 0;
    if (chunked && !piece.empty()) {
        size_len = static_cast<std::size_t>(std::to_chars(size_line, size_line + 16, piece.size(), 16).ptr - size_line);
        size_line[size_len++] = '\r';
        size_line[size_len++] = '\n';
    }
    std::string_view after_piece = chunked && !piece.empty() ? std::string_view("\r\n") : std::string_view();
    std::string_view end = chunked && last ? std::string_view("0\r\n\r\n") : std::string_view();
    std::array<boost::asio::const_buffer, 5> buffers{
        boost::asio::buffer(head), boost::asio::buffer(size_line, size_len), boost::asio::buffer(piece),
        boost::asio::buffer(after_piece), boost::asio::buffer(end)};
    auto [ec, n] = co_await boost::asio::async_write(s, buffers, nothrow_awaitable);
    co_return ec;
}

} // namespace tokend::agent::proxy
