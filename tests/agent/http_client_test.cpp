// SPDX-License-Identifier: MIT
// The transport's failures as codes (sys/error.hpp), against real loopback sockets.
#include "upstream/endpoint.hpp"
#include "upstream/connect.hpp"
#include "upstream/http_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>

BOOST_AUTO_TEST_SUITE(http_client)

namespace asio = boost::asio;
using namespace tokend::agent;
using namespace std::chrono_literals;

http_outcome exchange_with(asio::io_context& ioc, const std::string& url, duration timeout)
{
    auto to = parse_endpoint(url, false);
    BOOST_TEST_REQUIRE(to.has_value(), (to ? "" : to.error().message()));
    tls_contexts tls;
    https_transport transport{tls};
    http_request req;
    req.target = "/login";
    std::optional<http_outcome> out;
    asio::co_spawn(ioc, transport.exchange(*to, req, timeout), [&](std::exception_ptr e, http_outcome o) {
        BOOST_TEST(!e);
        out = std::move(o);
    });
    ioc.run_for(10s);
    BOOST_TEST_REQUIRE(out.has_value());
    return std::move(*out);
}

BOOST_AUTO_TEST_CASE(a_refused_connection_is_a_transport_error)
{
    asio::io_context ioc;
    // A port that was just free: nothing listens there.
    asio::ip::tcp::acceptor probe(ioc, {asio::ip::address_v4::loopback(), 0});
    unsigned short port = probe.local_endpoint().port();
    probe.close();
    http_outcome o = exchange_with(ioc, "http://127.0.0.1:" + std::to_string(port), 5s);
    BOOST_TEST_REQUIRE(o.error.has_value());
    BOOST_TEST((o.error->code == agent_errc::transport), o.error->message());
    BOOST_TEST(o.error->message().starts_with("connecting to 127.0.0.1:" + std::to_string(port) + " failed: "));
}

BOOST_AUTO_TEST_CASE(a_silent_server_is_a_timeout)
{
    asio::io_context ioc;
    asio::ip::tcp::acceptor silent(ioc, {asio::ip::address_v4::loopback(), 0});
    asio::ip::tcp::socket accepted(ioc);
    silent.async_accept(accepted, [](boost::system::error_code) {});
    std::string port = std::to_string(silent.local_endpoint().port());
    http_outcome o = exchange_with(ioc, "http://127.0.0.1:" + port, 300ms);
    BOOST_TEST_REQUIRE(o.error.has_value());
    BOOST_TEST((o.error->code == agent_errc::timeout), o.error->message());
    BOOST_TEST(o.error->message() == "reading from 127.0.0.1:" + port + " timed out (timeout 0 s)");
}

BOOST_AUTO_TEST_CASE(a_plain_answer_to_tls_is_a_tls_error)
{
    asio::io_context ioc;
    asio::ip::tcp::acceptor plain(ioc, {asio::ip::address_v4::loopback(), 0});
    asio::ip::tcp::socket accepted(ioc);
    const std::string garbage = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    plain.async_accept(accepted, [&](boost::system::error_code ec) {
        if (!ec)
            asio::async_write(accepted, asio::buffer(garbage), [&](boost::system::error_code, std::size_t) {
                accepted.shutdown(asio::ip::tcp::socket::shutdown_send);
            });
    });
    http_outcome o = exchange_with(ioc, "https://127.0.0.1:" + std::to_string(plain.local_endpoint().port()), 5s);
    BOOST_TEST_REQUIRE(o.error.has_value());
    BOOST_TEST((o.error->code == agent_errc::tls), o.error->message());
    BOOST_TEST(o.error->message().starts_with("TLS handshake with 127.0.0.1:"));
}

BOOST_AUTO_TEST_SUITE_END()
