// SPDX-License-Identifier: MIT
// The proxy's TCP peer check reads the connecting socket's owner from the kernel's socket table
// (agent/src/proxy/peer_uid.hpp): real loopback connections inside this process, and, when the
// tests run as root, one from a process running as nobody (uid 65534).
#include "proxy/peer_uid.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

extern char** environ;

using namespace tokend::agent;
namespace ip = boost::asio::ip;

BOOST_AUTO_TEST_SUITE(peer_uid)

namespace peer_uid_helpers {

// A listener on `address`, port chosen by the kernel; nullopt when the address is unavailable.
std::optional<ip::tcp::acceptor> listen_on(boost::asio::io_context& io, const ip::address& address)
{
    ip::tcp::acceptor acceptor(io);
    boost::system::error_code ec;
    acceptor.open(ip::tcp::endpoint(address, 0).protocol(), ec);
    if (!ec)
        acceptor.bind(ip::tcp::endpoint(address, 0), ec);
    if (!ec)
        acceptor.listen(8, ec);
    if (ec)
        return std::nullopt;
    return acceptor;
}

// Accepts one connection, waiting at most five seconds for it.
ip::tcp::socket accept_one(ip::tcp::acceptor& acceptor)
{
    pollfd p{acceptor.native_handle(), POLLIN, 0};
    BOOST_TEST_REQUIRE(::poll(&p, 1, 5000) == 1, "no connection arrived within 5 s");
    return acceptor.accept();
}

// Connects from inside this process and checks the lookup on the accepted side.
void check_own_connection(const ip::address& address)
{
    boost::asio::io_context io;
    auto acceptor = listen_on(io, address);
    BOOST_TEST_REQUIRE(acceptor.has_value());
    ip::tcp::socket client(io);
    client.connect(acceptor->local_endpoint());
    auto accepted = accept_one(*acceptor);

    auto uid = tcp_peer_uid(accepted.local_endpoint(), accepted.remote_endpoint());
    BOOST_TEST_REQUIRE(uid.has_value(), (uid.has_value() ? "" : uid.error().detail));
    BOOST_TEST(*uid == ::geteuid());
}

struct child_process {
    pid_t pid = -1;
    ~child_process()
    {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
};

} // namespace peer_uid_helpers
using namespace peer_uid_helpers;

BOOST_AUTO_TEST_CASE(a_connection_from_this_process_is_ours_over_ipv4)
{
    check_own_connection(ip::make_address("127.0.0.1"));
}

BOOST_AUTO_TEST_CASE(a_connection_from_this_process_is_ours_over_ipv6)
{
    boost::asio::io_context io;
    if (!listen_on(io, ip::make_address("::1"))) {
        BOOST_TEST_MESSAGE("skipped: no IPv6 loopback (::1) on this host");
        return;
    }
    check_own_connection(ip::make_address("::1"));
}

BOOST_AUTO_TEST_CASE(a_connection_from_nobody_reads_as_uid_65534)
{
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("skipped: needs root to start a client as uid 65534");
        return;
    }
    // Setup: a listener, and a python3 client running as nobody that connects and waits.
    boost::asio::io_context io;
    auto acceptor = listen_on(io, ip::make_address("127.0.0.1"));
    BOOST_TEST_REQUIRE(acceptor.has_value());
    const std::string script = "import socket,time\ns=socket.create_connection(('127.0.0.1',"
        + std::to_string(acceptor->local_endpoint().port()) + "))\ntime.sleep(30)\n";
    std::vector<std::string> args{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                  "/usr/bin/python3", "-c", script};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    child_process child;
    BOOST_TEST_REQUIRE(::posix_spawnp(&child.pid, "setpriv", nullptr, nullptr, argv.data(), environ) == 0);

    // Exercise
    auto accepted = accept_one(*acceptor);
    auto uid = tcp_peer_uid(accepted.local_endpoint(), accepted.remote_endpoint());

    // Check
    BOOST_TEST_REQUIRE(uid.has_value(), (uid.has_value() ? "" : uid.error().detail));
    BOOST_TEST(*uid == 65534u);
}

BOOST_AUTO_TEST_CASE(a_four_tuple_with_no_connection_is_an_error)
{
    boost::asio::io_context io;
    auto acceptor = listen_on(io, ip::make_address("127.0.0.1"));
    BOOST_TEST_REQUIRE(acceptor.has_value());
    const auto local = acceptor->local_endpoint();

    // Port 1 on loopback: no socket at all.
    auto none = tcp_peer_uid(local, ip::tcp::endpoint(local.address(), 1));
    BOOST_TEST_REQUIRE(none.has_error());
    BOOST_TEST(none.error().is(agent_errc::peer_unknown), none.error().detail);

    // A listening socket where the peer should be: the kernel's lookup falls back to listeners,
    // and a listener is nobody's connection.
    auto other = listen_on(io, ip::make_address("127.0.0.1"));
    BOOST_TEST_REQUIRE(other.has_value());
    auto listener = tcp_peer_uid(local, other->local_endpoint());
    BOOST_TEST_REQUIRE(listener.has_error());
    BOOST_TEST(listener.error().is(agent_errc::peer_unknown), listener.error().detail);
}

BOOST_AUTO_TEST_CASE(a_client_that_already_closed_is_not_taken_for_root)
{
    // Setup: a connection whose client closes before the lookup; its socket lingers ownerless
    // (FIN_WAIT2 or TIME_WAIT), which the kernel reports as uid 0.
    boost::asio::io_context io;
    auto acceptor = listen_on(io, ip::make_address("127.0.0.1"));
    BOOST_TEST_REQUIRE(acceptor.has_value());
    ip::tcp::socket client(io);
    client.connect(acceptor->local_endpoint());
    auto accepted = accept_one(*acceptor);
    client.close();

    // Exercise
    auto uid = tcp_peer_uid(accepted.local_endpoint(), accepted.remote_endpoint());

    // Check
    BOOST_TEST_REQUIRE(uid.has_error());
    BOOST_TEST(uid.error().is(agent_errc::peer_unknown), uid.error().detail);
}

BOOST_AUTO_TEST_SUITE_END()
