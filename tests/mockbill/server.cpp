// SPDX-License-Identifier: MIT
// Accept loop and per-connection session coroutine, shared by HTTP and HTTPS through a
// template over the stream type.
#include "server.hpp"

#include "api_session.hpp"
#include "control.hpp"
#include "protected_api.hpp"
#include "state.hpp"
#include "transport.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <cstdio>
#include <exception>
#include <optional>
#include <tuple>

namespace mockbill {

using asio::ip::tcp;

namespace {

constexpr std::chrono::seconds handshake_timeout{10};

void log_error(const char* what, const boost::system::error_code& ec)
{
    std::fprintf(stderr, "mockbill: %s: %s\n", what, ec.message().c_str());
}

// Reads a request's header into `head`; false when the connection should end (an error
// reply is sent for malformed or oversized heads). Bodies are read by the caller, since
// /_api/ streams them and everything else buffers them.
template <class Stream>
asio::awaitable<bool> read_head(Stream& stream, beast::flat_buffer& buffer, head_parser& head,
                                const server_options& opts)
{
    head.header_limit(16 * 1024);
    head.body_limit(api_body_limit); // the smaller limit of other paths is checked after routing
    beast::get_lowest_layer(stream).expires_after(opts.idle_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, head, tuple_awaitable);
    if (!ec)
        co_return true;
    co_await answer_read_error(stream, ec);
    co_return false;
}

// Reads the rest of a request for the mocked APIs and the control API (bodies up to
// opts.body_limit); nullopt when the connection should end.
template <class Stream>
asio::awaitable<std::optional<request>> read_request(Stream& stream, beast::flat_buffer& buffer,
                                                     head_parser& head, const server_options& opts)
{
    if (auto length = head.content_length(); length && *length > opts.body_limit) {
        co_await send_error_and_close(stream, http::status::payload_too_large);
        co_return std::nullopt;
    }
    if (!co_await send_continue_if_expected(stream, head.get()))
        co_return std::nullopt;
    http::request_parser<http::string_body> parser{std::move(head)};
    parser.body_limit(opts.body_limit);
    boost::system::error_code ec;
    if (!parser.is_done())
        std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
    if (!ec)
        co_return parser.release();
    co_await answer_read_error(stream, ec);
    co_return std::nullopt;
}

// One request for the mocked APIs or the control API; false when the connection is finished.
template <class Stream>
asio::awaitable<bool> serve_buffered(Stream& stream, beast::flat_buffer& buffer, head_parser& head,
                                     router& r, const server_options& opts)
{
    auto req = co_await read_request(stream, buffer, head, opts);
    if (!req)
        co_return false;
    decision d = r.decide(*req);
    if (d.delay.count() > 0) {
        asio::steady_timer timer(co_await asio::this_coro::executor, d.delay);
        co_await timer.async_wait(tuple_awaitable);
    }
    reply rep = r.answer(*req, d);
    rep.head_only = req->method() == http::verb::head;
    log_request(opts, req->method_string(), req->target(), status_of(rep), rep.fault);
    co_return co_await deliver(stream, rep, req->keep_alive());
}

template <class Stream>
asio::awaitable<void> session(Stream& stream, router& r, const server_options& opts,
                              std::uint64_t serial)
{
    beast::flat_buffer buffer;
    bool counted = false;
    for (bool more = true; more;) {
        head_parser head;
        if (!co_await read_head(stream, buffer, head, opts))
            co_return;
        if (!counted && !head.get().target().starts_with(control_prefix)) {
            r.shared_state().count_served_connection();
            counted = true;
        }
        if (is_api_target(head.get().target()))
            more = co_await serve_api(stream, buffer, head, api_context{r.shared_state(), opts, serial});
        else
            more = co_await serve_buffered(stream, buffer, head, r, opts);
    }
}

asio::awaitable<void> connection(tcp::socket socket, router& r, asio::ssl::context* tls,
                                 server_options opts)
{
    std::uint64_t serial = r.shared_state().accept_connection();
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    if (!tls) {
        plain_stream stream(std::move(socket));
        co_await session(stream, r, opts, serial);
        co_return;
    }
    tls_stream stream(std::move(socket), *tls);
    stream.next_layer().expires_after(handshake_timeout);
    auto [hs_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
    if (hs_ec) {
        if (!opts.quiet)
            log_error("TLS handshake", hs_ec);
        co_return;
    }
    co_await session(stream, r, opts, serial);
}

void log_exception(std::exception_ptr e)
{
    try {
        if (e)
            std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "mockbill: session error: %s\n", ex.what());
    }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, router& r, asio::ssl::context* tls,
                                  server_options opts)
{
    auto executor = co_await asio::this_coro::executor;
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
        if (ec == asio::error::operation_aborted || !acceptor.is_open())
            co_return;
        if (ec) {
            // EMFILE and friends: back off briefly instead of spinning.
            log_error("accept", ec);
            asio::steady_timer timer(executor, std::chrono::milliseconds(50));
            co_await timer.async_wait(tuple_awaitable);
            continue;
        }
        asio::co_spawn(executor, connection(std::move(socket), r, tls, opts), log_exception);
    }
}

} // namespace

void spawn_server(tcp::acceptor& acceptor, router& r, asio::ssl::context* tls, server_options opts)
{
    asio::co_spawn(acceptor.get_executor(), accept_loop(acceptor, r, tls, opts), log_exception);
}

} // namespace mockbill
