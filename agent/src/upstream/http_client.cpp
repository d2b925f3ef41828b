// SPDX-License-Identifier: MIT
#include "upstream/http_client.hpp"

#include "upstream/connect.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

namespace tokend::agent {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t max_body = 1024 * 1024;

// Requests carry passwords and responses tokens: every buffer of both is locked memory.
using secret_body = http::basic_string_body<char, std::char_traits<char>, secret_allocator<char>>;
using secret_fields = http::basic_fields<secret_allocator<char>>;
using request_t = http::request<secret_body, secret_fields>;

request_t build(const endpoint& to, const http_request& req)
{
    request_t r(req.method, to.path + req.target, 11);
    r.set(http::field::host, host_header(to));
    r.set(http::field::user_agent, "tokend/" TOKEND_VERSION);
    r.set(http::field::accept, "application/json");
    r.set(http::field::connection, "close");
    for (const auto& [name, value] : req.headers)
        r.set(name, value);
    if (!req.authorization.empty())
        r.set(http::field::authorization, req.authorization.view());
    if (!req.content_type.empty())
        r.set(http::field::content_type, req.content_type);
    r.body().assign(req.body.data(), req.body.size());
    r.prepare_payload();
    return r;
}

// The request as one buffer of locked memory. Written as Beast's many small pieces (one per
// header field), Beast's TLS stream would gather them into an ordinary buffer of its own first,
// and leave the Authorization header and the body there.
secret_string serialize(request_t& r)
{
    secret_string wire;
    wire.reserve(1024 + r.body().size());
    http::request_serializer<secret_body, secret_fields> sr(r);
    beast::error_code ec;
    while (!ec && !sr.is_done())
        sr.next(ec, [&](beast::error_code&, const auto& buffers) {
            for (auto b : beast::buffers_range_ref(buffers))
                wire.append(static_cast<const char*>(b.data()), b.size());
            sr.consume(beast::buffer_bytes(buffers));
        });
    return wire;
}

template <class Stream>
awaitable<http_outcome> send_and_receive(Stream& stream, const endpoint& to, const http_request& req,
                                         duration timeout, SSL* tls)
{
    http_outcome out;
    if (tls) // OpenSSL decrypts each record in its own buffer: wipe it once we have the bytes
        SSL_set_options(tls, SSL_OP_CLEANSE_PLAINTEXT);
    request_t r = build(to, req);
    secret_string wire = serialize(r);
    auto [wec, written] = co_await asio::async_write(stream, asio::buffer(wire.data(), wire.size()), nothrow_awaitable);
    if (wec) {
        out.error = describe_failure("sending to", to, wec, timeout, tls);
        co_return out;
    }
    beast::basic_flat_buffer<secret_allocator<char>> buffer;
    http::response_parser<secret_body, secret_allocator<char>> parser;
    parser.body_limit(max_body);
    parser.header_limit(16 * 1024);
    auto [rec, read] = co_await http::async_read(stream, buffer, parser, nothrow_awaitable);
    if (rec) {
        out.error = describe_failure("reading from", to, rec, timeout, tls);
        co_return out;
    }
    auto& msg = parser.get();
    out.response.status = msg.result_int();
    if (auto it = msg.find(http::field::retry_after); it != msg.end())
        out.response.retry_after = std::string(it->value());
    out.response.body = std::move(msg.body());
    co_return out;
}

} // namespace

awaitable<http_outcome> https_transport::exchange(const endpoint& to, const http_request& req, duration timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto stream = co_await connect_upstream(to, tls_, {.deadline = deadline, .timeout = timeout});
    if (!stream)
        co_return http_outcome{.error = stream.error(), .response = {}};
    tcp_layer(*stream).expires_at(deadline);
    // No close_notify on the way out: the response is complete (Content-Length or chunked),
    // and waiting for the server's shutdown reply could only add latency.
    if (auto* tls = std::get_if<1>(&*stream))
        co_return co_await send_and_receive(*tls, to, req, timeout, tls->native_handle());
    co_return co_await send_and_receive(std::get<0>(*stream), to, req, timeout, nullptr);
}

} // namespace tokend::agent
