// SPDX-License-Identifier: MIT
// Accept loop and per-connection session coroutine, shared by HTTP and HTTPS through a
// template over the stream type.
#include "server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <cstdio>
#include <exception>

namespace mockbill {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds write_timeout{30};
constexpr std::chrono::seconds handshake_timeout{10};

void log_line(const server_options& opts, const request& req, const reply& rep)
{
    if (opts.quiet)
        return;
    // Path only: a query string could carry credentials, and bodies are never logged.
    std::string_view path = target_path(req);
    std::string_view method = req.method_string();
    unsigned status = rep.action == transport_action::respond ? rep.res.result_int() : 0;
    std::string_view fault = to_string(rep.fault);
    std::fprintf(stderr, "mockbill: %.*s %.*s %u%s%.*s\n", int(method.size()), method.data(),
                 int(path.size()), path.data(), status, rep.fault == fault_kind::none ? "" : " fault=",
                 rep.fault == fault_kind::none ? 0 : int(fault.size()), fault.data());
}

void log_error(const char* what, const boost::system::error_code& ec)
{
    std::fprintf(stderr, "mockbill: %s: %s\n", what, ec.message().c_str());
}

// Closes with SO_LINGER 0 so the peer sees an RST instead of an orderly FIN.
template <class Stream>
void reset_connection(Stream& stream)
{
    boost::system::error_code ec;
    auto& sock = beast::get_lowest_layer(stream).socket();
    sock.set_option(asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
}

asio::awaitable<void> close_gracefully(plain_stream& stream)
{
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return;
}

asio::awaitable<void> close_gracefully(tls_stream& stream)
{
    stream.next_layer().expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(tuple_awaitable);
    boost::system::error_code ec;
    stream.next_layer().socket().close(ec);
}

// Holds the connection without answering until the peer gives up (or mockbill exits).
template <class Stream>
asio::awaitable<void> hang(Stream& stream)
{
    beast::get_lowest_layer(stream).expires_never();
    std::array<char, 1024> sink;
    for (;;) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), tuple_awaitable);
        if (ec)
            co_return;
    }
}

template <class Stream>
asio::awaitable<void> send_error_and_close(Stream& stream, http::status status)
{
    response res = json_response(static_cast<unsigned>(status),
                                 boost::json::object{{"error", reason(static_cast<unsigned>(status))}});
    res.keep_alive(false);
    res.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(write_timeout);
    co_await http::async_write(stream, res, tuple_awaitable);
    co_await close_gracefully(stream);
}

// Reads one request; nullopt when the connection should end (an error reply is sent for
// malformed or oversized requests). Honours "Expect: 100-continue" (curl sends it).
template <class Stream>
asio::awaitable<std::optional<request>> read_request(Stream& stream, beast::flat_buffer& buffer,
                                                     const server_options& opts)
{
    http::request_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(opts.body_limit);
    beast::get_lowest_layer(stream).expires_after(opts.idle_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, tuple_awaitable);
    if (!ec && iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        std::tie(ec, n) = co_await http::async_write(stream, cont, tuple_awaitable);
    }
    if (!ec && !parser.is_done())
        std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
    if (!ec)
        co_return parser.release();
    if (ec == http::error::body_limit)
        co_await send_error_and_close(stream, http::status::payload_too_large);
    else if (ec == http::error::header_limit)
        co_await send_error_and_close(stream, http::status::request_header_fields_too_large);
    else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message)
        co_await send_error_and_close(stream, http::status::bad_request);
    co_return std::nullopt;
}

// Carries out the reply; false when the connection is finished.
template <class Stream>
asio::awaitable<bool> deliver(Stream& stream, reply& rep, bool keep_alive)
{
    switch (rep.action) {
    case transport_action::respond: {
        rep.res.set(http::field::server, "mockbill");
        rep.res.keep_alive(keep_alive);
        rep.res.prepare_payload();
        beast::get_lowest_layer(stream).expires_after(write_timeout);
        auto [ec, n] = co_await http::async_write(stream, rep.res, tuple_awaitable);
        if (ec)
            co_return false;
        if (!keep_alive)
            co_await close_gracefully(stream);
        co_return keep_alive;
    }
    case transport_action::reset: reset_connection(stream); co_return false;
    case transport_action::truncate: {
        beast::get_lowest_layer(stream).expires_after(write_timeout);
        co_await asio::async_write(stream, asio::buffer(rep.raw), tuple_awaitable);
        // No TLS close_notify either: the peer must see a stream that just stops.
        boost::system::error_code ec;
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(stream).socket().close(ec);
        co_return false;
    }
    case transport_action::hang: co_await hang(stream); co_return false;
    }
    co_return false;
}

template <class Stream>
asio::awaitable<void> session(Stream& stream, router& r, const server_options& opts)
{
    beast::flat_buffer buffer;
    for (;;) {
        auto req = co_await read_request(stream, buffer, opts);
        if (!req)
            co_return;
        decision d = r.decide(*req);
        if (d.delay.count() > 0) {
            asio::steady_timer timer(co_await asio::this_coro::executor, d.delay);
            co_await timer.async_wait(tuple_awaitable);
        }
        reply rep = r.answer(*req, d);
        log_line(opts, *req, rep);
        if (!co_await deliver(stream, rep, req->keep_alive()))
            co_return;
    }
}

asio::awaitable<void> connection(tcp::socket socket, router& r, asio::ssl::context* tls,
                                 server_options opts)
{
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    if (!tls) {
        plain_stream stream(std::move(socket));
        co_await session(stream, r, opts);
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
    co_await session(stream, r, opts);
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
