// SPDX-License-Identifier: MIT
// `*_command` children (docs/credentials.md, "Commands"): what they inherit of tokend's
// environment, and that a child cut short -- by a timeout or by cancellation, which is how a
// reload or a stop ends a profile's work -- has its process group killed and is reaped.
#include "secrets/command.hpp"
#include "secrets/secret_source.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace tokend::agent;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

using command_result = boost::system::result<secret, agent_error>;

struct scratch_dir {
    fs::path dir;
    scratch_dir()
    {
        std::string p = (fs::temp_directory_path() / "tokend-command-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(p.data()));
        dir = p;
    }
    ~scratch_dir() { fs::remove_all(dir); }
};

command_result run_to_end(const std::string& cmd, duration timeout)
{
    asio::io_context ioc;
    std::optional<command_result> out;
    asio::co_spawn(ioc, run_secret_command(cmd, timeout, "t.toml:3: profile.p.password_command"),
                   [&](std::exception_ptr e, command_result r) {
                       BOOST_TEST(!e);
                       out = std::move(r);
                   });
    ioc.run_for(20s);
    BOOST_TEST_REQUIRE(out.has_value());
    return std::move(*out);
}

// The pid the command wrote to `file`, once it is there (at most 5 s).
pid_t wait_for_pid(asio::io_context& ioc, const fs::path& file)
{
    for (int i = 0; i < 500; ++i) {
        ioc.run_for(10ms);
        std::ifstream in(file);
        pid_t pid = 0;
        if (in >> pid && pid > 0)
            return pid;
    }
    return 0;
}

// Whether any process of process group `group` is alive (a zombie is not: it only waits
// for its parent to reap it).
bool group_alive(pid_t group)
{
    for (const auto& entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue; // not a process
        std::ifstream in(entry.path() / "stat");
        std::string text((std::istreambuf_iterator<char>(in)), {});
        auto paren = text.rfind(')');
        if (paren == std::string::npos)
            continue;
        std::istringstream fields(text.substr(paren + 2));
        char state = 0;
        pid_t parent = 0, pgrp = 0;
        fields >> state >> parent >> pgrp;
        if (pgrp == group && state != 'Z')
            return true;
    }
    return false;
}

// SIGKILL is delivered at once, but a process still has to be scheduled to die.
bool group_gone_soon(pid_t group)
{
    for (int i = 0; i < 100; ++i) {
        if (!group_alive(group))
            return true;
        ::usleep(10'000);
    }
    return false;
}

// True once `pid` is no longer our child to wait for: it was reaped already.
bool already_reaped(pid_t pid)
{
    return ::waitpid(pid, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

} // namespace

BOOST_AUTO_TEST_SUITE(commands)

BOOST_AUTO_TEST_CASE(a_command_inherits_neither_env_secrets_nor_systemd_variables)
{
    // Setup: an `_env` secret read (and so removed), then set again by someone; systemd's
    // variables; the agent socket; and one ordinary variable that must stay.
    ::setenv("TOKEND_TEST_CHILD_SECRET", "api-secret-value", 1);
    auto read = read_secret({secret_source::kind::env, "TOKEND_TEST_CHILD_SECRET", "t.toml:4: profile.p.api_secret_env", {}});
    BOOST_TEST_REQUIRE(read.has_value());
    ::setenv("TOKEND_TEST_CHILD_SECRET", "set-again", 1);
    for (const char* name : {"NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "WATCHDOG_PID",
                             "WATCHDOG_USEC", "TOKEND_SOCK"})
        ::setenv(name, "1", 1);
    ::setenv("TOKEND_TEST_ORDINARY", "yes", 1);

    // Exercise
    auto r = run_to_end("n=$(env | grep -cE '^(TOKEND_TEST_CHILD_SECRET|NOTIFY_SOCKET|LISTEN_[A-Z]*|WATCHDOG_[A-Z]*"
                        "|TOKEND_SOCK)='); echo \"ordinary=$TOKEND_TEST_ORDINARY withheld=$n\"",
                        5s);

    // Check
    for (const char* name : {"TOKEND_TEST_CHILD_SECRET", "NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES",
                             "WATCHDOG_PID", "WATCHDOG_USEC", "TOKEND_SOCK", "TOKEND_TEST_ORDINARY"})
        ::unsetenv(name);
    BOOST_TEST_REQUIRE(r.has_value(), (r ? "" : r.error().message()));
    BOOST_TEST(r->view() == "ordinary=yes withheld=0");
}

BOOST_AUTO_TEST_CASE(a_cancelled_command_has_its_group_killed_and_is_reaped)
{
    // Setup: a command that records its shell's pid (= its process group) and then takes
    // long, as `pass` waiting on a pinentry would; a reload or a stop cancels the coroutine.
    scratch_dir scratch;
    fs::path pid_file = scratch.dir / "pid";
    asio::io_context ioc;
    asio::cancellation_signal cancel;
    bool ended = false;
    asio::co_spawn(ioc, run_secret_command("echo $$ > " + pid_file.string() + "; sleep 30; echo late", 20s, "t"),
                   asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr, command_result) { ended = true; }));
    pid_t shell = wait_for_pid(ioc, pid_file);
    BOOST_TEST_REQUIRE(shell > 0);
    BOOST_TEST_REQUIRE(group_alive(shell));

    // Exercise
    auto start = std::chrono::steady_clock::now();
    cancel.emit(asio::cancellation_type::terminal);
    for (int i = 0; i < 300 && !ended; ++i)
        ioc.run_for(10ms);

    // Check: the coroutine ended at once, nothing of the group runs, and the shell is no
    // zombie of ours.
    BOOST_TEST(ended);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 1s));
    BOOST_TEST(group_gone_soon(shell));
    BOOST_TEST(already_reaped(shell));
}

BOOST_AUTO_TEST_CASE(a_command_destroyed_with_its_io_context_is_killed_and_reaped)
{
    // Setup: as above; the agent's io_context goes away with the coroutine suspended.
    scratch_dir scratch;
    fs::path pid_file = scratch.dir / "pid";
    pid_t shell = 0;
    {
        asio::io_context ioc;
        asio::co_spawn(ioc, run_secret_command("echo $$ > " + pid_file.string() + "; sleep 30; echo late", 20s, "t"),
                       [](std::exception_ptr, command_result) {});
        shell = wait_for_pid(ioc, pid_file);
        BOOST_TEST_REQUIRE(shell > 0);
    } // Exercise

    // Check
    BOOST_TEST(group_gone_soon(shell));
    BOOST_TEST(already_reaped(shell));
}

BOOST_AUTO_TEST_CASE(a_timed_out_command_is_killed_and_reaped)
{
    scratch_dir scratch;
    fs::path pid_file = scratch.dir / "pid";
    auto r = run_to_end("echo $$ > " + pid_file.string() + "; sleep 30 & sleep 30", 300ms);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().code == agent_errc::timeout), r.error().message());
    pid_t shell = 0;
    std::ifstream(pid_file) >> shell;
    BOOST_TEST_REQUIRE(shell > 0);
    BOOST_TEST(group_gone_soon(shell));
    BOOST_TEST(already_reaped(shell));
}

BOOST_AUTO_TEST_SUITE_END()
