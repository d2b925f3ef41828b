// SPDX-License-Identifier: MIT
// Connection-level helpers shared by the session (server.cpp) and the streaming /_api/
// surface (api_session.cpp): reading a request head, error answers, the request log line,
// and carrying out a reply or a transport fault (reset, truncate, hang) on HTTP or HTTPS.
#pragma once

#include "router.hpp"
#include "server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <cstdio>
#include <string_view>

namespace mockbill {

namespace asio = boost::asio;
namespace beast = boost::beast;
using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using head_parser = http::request_parser<http::empty_body>;

inline constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
inline constexpr std::chrono::seconds write_timeout{30};

// "mockbill: METHOD PATH STATUS[ fault=KIND]". Path only: a query string could carry
// credentials, and headers and bodies are never logged.
inline void log_request(const server_options& opts, std::string_view method, std::string_view target,
                        unsigned status, fault_kind fault)
{
    if (opts.quiet)
        return;
    std::string_view path = target.substr(0, target.find('?'));
    std::string_view kind = to_string(fault);
    bool faulted = fault != fault_kind::none;
    std::fprintf(stderr, "mockbill: %.*s %.*s %u%s%.*s\n", int(method.size()), method.data(),
                 int(path.size()), path.data(), status, faulted ? " fault=" : "",
                 faulted ? int(kind.size()) : 0, kind.data());
}

inline unsigned status_of(const reply& rep)
{
    return rep.action == transport_action::respond ? rep.res.result_int() : 0;
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

inline asio::awaitable<void> close_gracefully(plain_stream& stream)
{
    boost::system::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    co_return;
}

inline asio::awaitable<void> close_gracefully(tls_stream& stream)
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

// After a failed read: 413, 431 or 400 for what the peer got wrong, nothing when it just
// went away. The connection is finished either way.
template <class Stream>
asio::awaitable<void> answer_read_error(Stream& stream, boost::system::error_code ec)
{
    if (ec == http::error::body_limit)
        co_await send_error_and_close(stream, http::status::payload_too_large);
    else if (ec == http::error::header_limit)
        co_await send_error_and_close(stream, http::status::request_header_fields_too_large);
    else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message)
        co_await send_error_and_close(stream, http::status::bad_request);
}

// "Expect: 100-continue" (curl sends it for larger bodies): say go ahead.
template <class Stream>
asio::awaitable<bool> send_continue_if_expected(Stream& stream, const request_head& head)
{
    if (!iequals(head[http::field::expect], "100-continue"))
        co_return true;
    http::response<http::empty_body> cont{http::status::continue_, 11};
    beast::get_lowest_layer(stream).expires_after(write_timeout);
    auto [ec, n] = co_await http::async_write(stream, cont, tuple_awaitable);
    co_return !ec;
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
        if (rep.head_only) {
            // The length a GET would get, and no body (RFC 9110 §9.3.2).
            rep.res.body().clear();
        }
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
        beast::get_lowest_layer(stream).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(stream).socket().close(ec);
        co_return false;
    }
    case transport_action::hang: co_await hang(stream); co_return false;
    }
    co_return false;
}

} // namespace mockbill
