// SPDX-License-Identifier: MIT
// mockbill: mock billing upstreams (Aviate, KillB, NovaBilling, OAuth2) for tokend's
// integration tests. Parses the command line, binds, publishes the port, runs one thread.
#include "router.hpp"
#include "server.hpp"
#include "state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>

#include <getopt.h>
#include <unistd.h>

#include <charconv>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct options {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::string port_file;
    std::string tls_cert;
    std::string tls_key;
    bool quiet = false;
};

[[noreturn]] void usage(const char* why)
{
    if (why)
        std::fprintf(stderr, "mockbill: %s\n", why);
    std::fprintf(stderr,
                 "usage: mockbill [--listen HOST:PORT] [--port-file PATH]\n"
                 "                [--tls-cert PEM --tls-key PEM] [--quiet]\n");
    std::exit(2);
}

// "HOST:PORT", "[v6]:PORT" or ":PORT"; the host must be a literal address (no DNS).
void parse_listen(std::string_view text, options& opts)
{
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
        usage("--listen wants HOST:PORT");
    std::string_view host = text.substr(0, colon);
    std::string_view port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value > 65535)
        usage("--listen: bad port");
    opts.host = host.empty() || host == "localhost" ? "127.0.0.1" : std::string(host);
    opts.port = static_cast<unsigned short>(value);
}

options parse_args(int argc, char** argv)
{
    static const option longopts[] = {
        {"listen", required_argument, nullptr, 'l'},    {"port-file", required_argument, nullptr, 'p'},
        {"tls-cert", required_argument, nullptr, 'c'},  {"tls-key", required_argument, nullptr, 'k'},
        {"quiet", no_argument, nullptr, 'q'},           {"help", no_argument, nullptr, 'h'},
        {nullptr, 0, nullptr, 0}};
    options opts;
    for (int c; (c = getopt_long(argc, argv, "", longopts, nullptr)) != -1;) {
        switch (c) {
        case 'l': parse_listen(optarg, opts); break;
        case 'p': opts.port_file = optarg; break;
        case 'c': opts.tls_cert = optarg; break;
        case 'k': opts.tls_key = optarg; break;
        case 'q': opts.quiet = true; break;
        case 'h': usage(nullptr);
        default: usage("unknown option");
        }
    }
    if (optind != argc)
        usage("unexpected argument");
    if (opts.tls_cert.empty() != opts.tls_key.empty())
        usage("--tls-cert and --tls-key go together");
    return opts;
}

// Written to a temp file in the same directory and renamed, so a test polling for the
// file never reads a half-written port.
void write_port_file(const std::string& path, unsigned short port)
{
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << port << '\n';
        out.close();
        if (!out)
            throw std::runtime_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, path);
}

std::optional<asio::ssl::context> make_tls(const options& opts)
{
    if (opts.tls_cert.empty())
        return std::nullopt;
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
    ctx.use_certificate_chain_file(opts.tls_cert);
    ctx.use_private_key_file(opts.tls_key, asio::ssl::context::pem);
    return ctx;
}

} // namespace

int main(int argc, char** argv)
{
    options opts = parse_args(argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        // Declared before the io_context so that sessions, destroyed with it, never
        // outlive what they reference.
        auto tls = make_tls(opts);
        mockbill::state st;
        mockbill::router r(st);
        asio::io_context ioc(1);

        tcp::endpoint endpoint(asio::ip::make_address(opts.host), opts.port);
        tcp::acceptor acceptor(ioc, endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
        unsigned short port = acceptor.local_endpoint().port();

        asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });

        mockbill::server_options server_opts;
        server_opts.quiet = opts.quiet;
        mockbill::spawn_server(acceptor, r, tls ? &*tls : nullptr, server_opts);

        if (!opts.port_file.empty())
            write_port_file(opts.port_file, port);
        std::string host = endpoint.address().is_v6() ? "[" + opts.host + "]" : opts.host;
        std::printf("mockbill listening on %s://%s:%u\n", tls ? "https" : "http", host.c_str(),
                    unsigned(port));
        std::fflush(stdout);

        ioc.run();
    } catch (const std::exception& e) {
        // Boost appends " [system:N at file:line in function ...]"; keep the useful part.
        std::string_view what = e.what();
        what = what.substr(0, what.find(" [system:"));
        std::fprintf(stderr, "mockbill: %.*s\n", int(what.size()), what.data());
        return 1;
    }
    return 0;
}
