// SPDX-License-Identifier: MIT
#include "upstream/connect.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <vector>

namespace tokend::agent {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;

namespace {

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
    // Sessions are resumed by the proxy's pool, which keeps them itself (tls_session_of).
    SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
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

using connect_result = boost::system::result<upstream_stream, agent_error>;

awaitable<connect_result> connect_tcp(const endpoint& to, const connect_options& opts)
{
    auto ex = co_await asio::this_coro::executor;
    // getaddrinfo runs on Asio's resolver thread; bound it with the same deadline.
    tcp::resolver resolver(ex);
    asio::steady_timer timer(ex, opts.deadline);
    auto resolved = co_await (resolver.async_resolve(to.host, to.port, nothrow_awaitable)
                              || timer.async_wait(nothrow_awaitable));
    if (resolved.index() == 1)
        co_return agent_error{agent_errc::timeout,
                              "resolving " + to.host + " timed out (timeout " + seconds_text(opts.timeout) + ")"};
    auto [rec, endpoints] = std::get<0>(resolved);
    if (rec)
        co_return agent_error{agent_errc::dns, "cannot resolve " + to.host + ": " + rec.message()};
    std::optional<agent_error> error;
    std::vector<tcp::endpoint> addresses = addresses_to_try(to, endpoints, error);
    if (addresses.empty())
        co_return error.value_or(agent_error{agent_errc::dns, "cannot resolve " + to.host + ": no address"});

    beast::tcp_stream tcp(ex);
    tcp.expires_at(opts.deadline);
    auto [cec, peer] = co_await tcp.async_connect(addresses, nothrow_awaitable);
    if (cec)
        co_return describe_failure("connecting to", to, cec, opts.timeout);
    tcp.socket().set_option(tcp::no_delay(true), cec); // requests are written whole: no Nagle wait
    co_return upstream_stream(std::in_place_index<0>, std::move(tcp));
}

} // namespace

std::string seconds_text(duration d)
{
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

agent_error describe_failure(std::string_view step, const endpoint& to, const boost::system::error_code& ec,
                             duration timeout, SSL* tls, bool handshake)
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
    namespace http = beast::http;
    if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof)
        return {code, where + " failed: the connection closed before a complete response"};
    if (ec == http::error::body_limit)
        return {code, where + " failed: the response is larger than 1 MiB"};
    return {code, where + " failed: " + ec.message()};
}

beast::tcp_stream& tcp_layer(upstream_stream& s)
{
    if (auto* plain = std::get_if<0>(&s))
        return *plain;
    return std::get<1>(s).next_layer();
}

SSL_SESSION* tls_session_of(upstream_stream& s)
{
    auto* tls = std::get_if<1>(&s);
    return tls ? SSL_get1_session(tls->native_handle()) : nullptr;
}

tls_contexts::tls_contexts()
{
    std::optional<agent_error> error;
    system_store_ = make_context(nullptr, error); // on failure, each TLS connection reports it
}

tls_contexts::~tls_contexts() = default;

ssl::context* tls_contexts::for_endpoint(const std::shared_ptr<const ca_bundle>& ca, std::optional<agent_error>& error)
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

awaitable<connect_result> connect_upstream(const endpoint& to, tls_contexts& contexts, connect_options opts)
{
    // A reload may replace the profile's config while we wait; the trust we started with stays.
    std::shared_ptr<const ca_bundle> ca = to.ca;
    auto tcp = co_await connect_tcp(to, opts);
    if (!tcp || !to.tls)
        co_return tcp;
    std::optional<agent_error> error;
    ssl::context* ctx = contexts.for_endpoint(ca, error);
    if (!ctx)
        co_return *error;
    upstream_stream out(std::in_place_index<1>, std::move(std::get<0>(*tcp)), *ctx);
    SSL* tls = std::get<1>(out).native_handle();
    if (!expect_host(tls, to.host))
        co_return agent_error{agent_errc::tls, "cannot verify the host name " + to.host};
    if (opts.resume)
        SSL_set_session(tls, opts.resume);
    auto [hec] = co_await std::get<1>(out).async_handshake(ssl::stream_base::client, nothrow_awaitable);
    if (hec)
        co_return describe_failure("TLS handshake with", to, hec, opts.timeout, tls, true);
    co_return out;
}

} // namespace tokend::agent
