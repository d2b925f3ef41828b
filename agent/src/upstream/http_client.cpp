// SPDX-License-Identifier: MIT
#include "upstream/http_client.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <memory>
#include <vector>

namespace tokend::agent {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;

namespace {

constexpr std::size_t max_body = 1024 * 1024;

// Requests carry passwords and responses tokens: every buffer of both is locked memory.
using secret_body = http::basic_string_body<char, std::char_traits<char>, secret_allocator<char>>;
using secret_fields = http::basic_fields<secret_allocator<char>>;
using request_t = http::request<secret_body, secret_fields>;

std::string host_header(const endpoint& to)
{
    bool v6 = to.host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + to.host + "]" : to.host;
    bool default_port = to.port == (to.tls ? "443" : "80");
    return default_port ? h : h + ":" + to.port;
}

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

std::string seconds_text(duration d)
{
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

// Says what failed in words a user can act on; TLS verification names the reason. A failure
// inside a TLS session is `tls` only while the handshake runs or a certificate was refused.
agent_error describe(std::string_view step, const endpoint& to, const boost::system::error_code& ec,
                     duration timeout, SSL* tls = nullptr, bool handshake = false)
{
    std::string where = std::string(step) + " " + to.host + ":" + to.port;
    if (ec == beast::error::timeout)
        return {agent_errc::timeout, where + " timed out (timeout " + seconds_text(timeout) + ")"};
    if (ec == asio::error::operation_aborted)
        return {agent_errc::cancelled, where + " was cancelled"};
    if (tls) {
        long v = SSL_get_verify_result(tls);
        if (v != X509_V_OK)
            return {agent_errc::tls, where + " failed: certificate rejected: " + X509_verify_cert_error_string(v)};
    }
    agent_errc code = handshake ? agent_errc::tls : agent_errc::transport;
    if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof)
        return {code, where + " failed: the connection closed before a complete response"};
    if (ec == http::error::body_limit)
        return {code, where + " failed: the response is larger than 1 MiB"};
    return {code, where + " failed: " + ec.message()};
}

bool is_ip_literal(const std::string& host)
{
    unsigned char buf[sizeof(in6_addr)];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool is_loopback(const asio::ip::address& a)
{
    return a.is_v4() ? (a.to_v4().to_uint() >> 24) == 127 : a.to_v6() == asio::ip::address_v6::loopback();
}

// The addresses we may connect to: with `loopback_only`, the loopback ones alone, whatever the
// name says (docs/configuration.md, "Plain http"). None left is an error naming the host and
// an address it resolved to; nothing has been connected to or sent.
std::vector<tcp::endpoint> addresses_to_try(const endpoint& to, const tcp::resolver::results_type& found,
                                            std::optional<agent_error>& error)
{
    std::vector<tcp::endpoint> out;
    for (const auto& entry : found)
        if (!to.loopback_only || is_loopback(entry.endpoint().address()))
            out.push_back(entry.endpoint());
    if (out.empty() && !found.empty())
        error = agent_error{agent_errc::not_loopback,
                            "refusing plain http:// to " + to.host + ": it resolves to "
                                + found.begin()->endpoint().address().to_string()
                                + ", which is not a loopback address (127.0.0.0/8, ::1); nothing was sent; use "
                                  "https:// or set allow_insecure_http = true"};
    return out;
}

std::unique_ptr<ssl::context> make_context(const ca_bundle* ca, std::optional<agent_error>& error)
{
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    boost::system::error_code ec;
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (!ec)
        ctx->set_default_verify_paths(ec);
    if (!ec && ca) // from memory: the file was read, and checked, at load or reload
        ctx->add_certificate_authority(asio::buffer(ca->pem), ec);
    if (ec) {
        error = agent_error{agent_errc::tls, "cannot load the trust store" + (ca ? " with " + ca->path : std::string())
                                                 + ": " + ec.message()};
        return nullptr;
    }
    return ctx;
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

// SNI and the name the certificate must carry. OpenSSL checks the name (or address) itself,
// so a mismatch is reported as "hostname mismatch" / "IP address mismatch" rather than as an
// unspecified verification failure.
bool expect_host(SSL* tls, const std::string& host)
{
    if (!is_ip_literal(host)) // RFC 6066: SNI carries host names only
        SSL_set_tlsext_host_name(tls, host.c_str());
    X509_VERIFY_PARAM* param = SSL_get0_param(tls);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return (is_ip_literal(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                                : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0)) == 1;
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
        out.error = describe("sending to", to, wec, timeout, tls);
        co_return out;
    }
    beast::basic_flat_buffer<secret_allocator<char>> buffer;
    http::response_parser<secret_body, secret_allocator<char>> parser;
    parser.body_limit(max_body);
    parser.header_limit(16 * 1024);
    auto [rec, read] = co_await http::async_read(stream, buffer, parser, nothrow_awaitable);
    if (rec) {
        out.error = describe("reading from", to, rec, timeout, tls);
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

https_transport::https_transport()
{
    std::optional<agent_error> error;
    system_store_ = make_context(nullptr, error); // on failure, each TLS login reports it
}

https_transport::~https_transport() = default;

ssl::context* https_transport::context_for(const std::shared_ptr<const ca_bundle>& ca, std::optional<agent_error>& error)
{
    if (!ca) {
        if (!system_store_)
            system_store_ = make_context(nullptr, error);
        return system_store_.get();
    }
    std::erase_if(with_ca_, [](const auto& entry) { return entry.first.expired(); });
    if (auto it = with_ca_.find(ca); it != with_ca_.end())
        return it->second.get();
    auto ctx = make_context(ca.get(), error);
    if (!ctx)
        return nullptr;
    return with_ca_.emplace(ca, std::move(ctx)).first->second.get();
}

awaitable<http_outcome> https_transport::exchange(const endpoint& to, const http_request& req, duration timeout)
{
    auto ex = co_await asio::this_coro::executor;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    http_outcome out;
    // A reload may replace the profile's config while we wait; the trust we started with stays.
    std::shared_ptr<const ca_bundle> ca = to.ca;

    // getaddrinfo runs on Asio's resolver thread; bound it with the same deadline.
    tcp::resolver resolver(ex);
    asio::steady_timer timer(ex, deadline);
    auto resolved = co_await (resolver.async_resolve(to.host, to.port, nothrow_awaitable)
                              || timer.async_wait(nothrow_awaitable));
    if (resolved.index() == 1) {
        out.error = agent_error{agent_errc::timeout, "resolving " + to.host + " timed out (timeout " + seconds_text(timeout) + ")"};
        co_return out;
    }
    auto [rec, endpoints] = std::get<0>(resolved);
    if (rec) {
        out.error = agent_error{agent_errc::dns, "cannot resolve " + to.host + ": " + rec.message()};
        co_return out;
    }

    std::vector<tcp::endpoint> addresses = addresses_to_try(to, endpoints, out.error);
    if (addresses.empty()) {
        if (!out.error)
            out.error = agent_error{agent_errc::dns, "cannot resolve " + to.host + ": no address"};
        co_return out;
    }

    beast::tcp_stream tcp(ex);
    tcp.expires_at(deadline);
    auto [cec, peer] = co_await tcp.async_connect(addresses, nothrow_awaitable);
    if (cec) {
        out.error = describe("connecting to", to, cec, timeout);
        co_return out;
    }
    if (!to.tls)
        co_return co_await send_and_receive(tcp, to, req, timeout, nullptr);

    ssl::context* ctx = context_for(ca, out.error);
    if (!ctx)
        co_return out;
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), *ctx);
    SSL* tls = stream.native_handle();
    if (!expect_host(tls, to.host)) {
        out.error = agent_error{agent_errc::tls, "cannot verify the host name " + to.host};
        co_return out;
    }
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, nothrow_awaitable);
    if (hec) {
        out.error = describe("TLS handshake with", to, hec, timeout, tls, true);
        co_return out;
    }
    // No close_notify on the way out: the response is complete (Content-Length or chunked),
    // and waiting for the server's shutdown reply could only add latency.
    co_return co_await send_and_receive(stream, to, req, timeout, tls);
}

} // namespace tokend::agent
