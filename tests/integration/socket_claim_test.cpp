// SPDX-License-Identifier: MIT
// How tokend claims its socket path and guards it (docs/security.md, "Another local user on a
// shared host"): the directory examined with lstat, a start-up probe that a wedged listener
// cannot hang, one owner when two agents start at the same moment, and refusals of other
// uids logged once a minute with a count. Runs as root with uid 65534 as the other user.
#include "fake_listener.hpp"
#include "process.hpp"
#include "raw_client.hpp"

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

using namespace tokend::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(socket_claim)

// Helpers live inside the suite's namespace, so a unity build can merge test files.
namespace {

constexpr uid_t nobody = 65534;
const std::string static_config = "[profile.s]\nprovider = \"static\"\ntoken = \"sk_static_1\"\n";
const std::string hello_prefix = R"({"ok":true,"agent":"tokend")";

boost::test_tools::assertion_result running_as_root(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result ok(::geteuid() == 0);
    ok.message() << "SKIPPED: acting as another uid (65534) needs root";
    return ok;
}

std::size_t count(const std::string& text, const std::string& what)
{
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// A connection that stays in the listener's queue; -1 when the queue is full (EAGAIN).
int queued_connection(const std::string& path)
{
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
        return fd;
    BOOST_REQUIRE_MESSAGE(errno == EAGAIN, std::strerror(errno));
    ::close(fd);
    return -1;
}

} // namespace

BOOST_AUTO_TEST_CASE(the_socket_directory_is_examined_with_lstat)
{
    // Setup: a symbolic link to a perfectly good directory of ours, and directories that let
    // others in by one bit: a traversable 0711 and a sticky 01777 (like /tmp).
    temp_dir dir;
    std::string config = dir.write("config.toml", static_config);
    fs::create_directory(dir.path() / "real");
    ::chmod((dir.path() / "real").c_str(), 0700);
    fs::create_directory_symlink(dir.path() / "real", dir.path() / "link");
    for (auto [name, mode] : {std::pair{"x", 0711}, std::pair{"sticky", 01777}}) {
        fs::create_directory(dir.path() / name);
        ::chmod((dir.path() / name).c_str(), static_cast<mode_t>(mode));
    }
    auto start_in = [&](const std::string& sub) {
        return run({tokend_bin(), "--config", config, "--socket", (dir.path() / sub / "socket").string()}, {}, {}, 5s);
    };

    // Exercise
    run_result link = start_in("link"), x = start_in("x"), sticky = start_in("sticky");

    // Check: each refused with exit 1 and the reason; nothing created behind the link.
    BOOST_TEST(link.status == 1);
    BOOST_TEST(link.err.find((dir.path() / "link").string() + " is a symbolic link; refusing to put the socket there")
                   != std::string::npos,
               link.err);
    BOOST_TEST(fs::is_empty(dir.path() / "real"));
    BOOST_TEST(x.status == 1);
    BOOST_TEST(x.err.find("has mode 0711, which lets group or others in") != std::string::npos, x.err);
    BOOST_TEST(sticky.status == 1);
    BOOST_TEST(sticky.err.find("has mode 1777, which lets group or others in") != std::string::npos, sticky.err);
    BOOST_TEST(fs::is_empty(dir.path() / "sticky"));
}

BOOST_AUTO_TEST_CASE(a_wedged_listener_on_the_path_cannot_hang_start_up)
{
    // Setup: two sockets of ours with a live process behind each: one that never accepts and
    // whose queue is full, one that accepts and never answers.
    temp_dir dir;
    std::string config = dir.write("config.toml", static_config);
    std::string full = (dir.path() / "full.sock").string(), mute = (dir.path() / "mute.sock").string();
    fake_listener never_accepts(full, fake_listener_options().never_accepting());
    fake_listener never_answers(mute, fake_listener_options());
    std::vector<int> queued;
    for (int fd; queued.size() < 64 && (fd = queued_connection(full)) >= 0;)
        queued.push_back(fd);
    BOOST_TEST_REQUIRE(queued.size() < 64u); // the queue is full now

    // Exercise
    auto t0 = std::chrono::steady_clock::now();
    run_result on_full = run({tokend_bin(), "--config", config, "--socket", full}, {}, {}, 10s);
    auto full_took = std::chrono::steady_clock::now() - t0;
    run_result on_mute = run({tokend_bin(), "--config", config, "--socket", mute}, {}, {}, 10s);
    for (int fd : queued)
        ::close(fd);

    // Check: a bounded wait (about a second each), a clear refusal, and both sockets kept.
    BOOST_TEST(on_full.status == 1, on_full.err);
    BOOST_TEST(on_full.err.find("a process listens on " + full + " but lets nobody in") != std::string::npos,
               on_full.err);
    BOOST_TEST(full_took < 5s);
    BOOST_TEST(on_mute.status == 1, on_mute.err);
    BOOST_TEST(on_mute.err.find("a process listens on " + mute + " but did not answer as tokend within 1s")
                   != std::string::npos,
               on_mute.err);
    BOOST_TEST(fs::exists(full));
    BOOST_TEST(fs::exists(mute));
}

BOOST_AUTO_TEST_CASE(of_two_agents_started_at_once_exactly_one_owns_the_socket)
{
    temp_dir dir;
    std::string config = dir.write("config.toml", static_config);
    for (int round = 0; round < 15; ++round) {
        BOOST_TEST_CONTEXT("round " << round)
        {
            // Setup: a fresh path each round; a stale socket file on odd rounds, so that both
            // agents also race through the probe-and-replace step.
            std::string socket = (dir.path() / ("race" + std::to_string(round)) / "socket").string();
            if (round % 2 == 1) {
                fs::create_directory(fs::path(socket).parent_path());
                ::chmod(fs::path(socket).parent_path().c_str(), 0700);
                { fake_listener gone(socket, fake_listener_options()); } // killed: its socket file stays, stale
            }

            // Exercise: two agents at the same moment.
            child a({tokend_bin(), "--config", config, "--socket", socket}, {}, dir.path().string());
            child b({tokend_bin(), "--config", config, "--socket", socket}, {}, dir.path().string());
            bool one_left = wait_for([&] { return !a.running() || !b.running(); }, 10s);
            BOOST_TEST_REQUIRE(one_left, "both agents still run: " << a.err() << b.err());
            child& loser = a.running() ? b : a;
            child& winner = a.running() ? a : b;
            // The loser may fail while the winner, holding the lock, is still starting up.
            std::string hello;
            wait_for([&] { return (hello = ask(socket, R"({"op":"hello"})", 1s)).starts_with(hello_prefix); });

            // Check: the loser says why and exits non-zero; the winner serves; stopped, it
            // leaves neither the socket nor its lock behind.
            BOOST_TEST(loser.wait(0ms).value_or(0) != 0);
            BOOST_TEST(loser.err().find("another agent is already listening on " + socket) != std::string::npos,
                       loser.err());
            BOOST_TEST(hello.starts_with(hello_prefix), hello);
            BOOST_TEST(winner.running());
            winner.signal(SIGTERM);
            BOOST_TEST(winner.wait(10s).value_or(-1) == 0);
            BOOST_TEST(!fs::exists(socket));
            BOOST_TEST(!fs::exists(socket + ".lock"));
        }
    }
}

BOOST_AUTO_TEST_CASE(refusals_of_another_uid_are_logged_once_a_minute_with_a_count,
                     *boost::unit_test::precondition(running_as_root))
{
    // Setup: a root agent whose socket uid 65534 can reach (opened up after start-up, since
    // tokend itself refuses to create a socket others may reach).
    temp_dir dir;
    agent a(dir, static_config);
    BOOST_TEST_REQUIRE(::chmod(dir.path().c_str(), 0711) == 0);
    BOOST_TEST_REQUIRE(::chmod(a.socket().c_str(), 0666) == 0);

    // Exercise: 30 connections of uid 65534 in a burst; then the agent stops.
    std::vector<foreign_exchange> tries;
    for (int i = 0; i < 30; ++i)
        tries.push_back(exchange_as(nobody, nobody, a.socket(), R"({"op":"hello"})"));
    std::string during = a.log();
    a.process().signal(SIGTERM);
    BOOST_TEST_REQUIRE(a.process().wait(10s).value_or(-1) == 0);

    // Check: every one refused; one line for the first, with its pid; the other 29 counted
    // in one line (here at shutdown, else when the minute is over).
    for (const auto& t : tries)
        BOOST_TEST(t.received.find("permission_denied") != std::string::npos);
    BOOST_TEST(count(during, "refused") == 1u, during);
    BOOST_TEST(count(during, "refused a connection from uid 65534 (pid " + std::to_string(tries[0].pid) + ")") == 1u,
               during);
    BOOST_TEST(count(a.log(), "refused") == 2u, a.log());
    BOOST_TEST(count(a.log(), "refused 29 more connections from uid 65534 since the last such line (latest pid "
                                  + std::to_string(tries.back().pid) + ")")
                   == 1u,
               a.log());
}

BOOST_AUTO_TEST_SUITE_END()
