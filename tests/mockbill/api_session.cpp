// SPDX-License-Identifier: MIT
// The I/O of the /_api/ surface: streamed request bodies, the streamed bytes download and
// the call log entry, on the session's connection.
#include "api_session.hpp"

#include "crypto.hpp"
#include "pattern.hpp"
#include "protected_api.hpp"
#include "state.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <memory>
#include <optional>

namespace mockbill {

namespace {

// Bodies move through one buffer of this size each way, so memory stays flat at any size.
constexpr std::size_t piece_size = 64 * 1024;
using body_parser = http::request_parser<http::buffer_body>;

// Reads the rest of the request piece by piece, hashing as it goes; nullopt (after
// answering what the peer got wrong) when the read failed.
template <class Stream>
asio::awaitable<std::optional<body_digest>> read_body(Stream& stream, beast::flat_buffer& buffer,
                                                      body_parser& parser, const server_options& opts)
{
    body_digest out;
    sha256_stream hash;
    std::unique_ptr<char[]> piece;
    if (!parser.is_done())
        piece = std::make_unique_for_overwrite<char[]>(piece_size);
    while (!parser.is_done()) {
        auto& body = parser.get().body();
        body.data = piece.get();
        body.size = piece_size;
        beast::get_lowest_layer(stream).expires_after(opts.idle_timeout);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
        std::size_t got = piece_size - body.size;
        hash.update(piece.get(), got);
        out.bytes += got;
        if (ec && ec != http::error::need_buffer) {
            co_await answer_read_error(stream, ec);
            co_return std::nullopt;
        }
    }
    out.sha256 = hash.hex_digest();
    co_return out;
}

// GET /_api/bytes: the pattern of tests/support/pattern.hpp, generated piece by piece as
// the peer takes it (each write waits for the socket), with Content-Length or chunked.
template <class Stream>
asio::awaitable<bool> stream_bytes(Stream& stream, const bytes_request& q, bool keep_alive)
{
    http::response<http::buffer_body> res{http::status::ok, 11};
    res.set(http::field::server, "mockbill");
    res.set(http::field::content_type, "application/octet-stream");
    res.keep_alive(keep_alive);
    if (q.chunked)
        res.chunked(true);
    else
        res.content_length(q.n);
    http::response_serializer<http::buffer_body> sr{res};
    auto& socket = beast::get_lowest_layer(stream);
    socket.expires_after(write_timeout);
    auto [ec, n] = co_await http::async_write_header(stream, sr, tuple_awaitable);
    auto piece = std::make_unique_for_overwrite<char[]>(piece_size);
    for (std::uint64_t offset = 0; !ec && offset < q.n;) {
        std::size_t size = static_cast<std::size_t>(std::min<std::uint64_t>(piece_size, q.n - offset));
        tokend::test::fill_pattern(q.seed, offset, piece.get(), size);
        res.body() = {piece.get(), size, true};
        socket.expires_after(write_timeout);
        std::tie(ec, n) = co_await http::async_write(stream, sr, tuple_awaitable);
        if (ec == http::error::need_buffer)
            ec = {};
        offset += size;
    }
    if (!ec && !sr.is_done()) {
        res.body() = {nullptr, 0, false};
        socket.expires_after(write_timeout);
        std::tie(ec, n) = co_await http::async_write(stream, sr, tuple_awaitable);
    }
    if (ec)
        co_return false;
    if (!keep_alive)
        co_await close_gracefully(stream);
    co_return keep_alive;
}

// Counts the outcome, logs the request line and appends the call log entry.
void finish(const api_context& ctx, const api_decision& d, const request_head& req,
            const body_digest& body, unsigned status, fault_kind fault)
{
    count_api_outcome(d, status);
    log_request(ctx.opts, req.method_string(), req.target(), status, fault);
    ctx.st.api_calls.append(api_call{std::string(req.method_string()), std::string(req.target()),
                                     recorded_headers(req), body.bytes, body.sha256, status,
                                     ctx.connection, d.creds.token_api, fault});
}

} // namespace

template <class Stream>
asio::awaitable<bool> serve_api(Stream& stream, beast::flat_buffer& buffer, head_parser& head,
                                api_context ctx)
{
    body_parser parser{std::move(head)};
    parser.body_limit(api_body_limit); // for chunked bodies; the header checked a Content-Length
    const request_head& req = parser.get();
    api_decision d = decide_api(ctx.st, req);
    if (!co_await send_continue_if_expected(stream, req))
        co_return false;
    auto body = co_await read_body(stream, buffer, parser, ctx.opts);
    if (!body)
        co_return false;
    if (d.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor, d.delay);
        co_await timer.async_wait(tuple_awaitable);
    }
    bool keep_alive = parser.keep_alive();
    if (d.injected && d.injected->kind != fault_kind::delay) {
        request with_header{req}; // the APIs' error bodies read the request (NovaBilling's path)
        reply rep = fault_reply(ctx.st, with_header, api_def_of(d.creds.api), *d.injected);
        rep.head_only = req.method() == http::verb::head;
        finish(ctx, d, req, *body, status_of(rep), rep.fault);
        co_return co_await deliver(stream, rep, keep_alive);
    }
    fault_kind delayed = d.injected ? fault_kind::delay : fault_kind::none;
    if (d.endpoint == api_endpoint::bytes && d.creds.check == token_check::ok &&
        method_allowed(d.endpoint, req.method())) {
        if (auto q = parse_bytes_query(req.target()); q.value) {
            finish(ctx, d, req, *body, 200, delayed);
            co_return co_await stream_bytes(stream, *q.value, keep_alive);
        }
    }
    reply rep;
    rep.res = api_answer(d, req, *body);
    rep.fault = delayed;
    rep.head_only = req.method() == http::verb::head;
    finish(ctx, d, req, *body, status_of(rep), rep.fault);
    co_return co_await deliver(stream, rep, keep_alive);
}

template asio::awaitable<bool> serve_api(plain_stream&, beast::flat_buffer&, head_parser&, api_context);
template asio::awaitable<bool> serve_api(tls_stream&, beast::flat_buffer&, head_parser&, api_context);

} // namespace mockbill
